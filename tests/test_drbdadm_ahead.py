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
