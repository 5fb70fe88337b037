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
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO
from snapshot_helpers import halint_ok, make_node, take_snapshot, tree_state

UNITS = ("etc", "usr", "var")
LINKS = ("etc/asterisk", "usr/lib/asterisk", "var/spool/asterisk", "var/lib/mysql", "var/log/asterisk", "var/www")
NO_RENAMEAT2 = {"HALINT_NO_RENAMEAT2": "1"}  # the two-rename path of kernels without renameat2
SEED = int(os.environ.get("HALINT_CRASH_SEED", "5"))  # stress runs vary it; CI keeps one


def _own(path: Path) -> dict:
    st = os.lstat(path)
    return {"mode": st.st_mode, "uid": st.st_uid, "gid": st.st_gid, "mtime_ns": st.st_mtime_ns}


def unit_state(path: Path) -> dict | None:
    """The unit directory's own attributes and everything below it (None when absent)."""
    return {".": _own(path), **tree_state(path)} if os.path.lexists(path) else None


def node_state(root: Path) -> dict:
    rep = root / "replica"
    links = {p: os.readlink(root / p) if os.path.islink(root / p) else os.path.lexists(root / p) for p in LINKS}
    return {"units": {u: unit_state(rep / u) for u in UNITS}, "replica": _own(rep), "links": links}


@dataclass(frozen=True)
class Scene:
    """A node damaged by an "upgrade" after its snapshot; ``pristine`` is kept to reset it."""

    root: Path
    archive: Path
    pristine: Path
    new: dict  # node_state right after the snapshot: what every restore must end with
    old: dict  # node_state of the damaged node: each unit must be kept aside like this

    def reset(self) -> None:
        shutil.rmtree(self.root)
        shutil.copytree(self.pristine, self.root, symlinks=True)

    def command(self) -> list[str]:
        return [sys.executable, "-m", "elastix_halint", "restore", str(self.archive), "--root", str(self.root), "--quiet"]

    def run_killed(self, **env) -> None:
        """Run a restore that must die by SIGKILL at the point ``env`` names."""
        proc = subprocess.run(self.command(), cwd=REPO, env=dict(os.environ, NO_COLOR="1", **env),
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == -signal.SIGKILL, f"{env}: not killed (exit {proc.returncode}) {proc.stderr}"

    def rerun(self, **env):
        return halint_ok("restore", str(self.archive), "--root", str(self.root), "--quiet", env=env or None)


def _damage(root: Path) -> None:
    rep = root / "replica"
    (rep / "etc/asterisk/sip.conf").write_text("upgraded\n")
    (rep / "usr/lib/asterisk/modules/app_new.so").write_bytes(b"new module")
    shutil.rmtree(rep / "var/www/html")
    os.unlink(root / "etc/asterisk")
    (root / "etc/asterisk").mkdir()


@pytest.fixture(scope="module")
def scene(tmp_path_factory) -> Scene:
    base = tmp_path_factory.mktemp("crash")
    root = make_node(base)
    archive = take_snapshot(root)
    new = node_state(root)
    _damage(root)
    pristine = base / "damaged-copy"
    shutil.copytree(root, pristine, symlinks=True)
    made = Scene(root, archive, pristine, new, {})
    made.reset()  # copytree keeps neither hardlinks nor holes nor owners: "old" is a copy's state
    return Scene(root, archive, pristine, new, node_state(root))


def assert_each_unit_old_or_new(scene: Scene, missing_ok: bool = False) -> set:
    """Right after a kill. ``missing_ok``: without renameat2 a unit is briefly absent between
    its two renames, its old tree already at the kept name (checked after the rerun)."""
    now = node_state(scene.root)
    kinds = set()
    for unit in UNITS:
        state = now["units"][unit]
        if state is None and missing_ok:
            kinds.add("missing")
            continue
        assert state in (scene.old["units"][unit], scene.new["units"][unit]), f"{unit} is a mix of old and new"
        kinds.add("new" if state == scene.new["units"][unit] else "old")
    for path in LINKS:
        assert now["links"][path] in (scene.old["links"][path], scene.new["links"][path], False if missing_ok else None)
    return kinds


def assert_restored_and_old_kept(scene: Scene, foreign: frozenset = frozenset()) -> None:
    """After the rerun; ``foreign``: names that are no restore's kept data."""
    root, rep = scene.root, scene.root / "replica"
    assert node_state(root) == scene.new, "the rerun did not complete the restore"
    names = os.listdir(rep)
    assert not [n for n in names if n.startswith((".halint-staging", ".halint-tmp", ".halint-restore.json"))], names
    kept = set()
    for done in glob.glob(str(rep / ".halint-restore-done-*.json")):
        kept.update(json.loads(Path(done).read_text())["kept"])
    for unit in UNITS:  # the damaged tree of each unit is kept, whole, at a name --prune knows
        asides = set(glob.glob(f"{rep / unit}.halint-old-*")) - foreign
        assert asides <= kept, "moved-aside data that --prune would not know about"
        assert scene.old["units"][unit] in [unit_state(Path(p)) for p in asides], f"the old {unit} was not kept"
    link_asides = glob.glob(f"{root / 'etc/asterisk'}.halint-old-*")
    assert any(os.path.isdir(p) and not os.path.islink(p) for p in link_asides), "the upgrade's /etc/asterisk dir was lost"
    assert set(link_asides) <= kept


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
