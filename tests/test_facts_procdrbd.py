"""/proc/drbd of DRBD 8.0, 8.3, 8.4 and 9: state per minor, flags, counters, resync progress."""

from __future__ import annotations

import pytest

from elastix_halint.noderoot.root import NodeRoot
from elastix_halint.parsing.facts import procdrbd
from facts_helpers import SAMPLES_DIR, errors, lines_of, load_data, parse_text


def test_drbd_80_uses_st_and_four_flags_and_keeps_detail_lines():
    r = load_data(procdrbd, "procdrbd-8.0.txt")
    assert r.ok and not r.diagnostics
    m = r.model.minors[0]
    assert (m.role, m.peer_role, m.disk, m.protocol) == ("Primary", "Secondary", "UpToDate", "C")
    assert m.flags.text == "r---" and m.flags.congested is None and m.flags.al_suspended is None
    assert m.counter("ns") == 1304 and m.counter("oos") is None and m.write_ordering is None
    assert r.model.api == 86 and r.model.proto_min == r.model.proto_max == 86
    assert len(r.model.details) == 2 and r.model.details[0].startswith("resync:")


def test_drbd_83_resync_progress_paused_and_stalled():
    r = load_data(procdrbd, "procdrbd-8.3-sync.txt")
    assert r.ok, [d.one_line() for d in r.diagnostics]
    source, target = r.model.minors
    assert source.cs == "SyncSource" and source.flags.congested and not source.flags.suspended
    assert source.sync.percent == pytest.approx(10.1)
    assert source.sync.remaining == 2010 * 1024 and source.sync.total == 2230 * 1024
    assert source.sync.finish == "0:02:42" and source.sync.speed_kib == 12612 and not source.sync.stalled
    assert source.out_of_sync_kib == 2058240 and source.write_ordering == "f"
    assert target.flags.paused_after and target.flags.paused_peer and not target.flags.paused_user
    assert target.sync.stalled and target.role == "Secondary"
    assert source.sync.span.line == 5 and target.span.line == 7


def test_drbd_84_verify_want_and_unconfigured_minor():
    r = load_data(procdrbd, "procdrbd-8.4.txt")
    assert r.ok
    verify, unconfigured = r.model.minors
    assert r.model.version == "8.4.11-1" and r.model.major == "8.4" and r.model.api == 1
    assert verify.minor == 1 and verify.sync.verify and verify.sync.speed_kib == 76064
    assert unconfigured.unconfigured and unconfigured.role is None and unconfigured.minor == 2


def test_drbd_9_has_version_and_transports_but_no_minors():
    r = load_data(procdrbd, "procdrbd-9.txt")
    assert r.ok and r.model.minors == ()
    assert r.model.major == "9.1" and r.model.proto_max == 121 and r.model.transports.startswith("tcp")


def test_standalone_has_no_protocol_and_srcversion_build():
    r = load_data(procdrbd, "procdrbd-standalone.txt")
    m = r.model.minors[0]
    assert m.protocol is None and m.cs == "StandAlone" and m.peer_disk == "DUnknown"
    assert r.model.build.startswith("srcversion:")


def test_unknown_state_gets_a_suggestion_and_garbage_an_error_on_its_line():
    text = "version: 8.3.13 (api:88/proto:86-96)\n 0: cs:Conected ro:Primray/Secondary ds:UpToDate/UpToDate C r-----\n 1: nonsense\n"
    r = parse_text(procdrbd, text, "proc/drbd")
    suggestions = {d.suggestion for d in r.diagnostics}
    assert {"Connected", "Primary"} <= suggestions
    assert [d.span.line for d in errors(r)] == [3]
    assert r.model.minors[0].cs == "Conected"  # kept as written; rules decide


def test_counters_before_any_minor_and_duplicate_minor_are_errors():
    text = "version: 8.3.13 (api:88/proto:86-96)\n    ns:0 nr:0\n 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n"
    r = parse_text(procdrbd, text)
    assert sorted(lines_of(r)) == [2, 4]


def test_text_without_version_line_is_reported():
    r = parse_text(procdrbd, " 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n")
    assert not r.ok and r.model.version is None


def test_node_root_reads_roles_of_the_sample_nodes():
    roles = {name: NodeRoot(str(SAMPLES_DIR / name)).drbd_roles() for name in ("voipserver.drbd", "voipbackup.drbd")}
    assert roles == {"voipserver.drbd": {0: "Primary"}, "voipbackup.drbd": {0: "Secondary"}}
