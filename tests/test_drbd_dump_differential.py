"""Whole-dump differential: for every corpus entry, sample and tests/data/drbd-dump file, the
drbdadm of the file's syntax (drbdadm-83 in a private namespace for 8.3, drbdadm-84 for 8.4,
drbdadm for 9) and ``halint parse --format json`` describe the same configuration, compared
as whole documents (tests/drbd_dump.py says what and in which forms); when drbdadm rejects
the file, halint reports an error on the line drbdadm names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import REPO
from drbd_dump import differences, halint_document, xml_document
from drbd_helpers import (DRBDADM9, DRBDADM84, HAVE_DRBDADM, HAVE_DRBDADM83, SAMPLE_CONFS, _host_for_83, dump_xml,
                          entry_of, halint_json, oracle_rows, oracle_version, run_oracle)
from elastix_halint.parsing.run import outcome_json, parse_one

pytestmark = [pytest.mark.drbdadm, pytest.mark.skipif(not HAVE_DRBDADM, reason="Debian drbd-utils not installed")]

FIXTURES = sorted((REPO / "tests" / "data" / "drbd-dump").glob("*.conf"))
# Keywords of DRBD 9 releases newer than drbd-utils 9.22 (real DRBD 9 takes them, and so does
# halint; docs/json-drbd.md lists this difference).
NEWER_THAN_ORACLE = ("tiebreaker", "outside-address")
_WHERE = re.compile(r"^(?:.*/)?([^/:\s]+):(\d+): ", re.MULTILINE)


def _model(path: Path) -> dict:
    return json.loads(json.dumps(outcome_json(parse_one(str(path), None), redact=False)))


def _oracle(path: Path, entry: dict):
    """(version whose forms the dump uses, drbdadm's answer)."""
    version = oracle_version(entry.get("model"))
    ref = run_oracle(version, path, entry.get("model"))
    if version == "8.3" and ref.returncode == 1 and "no resources defined!" in ref.stderr:
        # drbdadm-83 dumps nothing without a resource for this host: its verdict is "valid";
        # drbdadm-84 reads 8.3 syntax and dumps the rest.
        return "8.4", dump_xml(DRBDADM84, path)
    if version == "8.4" and ref.returncode < 0:  # 003: drbdadm-84 dump-xml dies on a signal
        return "9", dump_xml(DRBDADM9, path)
    return version, ref


def _error_lines(path: Path, entry: dict) -> set[tuple[str, int]]:
    """(file name, line) of every error halint reports: parse diagnostics and lint findings."""
    from elastix_halint.lint.config import Settings
    from elastix_halint.lint.engine import Engine
    from elastix_halint.lint.registry import load_registry
    from elastix_halint.loader import load_paths

    # JSON spans: [line, column, end_line, end_column] (+ the file when it is not the entry's).
    found = {(Path(d["span"][4] if len(d["span"]) == 5 else entry["path"]).name, d["span"][0])
             for d in entry["diagnostics"] if d["severity"] == "error" and d["span"]}
    run = Engine(load_registry(), Settings()).lint(load_paths([str(path)]))
    found |= {(Path(p.span.file).name, p.span.line) for p in run.problems if p.span and p.severity >= 3}
    return found


def check_against_drbdadm(path: Path) -> None:
    entry = _model(path)
    version, ref = _oracle(path, entry)
    if ref.returncode != 0:
        if any(word in ref.stderr for word in NEWER_THAN_ORACLE):
            assert entry["ok"], entry["diagnostics"]
            return
        where = [(name, int(line)) for name, line in _WHERE.findall(ref.stderr)]
        assert where, ref.stderr
        assert where[0] in _error_lines(path, entry), (ref.stderr, entry["diagnostics"])
        return
    assert entry["ok"], (ref.stdout, entry["diagnostics"])
    node = _host_for_83(entry.get("model"))[0]
    diff = differences(halint_document(entry["model"], version, node), xml_document(ref.stdout, version))
    assert not diff, "\n".join(diff)


CORPUS_ENTRIES = oracle_rows()


@pytest.mark.parametrize("row", CORPUS_ENTRIES, ids=[r["file"] for r in CORPUS_ENTRIES])
def test_corpus_entry_whole_dump(row, tmp_path):
    path = entry_of(row, tmp_path)
    if _model(path)["model"]["version"] == "8.3" and not HAVE_DRBDADM83:
        pytest.skip("drbdadm-83 needs root for its namespace")
    check_against_drbdadm(path)


@pytest.mark.parametrize("conf", FIXTURES, ids=lambda p: p.name)
def test_fixture_whole_dump(conf):
    if "drbd83" in conf.name and not HAVE_DRBDADM83:
        pytest.skip("drbdadm-83 needs root for its namespace")
    check_against_drbdadm(conf)


@pytest.mark.parametrize("conf", SAMPLE_CONFS, ids=lambda p: str(p.relative_to(p.parents[3])))
def test_sample_whole_dump(conf):
    if not HAVE_DRBDADM83:
        pytest.skip("drbdadm-83 needs root for its namespace")
    check_against_drbdadm(conf)


def test_the_cli_json_is_the_compared_json():
    """What is compared above is exactly what ``halint parse --format json`` prints."""
    conf = REPO / "tests" / "data" / "drbd-dump" / "drbd9-connections-paths-floating-stacked.conf"
    assert halint_json(conf, "--show-secrets")["model"] == _model(conf)["model"]
