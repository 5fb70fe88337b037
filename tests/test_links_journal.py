"""Steps and journal without the command line: idempotent steps, conflicts found mid-copy."""

from __future__ import annotations

import os

import pytest

from elastix_halint.links.journal import Journal, journals
from elastix_halint.links.repair import run_forward
from elastix_halint.links.steps import CopyIn, MakeDir, MakeLink, MoveAside, Retarget, StepError, step_from_json
from elastix_halint.links.undo import run_undo
from elastix_halint.noderoot.root import NodeRoot


def _quiet(line: str) -> None:
    pass


@pytest.fixture
def root(tmp_path) -> NodeRoot:
    (tmp_path / "etc/asterisk").mkdir(parents=True)
    (tmp_path / "etc/asterisk/new.conf").write_text("upgraded\n")
    os.chmod(tmp_path / "etc/asterisk/new.conf", 0o640)
    (tmp_path / "replica/etc").mkdir(parents=True)
    os.symlink("/elsewhere", tmp_path / "etc/mysql")
    return NodeRoot(str(tmp_path))


def _steps():
    return [
        MoveAside("/etc/asterisk", "/etc/asterisk.halint-X"),
        MakeDir("/replica/etc/asterisk", 0o750, os.getuid(), os.getgid()),
        CopyIn("/etc/asterisk.halint-X/new.conf", "/replica/etc/asterisk/new.conf"),
        MakeLink("/etc/asterisk", "/replica/etc/asterisk"),
        Retarget("/etc/mysql", "/elsewhere", "/replica/etc/mysql", os.getuid(), os.getgid()),
    ]


def test_each_step_applies_and_reverts_twice_without_harm(root, tmp_path):
    steps = _steps()
    for step in steps:
        assert step.ready(root)
        step.apply(root)
        step.apply(root)  # a crash after the action, before `done`: doing it again is harmless
        assert step_from_json(step.to_json()) == step
    assert os.readlink(tmp_path / "etc/asterisk") == "/replica/etc/asterisk"
    assert (tmp_path / "replica/etc/asterisk/new.conf").read_text() == "upgraded\n"
    assert os.stat(tmp_path / "replica/etc/asterisk/new.conf").st_mode & 0o777 == 0o640
    assert os.stat(tmp_path / "replica/etc/asterisk").st_mode & 0o777 == 0o750
    for step in reversed(steps):
        step.revert(root)
        step.revert(root)
    assert (tmp_path / "etc/asterisk/new.conf").read_text() == "upgraded\n"
    assert os.readlink(tmp_path / "etc/mysql") == "/elsewhere"
    assert not (tmp_path / "replica/etc/asterisk").exists()


def test_revert_never_removes_what_changed_after_the_repair(root, tmp_path):
    steps = _steps()
    for step in steps:
        step.apply(root)
    (tmp_path / "replica/etc/asterisk/new.conf").write_text("edited after the repair\n")
    with pytest.raises(StepError, match="changed after the repair"):
        steps[2].revert(root)
    assert (tmp_path / "replica/etc/asterisk/new.conf").read_text() == "edited after the repair\n"
    os.unlink(tmp_path / "etc/asterisk")
    os.symlink("/somewhere/else", tmp_path / "etc/asterisk")
    with pytest.raises(StepError):
        steps[3].revert(root)


def test_a_copy_whose_destination_appears_meanwhile_is_a_conflict_not_a_loss(tmp_path):
    """Between `begin` and the copy another writer creates the file: both versions survive,
    and undo does not touch the other writer's file."""
    root = NodeRoot(str(tmp_path))
    (tmp_path / "aside").mkdir()
    (tmp_path / "replica").mkdir()
    (tmp_path / "aside/new.conf").write_text("upgraded\n")
    step = CopyIn("/aside/new.conf", "/replica/new.conf")
    journal = Journal.create(root, "20260101T000000Z", {"steps": [step.to_json()], "map": {}, "dir_times": {}})
    journal.append("begin", 0)  # as if the repair had just announced the copy
    (tmp_path / "replica/new.conf").write_text("written by mysqld meanwhile\n")
    view = run_forward(root, journal, _quiet)
    assert view.skipped[0].startswith("conflict") and view.status == "committed"
    run_undo(root, journal, _quiet)
    assert (tmp_path / "replica/new.conf").read_text() == "written by mysqld meanwhile\n"
    assert (tmp_path / "aside/new.conf").read_text() == "upgraded\n"


def test_two_repairs_in_one_second_are_undone_newest_first(root, tmp_path):
    """The second journal of a second is ID-2.journal, which sorts before ID.journal byte-wise:
    the order must still be the order they were written in, or undo takes the wrong one."""
    first = Journal.create(root, "20260101T000000Z", {"steps": [], "map": {}, "dir_times": {}})
    second = Journal.create(root, "20260101T000000Z", {"steps": [], "map": {}, "dir_times": {}})
    tenth = [Journal.create(root, "20260101T000000Z", {"steps": [], "map": {}, "dir_times": {}}) for _ in range(8)][-1]
    assert (first.id, second.id, tenth.id) == ("20260101T000000Z", "20260101T000000Z-2", "20260101T000000Z-10")
    assert [j.id for j in journals(root)][:2] + [journals(root)[-1].id] == [first.id, second.id, tenth.id]


def test_a_plan_cut_before_its_rename_leaves_nothing_behind(root, tmp_path):
    state = tmp_path / "var/lib/halint/links"
    state.mkdir(parents=True)
    (state / "20250101T000000Z.journal.tmp").write_text('{"steps": [')
    Journal.create(root, "20260101T000000Z", {"steps": [], "map": {}, "dir_times": {}})
    assert sorted(p.name for p in state.iterdir()) == ["20260101T000000Z.journal"]
