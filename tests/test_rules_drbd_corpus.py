"""The DRBD1xx rules on every drbd.conf of the corpus (real files written by others): no rule
crashes, loose or as a node with Heartbeat files and each DRBD module version, and where
drbdadm names a missing keyword (ORACLE.tsv) the linter reports it on the same line."""

from __future__ import annotations

import csv

import pytest
from conftest import CORPUS
from rules_drbd_helpers import PROC_DRBD, crashes, lint, make_node

DRBD_CORPUS = CORPUS / "drbd"
ENTRIES = sorted(DRBD_CORPUS.iterdir()) if DRBD_CORPUS.is_dir() else []


def entry_files(entry):
    """What `halint lint --files` gets for a corpus entry: the file, the folder's drbd.conf, or
    every file of a bare drbd.d/ set."""
    if entry.is_file():
        return [entry]
    if (entry / "drbd.conf").is_file():
        return [entry / "drbd.conf"]
    return sorted(p for p in entry.rglob("*") if p.is_file())


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_no_rule_crashes_on_a_loose_corpus_file(entry):
    for path in entry_files(entry):
        run = lint([path])
        assert crashes(run) == [], path


@pytest.mark.parametrize("version", sorted(PROC_DRBD))
@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.is_file() or (e / "drbd.conf").is_file()],
                         ids=lambda e: e.name)
def test_no_rule_crashes_on_a_corpus_node(entry, version, tmp_path):
    node = make_node(tmp_path / "node1", entry, proc=PROC_DRBD[version])
    run = lint([node])
    assert crashes(run) == []
    assert not any(p.message.count("`") % 2 for p in run.problems if p.rule_id.startswith("DRBD1")), \
        "a message with an unbalanced backquote"


def _oracle_rows() -> list[dict]:
    """ORACLE.tsv: what drbdadm-84 and drbdadm 9 said of each corpus entry."""
    oracle = CORPUS / "ORACLE.tsv"
    if not oracle.is_file():
        return []
    with open(oracle, newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _missing_keyword_rows():
    found = []
    for row in _oracle_rows():
        for col in ("drbdadm84", "drbd9"):
            msg = row[f"{col}_message"]
            if "keyword missing" in msg and row["file"].startswith("drbd/"):
                where = row[f"{col}_error_at"]
                found.append((row["file"], col, where))
    return found


@pytest.mark.parametrize("file,parser,where", _missing_keyword_rows())
def test_missing_keyword_found_where_drbdadm_reports_it(file, parser, where):
    """drbdadm's "'X' keyword missing" errors are DRBD104 findings on the same line (when the
    file is written in the syntax of the drbdadm that complained)."""
    path = CORPUS / file
    run = lint([path])
    version = next(iter(r.model.version for n in run_nodes(path) for r in n.results("drbd")), None)
    if (parser == "drbd9") != (version == "9"):
        pytest.skip(f"{file} is DRBD {version} syntax; {parser} judges another version")
    line = int(where.rsplit(":", 1)[1])
    hits = [p for p in run.problems if p.rule_id == "DRBD104"]
    assert any(p.span.line == line and p.path.endswith(where.rsplit(":", 1)[0]) for p in hits), \
        [(p.path, p.span.line, p.message) for p in hits]


def run_nodes(path):
    from elastix_halint.loader import load_paths

    return load_paths([str(path)]).nodes


def _rejected_by_84_rows():
    return [(r["file"], r["drbdadm84_error_at"]) for r in _oracle_rows()
            if r["drbdadm84"] == "error" and "Parse error" in r["drbdadm84_message"] and r["drbd9"] == "ok"]


@pytest.mark.parametrize("file,where", _rejected_by_84_rows())
def test_drbd9_file_on_an_84_node_flagged_where_drbdadm_84_stops(file, where, tmp_path):
    """A file drbdadm 9 accepts and drbdadm-84 rejects, on a node running DRBD 8.4: DRBD129
    points at the statement where drbdadm-84 stopped."""
    node = make_node(tmp_path / "node1", CORPUS / file, haresources=None, proc=PROC_DRBD["8.4"])
    run = lint([node], select=["DRBD129"])
    rel, line = where.rsplit(":", 1)
    name = "drbd.conf" if (CORPUS / file).is_file() else rel.rsplit("/", 1)[-1]  # a loose file is the node's drbd.conf
    hits = [p for p in run.problems if p.rule_id == "DRBD129"]
    assert [(p.path.rsplit("/", 1)[-1], p.span.line) for p in hits] == [(name, int(line))]
