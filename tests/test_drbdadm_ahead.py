"""drbdadm's verdicts worked out in a forked child during the parse (parsing/drbdadm/ahead.py)
are the verdicts worked out here: on every corpus entry, sample, fuzz fixture and a large
generated file, whole parse results compared; and a child that guessed the wrong 8.3 node,
died or failed changes nothing but the time."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import pytest

from conftest import REPO
from drbd_helpers import SAMPLE_CONFS, entry_of, oracle_rows
from elastix_halint.parsing import drbd
from elastix_halint.parsing.drbdadm import ahead
from elastix_halint import jsontext
from elastix_halint.parsing import run
from elastix_halint.parsing.run import outcome_json, parse_files, parse_one, render_json
from elastix_halint.source import read_source

sys.path.insert(0, str(REPO / "benchmarks"))
from harness import generate_drbd  # noqa: E402

FUZZ = sorted((REPO / "tests" / "data" / "drbd-fuzz").glob("*/drbd.conf"))


def _whole(path: Path) -> str:
    outcome = parse_one(str(path), None)
    model = outcome.result.model if outcome.result else None
    verdicts = [v.to_json() for v in model.drbdadm] if model is not None else None
    return json.dumps([outcome_json(outcome, redact=False), verdicts], sort_keys=True)


def _both(monkeypatch, path: Path) -> tuple[str, str, int]:
    """(result without a child, result with one, children forked)."""
    monkeypatch.setattr(ahead, "MIN_BYTES", 1 << 60)
    alone = _whole(path)
    forks = []
    real = ahead.Ahead.__init__

    def counted(self, *args):
        forks.append(1)
        real(self, *args)

    monkeypatch.setattr(ahead, "MIN_BYTES", 0)
    monkeypatch.setattr(ahead.forked, "cpus", lambda: 2)
    monkeypatch.setattr(ahead.Ahead, "__init__", counted)
    return alone, _whole(path), len(forks)


def _corpus_entries(tmp_path) -> list[Path]:
    return [entry_of(row, tmp_path) for row in oracle_rows()]


def test_the_same_verdicts_and_model_on_every_known_file(monkeypatch, tmp_path, corpus):
    paths = _corpus_entries(tmp_path) + list(SAMPLE_CONFS) + FUZZ
    assert len(paths) > 40
    for path in paths:
        alone, early, forks = _both(monkeypatch, path)
        assert forks == 1, path
        assert early == alone, path


def test_a_large_file_is_judged_in_a_child_by_default(tmp_path, monkeypatch):
    big = tmp_path / "drbd.conf"
    big.write_text(generate_drbd(120))
    assert big.stat().st_size >= ahead.MIN_BYTES
    alone = _whole_without_child(big, monkeypatch)
    started = []

    class Counted(ahead.Ahead):
        def __init__(self, *args):
            started.append(1)
            super().__init__(*args)

    monkeypatch.setattr(ahead.forked, "cpus", lambda: 2)
    monkeypatch.setattr(ahead, "Ahead", Counted)
    assert _whole(big) == alone and started == [1]


def _whole_without_child(path: Path, monkeypatch) -> str:
    with monkeypatch.context() as m:
        m.setattr(ahead, "MIN_BYTES", 1 << 60)
        return _whole(path)


def test_small_files_and_one_cpu_fork_nothing(tmp_path, monkeypatch):
    small = read_source(str(SAMPLE_CONFS[0]))
    assert ahead.start(small, drbd._includer(None)) is None
    big = tmp_path / "drbd.conf"
    big.write_text(generate_drbd(120))
    monkeypatch.setattr(ahead.forked, "cpus", lambda: 1)
    assert ahead.start(read_source(str(big)), drbd._includer(None)) is None


def _host_guess_file(tmp_path) -> Path:
    """drbdadm-83 of this file must run on `alpha` (named most often)."""
    text = generate_drbd(3).replace("voipbackup.drbd", "alpha").replace("voipserver.drbd", "beta", 1)
    path = tmp_path / "drbd.conf"
    path.write_text(text)
    return path


def test_an_8_3_verdict_for_another_node_is_worked_out_again(tmp_path):
    path = _host_guess_file(tmp_path)
    source = read_source(str(path))
    model = parse_one(str(path), None).result.model
    names = [n for r in model.resources for h in r.hosts if h.keyword == "on" for n in h.names]
    right = max(set(names), key=names.count)
    assert right == "alpha"
    guessed = ahead.Ahead(source, drbd._includer(None)).verdicts(right)
    assert set(guessed) == {"8.3", "8.4", "9"}
    assert guessed["8.3"] == model.drbdadm.get("8.3")
    other = ahead.Ahead(source, drbd._includer(None)).verdicts("beta")
    assert set(other) == {"8.4", "9"}  # 8.3 judged for `alpha`: not the one asked for


def _die():
    os.kill(os.getpid(), signal.SIGKILL)


def _fail():
    raise ValueError("emulator bug")


@pytest.mark.parametrize("how", [_die, _fail])
def test_a_child_that_dies_or_fails_leaves_the_work_to_this_process(tmp_path, monkeypatch, how):
    path = _host_guess_file(tmp_path)
    alone = _whole_without_child(path, monkeypatch)
    monkeypatch.setattr(ahead, "MIN_BYTES", 0)
    monkeypatch.setattr(ahead.forked, "cpus", lambda: 2)
    monkeypatch.setattr(ahead, "_judge_all", lambda source, include: how())
    assert ahead.Ahead(read_source(str(path)), drbd._includer(None)).verdicts("alpha") == {}
    pids = []
    real = ahead.forked.Forked.__init__

    def counted(self, func):
        real(self, func)
        pids.append(self._pid)

    monkeypatch.setattr(ahead.forked.Forked, "__init__", counted)
    assert _whole(path) == alone
    assert len(pids) == 1
    with pytest.raises(ChildProcessError):  # reaped
        os.waitpid(pids[0], os.WNOHANG)


def _parse_json(paths, capsys, redact=True) -> str:
    capsys.readouterr()
    render_json(parse_files([str(p) for p in paths], None, json_redact=redact), redact)
    return capsys.readouterr().out


def test_the_json_of_resources_written_while_the_child_works_is_the_json_written_after(tmp_path, monkeypatch,
                                                                                       capsys):
    # halint parse --format json writes a large file's resources while drbdadm's child works
    # (run.parse_files' job): the output is byte for byte the one written after the parse, with
    # secrets shown or not, for several files (spans of included files name their file).
    big = tmp_path / "drbd.conf"
    big.write_text(generate_drbd(40).replace("global {", 'include "more.res";\nglobal {', 1))
    (tmp_path / "more.res").write_text(generate_drbd(2).split("# replicated", 1)[1].replace("r0", "x0").replace("r1", "x1"))
    paths = [big, SAMPLE_CONFS[0], big]
    monkeypatch.setattr(ahead, "MIN_BYTES", 1 << 60)
    alone = {redact: _parse_json(paths, capsys, redact) for redact in (True, False)}
    monkeypatch.setattr(ahead, "MIN_BYTES", 0)
    monkeypatch.setattr(ahead.forked, "cpus", lambda: 2)
    copied = []
    real = jsontext.written_ahead

    def taken(*args):
        found = real(*args)
        if found is not None:  # copied where it stands, never written anew
            found.make = lambda: pytest.fail("the resources were written again")
        copied.append(found)
        return found

    monkeypatch.setattr(jsontext, "written_ahead", taken)
    for redact in (True, False):
        copied.clear()
        assert _parse_json(paths, capsys, redact) == alone[redact]
        assert len(copied) == 3 and all(c is not None for c in copied)
        assert ahead.meanwhile == []
    assert '"x0"' in alone[True] and "bench-secret" in alone[False] and "bench-secret" not in alone[True]


def test_the_job_is_withdrawn_when_a_parse_fails(monkeypatch):
    monkeypatch.setattr(run, "parse_one", lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        parse_files(["x"], None, json_redact=True)
    assert ahead.meanwhile == []


def _lint_text(path: Path, capsys) -> tuple[int, str]:
    from elastix_halint.lint.session import LintOptions, run_lint

    capsys.readouterr()
    code = run_lint(LintOptions(paths=[str(path)], fmt="text"))
    return code, capsys.readouterr().out


def _children(monkeypatch) -> list:
    """Every child forked from now on, as (Forked, function it runs)."""
    made = []
    real = ahead.forked.Forked.__init__

    def counted(self, func):
        real(self, func)
        made.append(self)

    monkeypatch.setattr(ahead.forked.Forked, "__init__", counted)
    return made


def _reaped(children) -> bool:
    for child in children:
        try:
            os.waitpid(child._pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return True


def test_lint_judges_a_large_file_given_alone_before_it_loads_its_rules(tmp_path, monkeypatch, capsys):
    from elastix_halint.lint import registry

    big = tmp_path / "drbd.conf"
    big.write_text(generate_drbd(40).replace("protocol C;", "protocol C;\n  net { max-buffers 10; }", 1))
    monkeypatch.setattr(ahead, "MIN_BYTES", 1 << 60)
    alone = _lint_text(big, capsys)
    monkeypatch.setattr(ahead, "MIN_BYTES", 0)
    monkeypatch.setattr(ahead.forked, "cpus", lambda: 2)
    order = []
    real_load = registry.load_registry
    monkeypatch.setattr(registry, "load_registry", lambda: order.append("rules") or real_load())
    made = _children(monkeypatch)
    real_init = ahead.Ahead.__init__
    monkeypatch.setattr(ahead.Ahead, "__init__", lambda self, *a: order.append("child") or real_init(self, *a))
    assert _lint_text(big, capsys) == alone and alone[0] == 1
    assert order == ["child", "rules"] and len(made) == 1  # the parse took the child started first
    assert _reaped(made) and ahead._started == {}


def test_a_child_started_early_for_another_text_or_name_is_stopped(tmp_path, monkeypatch, capsys):
    big = tmp_path / "drbd.conf"
    big.write_text(generate_drbd(40))
    monkeypatch.setattr(ahead, "MIN_BYTES", 1 << 60)
    alone = _whole(big)
    monkeypatch.setattr(ahead, "MIN_BYTES", 0)
    monkeypatch.setattr(ahead.forked, "cpus", lambda: 2)
    made = _children(monkeypatch)
    # the file changes between the early start and the parse: the parse judges what it reads
    ahead.prestart(str(big), str(big))
    big.write_text(generate_drbd(40).replace("r3 {", "r3 { protocol Z;"))
    changed = _whole(big)
    monkeypatch.setattr(ahead, "MIN_BYTES", 1 << 60)
    assert changed == _whole(big) != alone
    assert len(made) == 2 and _reaped(made)
    # started for another name: the first parse of a drbd.conf stops it
    monkeypatch.setattr(ahead, "MIN_BYTES", 0)
    ahead.prestart(str(big), "other/drbd.conf")
    assert len(ahead._started) == 1
    _whole(big)
    assert len(made) == 4 and _reaped(made) and ahead._started == {}


def test_children_started_early_are_stopped_when_lint_stops_before_any_parse(tmp_path, monkeypatch, capsys):
    from elastix_halint.errors import UsageError
    from elastix_halint.lint import registry

    big = tmp_path / "drbd.conf"
    big.write_text(generate_drbd(40))
    monkeypatch.setattr(ahead, "MIN_BYTES", 0)
    monkeypatch.setattr(ahead.forked, "cpus", lambda: 2)
    made = _children(monkeypatch)

    def refuse():
        raise UsageError("two rules share the ID X")

    monkeypatch.setattr(registry, "load_registry", refuse)
    with pytest.raises(UsageError):
        _lint_text(big, capsys)
    assert len(made) == 1 and _reaped(made) and ahead._started == {}


def test_a_forked_process_leaves_the_early_children_of_its_parent_alone(tmp_path, monkeypatch):
    big = tmp_path / "drbd.conf"
    big.write_text(generate_drbd(40))
    monkeypatch.setattr(ahead, "MIN_BYTES", 0)
    monkeypatch.setattr(ahead.forked, "cpus", lambda: 2)
    made = _children(monkeypatch)
    ahead.prestart(str(big), str(big))
    (child,) = made

    def in_a_worker():
        ahead.stop_unused()  # must not kill its sibling, the parent's child
        return os.getpid()

    worker = ahead.forked.Forked(in_a_worker)
    worker.result()
    assert set(ahead._started) and ahead._started.popitem()[1][1]._child.result()[1].keys() == {"8.3", "8.4", "9"}
    child.stop()
