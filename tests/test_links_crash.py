"""Crash safety: kill -9 a repair (or its undo) at random points; the next `repair` or `undo`
must always reach a consistent state with nothing lost."""

from __future__ import annotations

import glob
import json
import random

import pytest
from conftest import run_halint
from links_helpers import digests, journal_lines, kill_after, links_args, listing, make_node, simulate_upgrade, start_halint

TRIALS = 24


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
    kill_after(start_halint(root, "repair", "--apply", "--merge-new"), root, rng.randint(0, 20), rng.uniform(0, 0.03))
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
            # An undo journals "undo", one "reverted" per begun step, then "undone".
            kill_after(start_halint(root, "undo"), root, journal_lines(root) + rng.randint(1, 10), rng.uniform(0, 0.02))
            assert before_bytes <= digests(root)
        undo = run_halint(*links_args(root, "undo"))
        assert undo.returncode == 0, undo.stdout + undo.stderr
        assert listing(root) == before, "undo after a crash did not restore the tree"
    assert "interrupted" not in run_halint(*links_args(root)).stderr


def test_an_interrupted_repair_is_reported_until_finished(tmp_path):
    root = make_node(tmp_path)
    simulate_upgrade(root)
    kill_after(start_halint(root, "repair", "--apply", "--merge-new"), root, 6, 0)
    status = run_halint(*links_args(root))
    assert status.returncode == 1 and "interrupted" in status.stderr
    assert json.loads(run_halint(*links_args(root, "--format", "json")).stdout)["interrupted"]
    dry = run_halint(*links_args(root, "repair"))
    assert dry.returncode == 1 and "was interrupted" in dry.stdout
    finish = run_halint(*links_args(root, "repair", "--apply"))
    assert "finishing repair" in finish.stdout, finish.stdout + finish.stderr
    assert run_halint(*links_args(root)).returncode == 0
