"""Every drbd entry of ../shared/corpus parses as ORACLE.tsv says it should: accepted by either
drbdadm → no error; rejected by both for real syntax → an error on drbdadm's line; rejected
only for version differences or newer keywords (tiebreaker, outside-address) → no error."""

from __future__ import annotations

import pytest

from drbd_helpers import entry_of, parse_json, oracle_rows

ROWS = oracle_rows()
pytestmark = pytest.mark.skipif(not ROWS, reason="../shared/corpus is not beside the checkout")

# Rejected by both drbdadm parsers only because of version differences / keywords newer than
# drbd-utils 9.22 (corpus/README.md): valid DRBD 9.
NEWER_SYNTAX = {"drbd/004-linbit-drbd9-example.conf", "drbd/009-linbit-test-node-id-missing.res",
                "drbd/013-linbit-test-tiebreaker.res", "drbd/014-linbit-test-nat-address.res"}


def _rejected(row: dict) -> bool:
    return row["drbdadm84"] != "ok" and row["drbd9"] != "ok" and row["file"] not in NEWER_SYNTAX


@pytest.mark.parametrize("row", [r for r in ROWS if not _rejected(r)], ids=lambda r: r["file"])
def test_valid_entry_parses_without_error(row, tmp_path):
    result = parse_json(entry_of(row, tmp_path))
    errors = [d for d in result["diagnostics"] if d["severity"] == "error"]
    assert errors == [] and result["ok"]
    assert result["model"]["files"][0].endswith(row["entry_point"])


@pytest.mark.parametrize("row", [r for r in ROWS if _rejected(r)], ids=lambda r: r["file"])
def test_broken_entry_gets_error_on_drbdadm_line(row, tmp_path):
    result = parse_json(entry_of(row, tmp_path))
    assert result["ok"] is False
    # Of the two parsers, the one that got further (the later line) names the real fault.
    spots = [row[k] for k in ("drbdadm84_error_at", "drbd9_error_at") if row[k]]
    file, line = max((s.rsplit(":", 1) for s in spots), key=lambda fl: int(fl[1]))
    # A span is [line, column, end_line, end_column], + its file when not the entry's own.
    errors = {((d["span"][4] if len(d["span"]) == 5 else result["path"]).rsplit("/", 1)[-1], d["span"][0])
              for d in result["diagnostics"] if d["severity"] == "error"}
    assert (file.rsplit("/", 1)[-1], int(line)) in errors


def test_resource_counts_match_oracle(tmp_path):
    for row in ROWS:
        counts = {row[k] for k in ("drbdadm84_resources", "drbd9_resources") if row[k].isdigit()}
        if not counts:
            continue
        model = parse_json(entry_of(row, tmp_path / row["file"].replace("/", "_")))["model"]
        assert str(len(model["resources"])) in counts, row["file"]
