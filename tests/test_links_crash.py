"""Crash safety: kill -9 a repair (or its undo) at random points; the next `repair` or `undo`
must always reach a consistent state with nothing lost."""

from __future__ import annotations

import glob
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from conftest import run_halint
from links_helpers import digests, links_args, listing, make_node, simulate_upgrade

TRIALS = 24
DELAY = "0.01"  # seconds per pause; a full repair then takes ~0.5 s, so kills land mid-way


def _start(root, *args):
    env = dict(os.environ, HALINT_TEST_STEP_DELAY=DELAY, NO_COLOR="1")
    cmd = [sys.executable, "-m", "elastix_halint", *links_args(root, *args)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _journal_lines(root) -> int:
    found = sorted(glob.glob(str(root / "var/lib/halint/links/*.journal")))
    if not found:
        return 0
    with open(found[-1]) as fh:
        return sum(1 for _ in fh)


def _kill_after(proc, root, lines: int, jitter: float) -> None:
    """SIGKILL once the journal has ``lines`` lines (0: at a random moment), plus ``jitter``."""
    deadline = time.monotonic() + 20
    while lines and _journal_lines(root) < lines and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(jitter)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()


def _no_leftovers(root) -> None:
    assert not glob.glob(str(root / "**/*.halint-tmp"), recursive=True)
    assert not glob.glob(str(root / "**/.*.halint-tmp"), recursive=True)


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(TRIALS))
def test_kill_repair_at_random_point_then_recover(tmp_path, trial):
    rng = random.Random(trial)
    root = make_node(tmp_path)
    simulate_upgrade(root)
    before, before_bytes = listing(root), digests(root)

    # The full repair journals 1 header + 9 begin/done pairs + committed = 20 lines.
    _kill_after(_start(root, "repair", "--apply", "--merge-new"), root, rng.randint(0, 20), rng.uniform(0, 0.03))
    assert before_bytes <= digests(root), "a kill lost data"

    if trial % 2 == 0:
        finish = run_halint(*links_args(root, "repair", "--apply", "--merge-new"))
        assert finish.returncode in (0, 1), finish.stdout + finish.stderr
        assert run_halint(*links_args(root)).returncode == 0, "links not all ok after recovery"
        assert before_bytes <= digests(root)
        _no_leftovers(root)
        if trial % 4 == 0:
            assert run_halint(*links_args(root, "undo")).returncode == 0
            assert listing(root) == before
    else:
        if trial % 4 == 3:  # crash the undo as well, then undo again
            _kill_after(_start(root, "undo"), root, 0, rng.uniform(0.3, 0.8))
            assert before_bytes <= digests(root)
        undo = run_halint(*links_args(root, "undo"))
        assert undo.returncode == 0, undo.stdout + undo.stderr
        assert listing(root) == before, "undo after a crash did not restore the tree"
    assert "interrupted" not in run_halint(*links_args(root)).stderr
