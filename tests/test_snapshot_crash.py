"""kill -9 during `halint restore`: each unit is old or new, never a mix; a rerun completes;
the replaced data is kept aside (until --prune) and nothing is lost.

Kills land at every named step of a restore (``HALINT_RESTORE_KILL_AT``, see
``elastix_halint/snapshot/crashpoints.py``), with and without renameat2, twice in a row, and
at random moments of a slowed-down run.
"""

from __future__ import annotations

import glob
import json
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import REPO
from crash_helpers import (NO_RENAMEAT2, SEED, Scene, damage, assert_each_unit_old_or_new, assert_restored_and_old_kept,
                           node_state)
from snapshot_helpers import halint_ok, make_node, take_snapshot

@pytest.fixture(scope="module")
def scene(tmp_path_factory) -> Scene:
    base = tmp_path_factory.mktemp("crash")
    root = make_node(base)
    archive = take_snapshot(root)
    new = node_state(root)
    damage(root)
    pristine = base / "damaged-copy"
    shutil.copytree(root, pristine, symlinks=True)
    made = Scene(root, archive, pristine, new, {})
    made.reset()  # copytree keeps neither hardlinks nor holes nor owners: "old" is a copy's state
    return Scene(root, archive, pristine, new, node_state(root))


# Each kill point with the unit states it must leave (None: any of old/new per unit).
BEFORE_SWAP = ["locked", "journal-temp-written#1", "journal-staging", "staging-created", "extracted-file#1",
               "extracted-file#5", "staged", "journal-temp-written#2", "journal-swapping"]
IN_SWAP = ["unit-done#1", "unit-done#2", "link-temp", "link-done"]
AFTER_SWAP = ["staging-removed", "done-written", "journal-removed", "replica-attrs"]
CASES = (
    [(p, {}, {"old"}) for p in BEFORE_SWAP]
    + [(p, {}, None) for p in IN_SWAP + ["unit-exchanged#1", "unit-exchanged#3", "link-exchanged"]]
    + [(p, {}, {"new"}) for p in AFTER_SWAP]
    + [(p, NO_RENAMEAT2, None) for p in IN_SWAP + ["unit-live-aside#1", "unit-live-aside#3", "link-live-aside"]]
    + [("staging-removed", NO_RENAMEAT2, {"new"})]
)


@pytest.mark.slow
@pytest.mark.parametrize("point, env, expect", CASES,
                         ids=[f"{p}{'-renames' if e else ''}" for p, e, _ in CASES])
def test_kill_at_each_step_then_a_rerun_completes(scene, point, env, expect):
    scene.reset()
    scene.run_killed(HALINT_RESTORE_KILL_AT=point, **env)
    kinds = assert_each_unit_old_or_new(scene, missing_ok=bool(env))
    if expect is not None:
        assert kinds == expect
    scene.rerun(**env)
    assert_restored_and_old_kept(scene)


@pytest.mark.slow
@pytest.mark.parametrize("first, second, env", [
    ("extracted-file#3", "extracted-file#6", {}),  # a dead staging run, then another one
    ("unit-exchanged#2", "unit-done#2", {}),  # killed again while resuming
    ("link-exchanged", "staging-removed", {}),
    ("journal-removed", "unit-exchanged#1", {}),  # the rerun is a fresh restore over a restored tree
    ("unit-live-aside#2", "unit-done#2", NO_RENAMEAT2),
])
def test_a_rerun_killed_again_is_completed_by_the_next(scene, first, second, env):
    scene.reset()
    scene.run_killed(HALINT_RESTORE_KILL_AT=first, **env)
    scene.run_killed(HALINT_RESTORE_KILL_AT=second, **env)
    assert_each_unit_old_or_new(scene, missing_ok=bool(env))
    scene.rerun(**env)
    assert_restored_and_old_kept(scene)


@pytest.mark.slow
def test_resume_finds_the_kept_name_taken_and_keeps_both(scene):
    """A journalled restore whose name for the old tree got taken meanwhile (before the fix, by
    a second restore in the same second) must neither fail forever nor replace that data."""
    scene.reset()
    scene.run_killed(HALINT_RESTORE_KILL_AT="unit-exchanged#1")
    journal = json.loads((scene.root / "replica/.halint-restore.json").read_text())
    squatter = Path(journal["units"][0]["old"])
    (squatter / "keep").mkdir(parents=True)
    (squatter / "keep/data").write_text("someone's kept data\n")
    scene.rerun()
    assert (squatter / "keep/data").read_text() == "someone's kept data\n"
    assert_restored_and_old_kept(scene, foreign=frozenset({str(squatter)}))


@pytest.mark.slow
def test_kill_9_during_restore_leaves_each_directory_old_or_new_and_a_rerun_completes(scene):
    env = dict(os.environ, HALINT_RESTORE_SWAP_DELAY="0.03", NO_COLOR="1")
    durations = []  # scale kill times to this machine's speed (the faster of two full runs)
    for _ in range(2):
        scene.reset()
        started = time.monotonic()
        subprocess.run(scene.command(), cwd=REPO, env=env, check=True, capture_output=True)
        durations.append(time.monotonic() - started)
    duration = min(durations)
    rng = random.Random(SEED)
    outcomes: dict = {}
    for trial in range(20):
        scene.reset()
        proc = subprocess.Popen(scene.command(), cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Random points across the whole run: start-up, scanning, staging, the delayed swaps, the end.
        time.sleep(rng.uniform(0.15, 1.0) * duration)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kinds = assert_each_unit_old_or_new(scene)
        outcomes[" ".join(sorted(kinds))] = outcomes.get(" ".join(sorted(kinds)), 0) + 1
        scene.rerun()
        assert_restored_and_old_kept(scene)
    # The kills must have landed in different phases (the step-by-step test covers each one).
    assert len(outcomes) >= 2, outcomes


def test_two_restores_in_one_second_keep_both_old_trees(tmp_path):
    """Names an earlier restore holds (stamps of this second and the next few) stay untouched."""
    root = make_node(tmp_path)
    archive = take_snapshot(root)
    rep = root / "replica"
    now = time.time()
    squatted = []
    for offset in range(-1, 6):
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now + offset))
        write_to = Path(f"{rep / 'etc'}.halint-old-{stamp}")
        (write_to / "data").mkdir(parents=True)
        squatted.append(write_to)
        (rep / f".halint-restore-done-{stamp}.json").write_text(json.dumps({"kept": [str(write_to)]}))
    (rep / "etc/asterisk/sip.conf").write_text("upgraded\n")
    halint_ok("restore", str(archive), "--root", str(root), "--quiet")
    assert all((p / "data").is_dir() for p in squatted)
    ours = set(glob.glob(f"{rep / 'etc'}.halint-old-*")) - {str(p) for p in squatted}
    assert [(Path(p) / "asterisk/sip.conf").read_text() for p in ours] == ["upgraded\n"]
    removed = halint_ok("restore", "--prune", "--root", str(root)).stdout
    assert all(str(p) in removed for p in squatted) and not glob.glob(f"{rep}/*.halint-old-*")


def test_a_staging_folder_no_journal_owns_is_left_alone_until_prune(tmp_path):
    root = make_node(tmp_path)
    archive = take_snapshot(root)
    orphan = root / "replica/.halint-staging-20000101T000000Z"
    (orphan / "replica/etc").mkdir(parents=True)
    (orphan / "replica/etc/maybe-old-data").write_text("x")
    result = halint_ok("restore", str(archive), "--root", str(root), "--quiet")
    assert str(orphan) in result.stderr and "--prune" in result.stderr
    assert (orphan / "replica/etc/maybe-old-data").is_file()
    assert str(orphan) in halint_ok("restore", "--prune", "--root", str(root)).stdout
    assert not orphan.exists()
