"""halint's drbd model agrees with drbdadm's own reading (dump-xml) on what matters for a
cluster: resources, host names, devices, minors, disks, meta-disks and addresses."""

from __future__ import annotations

import pytest

from drbd_helpers import (DRBDADM9, DRBDADM84, HAVE_DRBDADM, SAMPLE_CONFS, dump_xml, entry_of,
                          facts_from_model, facts_from_xml, halint_json, oracle_rows, parse_json)

pytestmark = [pytest.mark.drbdadm, pytest.mark.skipif(not HAVE_DRBDADM, reason="Debian drbd-utils not installed")]

ACCEPTED = [r for r in oracle_rows() if "ok" in (r["drbdadm84"], r["drbd9"])]


def _tool_for(row: dict) -> str:
    if row["drbdadm84"] == "ok" and "crash" not in row["drbdadm84_resources"]:
        return DRBDADM84
    # 003: drbdadm-84 dump-xml dies with signal 11 (ORACLE note); the 9 parser reads it fine.
    return DRBDADM9


@pytest.mark.parametrize("row", ACCEPTED, ids=[r["file"] for r in ACCEPTED])
def test_corpus_entry_matches_drbdadm(row, tmp_path):
    entry = entry_of(row, tmp_path)
    ref = dump_xml(_tool_for(row), entry)
    assert ref.returncode == 0, ref.stderr
    expected = facts_from_xml(ref.stdout)
    mine = parse_json(entry)
    assert mine["ok"], mine["diagnostics"]
    assert facts_from_model(mine["model"]) == expected


@pytest.mark.parametrize("conf", [c for c in SAMPLE_CONFS if "howto-ocr" not in str(c)], ids=str)
def test_sample_matches_drbdadm(conf):
    ref = dump_xml(DRBDADM84, conf)
    assert ref.returncode == 0, ref.stderr
    # Through the real CLI: the JSON a user gets is what is compared.
    assert facts_from_model(halint_json(conf)["model"]) == facts_from_xml(ref.stdout)


@pytest.mark.parametrize("conf", [c for c in SAMPLE_CONFS if "howto-ocr" in str(c)], ids=str)
def test_ocr_sample_rejected_by_both(conf):
    """The HOWTO as printed is broken for drbdadm too; halint must say so (exit 2)."""
    assert dump_xml(DRBDADM84, conf).returncode != 0
    assert halint_json(conf)["ok"] is False
