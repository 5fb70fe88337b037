"""kill -9 of halint and its ssh during `halint restore --ssh`: each unit is old or new, never a
mix; the next `restore --ssh` finishes (or rolls back and redoes) it, nothing is lost.

The whole process group is killed (halint, its ssh master and clients; the node-side step then
ends at its next write, or finishes the rename it was in): at each named step on this side
(``HALINT_RESTORE_KILL_AT`` with ``HALINT_RESTORE_KILL_GROUP``), at each step of the node-side
swap (as soon as the step log on the node names it), and at random moments.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO
from crash_helpers import SEED, Scene, assert_each_unit_old_or_new, assert_restored_and_old_kept, damage, node_state
from remote_snapshot_helpers import ssh_halint
from snapshot_helpers import make_node

GROUP = {"HALINT_RESTORE_KILL_GROUP": "1"}
DELAY = "0.2"  # the node pauses after journalling each swap step, so kills land inside the swap


@dataclass(frozen=True)
class RemoteScene(Scene):
    config: str = ""

    def where(self) -> list[str]:
        return ["--ssh", f"modern:{self.root}", "--ssh-config", self.config]

    def start(self, **env) -> subprocess.Popen:
        """A restore in its own process group (halint and the ssh processes it starts)."""
        return subprocess.Popen(self.command(), cwd=REPO, env=dict(os.environ, NO_COLOR="1", **env),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _digests(root: Path) -> set:
    """Every file content under the root, kept data included: none may be lost."""
    out = set()
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            if os.path.isfile(path) and not os.path.islink(path):
                out.add(hashlib.sha256(Path(path).read_bytes()).hexdigest())
    return out


@pytest.fixture(scope="module")
def scene(ssh_lab, tmp_path_factory) -> RemoteScene:
    base = tmp_path_factory.mktemp("remote-crash")
    root = make_node(base)
    done = ssh_halint(ssh_lab, "snapshot", "--ssh", f"modern:{root}", "--out", str(base / "out"), "--quiet")
    assert done.returncode == 0, done.stderr
    new = node_state(root)
    damage(root)
    pristine = base / "damaged-copy"
    import shutil

    shutil.copytree(root, pristine, symlinks=True)
    made = RemoteScene(root, Path(done.stdout.strip()), pristine, new, {}, str(ssh_lab.config))
    made.reset()
    return RemoteScene(root, made.archive, pristine, new, node_state(root), str(ssh_lab.config))


def _check(scene: RemoteScene, before: set, expect: set | None) -> str:
    kinds = assert_each_unit_old_or_new(scene, missing_ok=True)  # two renames: briefly absent
    if expect is not None:
        assert kinds <= expect, kinds
    scene.rerun()
    assert_restored_and_old_kept(scene)
    assert before <= _digests(scene.root), "a file content that existed before the restore is gone"
    return " ".join(sorted(kinds))


def _wait_gone(proc: subprocess.Popen) -> None:
    proc.wait(timeout=120)


HERE = ["journal-staging", "extracted", "linked", "staged", "swapped", "journal-removed"]
EXPECT = {"locked": {"old"}, "journal-staging": {"old"}, "extracted": {"old"}, "linked": {"old"}, "staged": {"old"},
          "swapped": {"new"}, "journal-removed": {"new"}}


@pytest.mark.slow
@pytest.mark.parametrize("point", HERE)
def test_kill_halint_and_its_ssh_at_each_step_then_rerun(scene, point):
    scene.reset()
    before = _digests(scene.root)
    proc = scene.start(HALINT_RESTORE_KILL_AT=point, **GROUP)
    _wait_gone(proc)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read()
    _check(scene, before, EXPECT[point])


# Step log lines of the node-side swap (restore.sh rs_step): units 0-2 (etc, usr, var), then the
# link-map links (the damaged /etc/asterisk is link 0).
NODE_STEPS = ["u 0 aside 0", "u 0 live", "u 2 done", "l 0 temp", "l 0 aside 0", "l 0 live"]


@pytest.mark.slow
@pytest.mark.parametrize("step", NODE_STEPS)
def test_kill_when_the_node_has_journalled_each_swap_step(scene, step):
    scene.reset()
    before = _digests(scene.root)
    steps = scene.root / "replica/.halint-restore.steps"
    proc = scene.start(HALINT_RESTORE_SWAP_DELAY=DELAY)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if steps.exists() and step in steps.read_text().splitlines():
            os.killpg(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.01)
    _wait_gone(proc)
    assert proc.returncode == -signal.SIGKILL, f"the restore ended before step {step!r}"
    time.sleep(float(DELAY) * 2)  # the node-side step ends at its next write
    _check(scene, before, None)


@pytest.mark.slow
def test_kill_at_random_moments_then_rerun(scene):
    scene.reset()  # scale the kill times to this machine: one full run
    started = time.monotonic()
    proc = scene.start(HALINT_RESTORE_SWAP_DELAY="0.05")
    _wait_gone(proc)
    assert proc.returncode == 0, proc.stderr.read()
    duration = time.monotonic() - started
    rng = random.Random(SEED)
    outcomes: dict = {}
    for _ in range(8):  # with the 12 named steps above: 20 kills
        scene.reset()
        before = _digests(scene.root)
        proc = scene.start(HALINT_RESTORE_SWAP_DELAY="0.05")
        time.sleep(rng.uniform(0.05, 1.0) * duration)
        os.killpg(proc.pid, signal.SIGKILL)
        _wait_gone(proc)
        time.sleep(0.2)
        kinds = _check(scene, before, None)
        outcomes[kinds] = outcomes.get(kinds, 0) + 1
    assert len(outcomes) >= 2, outcomes  # the kills landed in different phases


@pytest.mark.slow
@pytest.mark.parametrize("step", ["u 0 aside 0", "l 0 temp"])
def test_a_connection_dropped_inside_the_swap_is_one_line_and_the_rerun_completes(scene, step):
    """Only the ssh processes die (halint lives on): halint ends with one line and exit 2, no
    traceback; the units are old or new; the next restore --ssh completes it."""
    from test_remote_snapshot import _descendants

    scene.reset()
    before = _digests(scene.root)
    steps = scene.root / "replica/.halint-restore.steps"
    proc = scene.start(HALINT_RESTORE_SWAP_DELAY=DELAY)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if steps.exists() and step in steps.read_text().splitlines():
            break
        time.sleep(0.01)
    cut = [pid for pid in _descendants(proc.pid) if _command(pid).endswith(b"ssh")]
    assert cut, f"the restore ended before step {step!r}"
    for pid in cut:
        with contextlib.suppress(ProcessLookupError):  # a client ends with its master
            os.kill(pid, signal.SIGKILL)
    _wait_gone(proc)
    stderr = proc.stderr.read().decode()
    assert proc.returncode == 2 and stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    time.sleep(float(DELAY) * 2)  # the node-side step ends at its next write
    _check(scene, before, None)


def _command(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().split(b"\0")[0]
    except OSError:
        return b""
