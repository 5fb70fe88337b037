"""ha.cf: the corpus, the HOWTO samples, value errors and the typed views."""

from __future__ import annotations

import pytest
from conftest import CORPUS, SAMPLES
from hb_helpers import HB_DATA, by_line, parse_text

from elastix_halint.diagnostics import Severity
from elastix_halint.model.hacf import parse_bool, parse_time_ms
from elastix_halint.parsing import hacf

CORPUS_FILES = sorted((CORPUS / "hacf").glob("*")) if (CORPUS / "hacf").is_dir() else []


def _first_words(text: str) -> list[str]:
    """Directive names the simplest possible way: first word of each line, comments cut."""
    words = []
    for line in text.splitlines():
        body = line.split("#", 1)[0].split()
        if body:
            words.append(body[0])
    return words


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_file_keeps_every_directive_in_order(path):
    r = hacf.load(str(path))
    assert r.model is not None
    text = r.source.text
    assert [d.name for d in r.model.directives] == _first_words(text)
    assert all(d.known for d in r.model.directives), [d.name for d in r.model.unknown]
    # Every argument's span quotes its own text.
    lines = text.splitlines()
    for d in r.model.directives:
        for a in d.args:
            assert lines[a.span.line - 1][a.span.column - 1 : a.span.end_column - 1] == a.text


def _corpus(name: str):
    path = CORPUS / "hacf" / name
    if not path.exists():
        pytest.skip(f"{name} not in the corpus")
    return hacf.load(str(path))


def test_ms_timings_are_milliseconds():
    t = _corpus("019-ivpusic-ms-timings.cf").model.times
    assert (t.keepalive.ms, t.warntime.ms, t.deadtime.ms, t.initdead.ms) == (10, 100, 200, 10000)
    assert t.deadping is None


def test_node_line_with_two_names_and_ping_group():
    m = _corpus("017-chenzhiwei-dopd-pinggroup.cf").model
    assert m.nodes == ("host41", "host42")
    assert m.udpport == 6942
    assert [(g.name, [a.text for a in g.addresses]) for g in m.ping_group] == [("group1", ["172.16.12.1"])]
    assert [(x.kind, x.interface, x.peer, x.port) for x in m.media] == [("ucast", "eth1", "172.16.12.42", 6942)]
    assert [r.command.rsplit("/", 1)[-1] for r in m.respawn] == ["ipfail", "dopd"]
    assert [(a.client, a.gids, a.uids) for a in m.apiauth] == [("dopd", ("haclient",), ("hacluster",))]
    assert m.use_logd is True


def test_crm_yes_and_crm_off():
    v2 = _corpus("001-7layer-crm-v2.cf").model
    assert v2.pacemaker is True and v2.nodes == () and v2.debug == 1 and v2.logfacility == "daemon"
    assert _corpus("015-freebsd-crm-off.cf").model.pacemaker is False
    assert _corpus("011-hadoop-ja-pacemaker.cf").model.pacemaker is True


def test_inline_comments_kept_and_not_values():
    m = _corpus("011-hadoop-ja-pacemaker.cf").model
    assert m.last("udpport").words == ("694",)
    assert m.watchdog == "/dev/watchdog"
    assert any(c.span.line == m.last("udpport").span.line for c in m.comments)


def test_deadping_and_respawn_user():
    m = _corpus("025-andrewbx-drbd07.cf").model
    assert m.times.deadping.ms == 60000
    assert m.respawn[0].user == "cluster"
    assert m.ping[0].text == "172.16.1.254"


def test_auto_failback_yes_is_a_boolean():
    m = _corpus("005-virtu-linux-placeholders.cf").model
    assert m.auto_failback is True


# -- HOWTO samples -------------------------------------------------------------------------

@pytest.mark.parametrize("node", ["voipserver.drbd", "voipbackup.drbd"])
def test_howto_sample_values(node):
    r = hacf.load(str(SAMPLES / "elastix-2.3" / node / "etc/ha.d/ha.cf"))
    m = r.model
    assert r.diagnostics == ()
    assert m.nodes == ("voipserver.drbd", "voipbackup.drbd")
    t = m.times
    assert (t.keepalive.ms, t.deadtime.ms, t.warntime.ms, t.initdead.ms) == (2000, 30000, 10000, 120000)
    assert [(x.kind, x.interface, x.port) for x in m.media] == [("bcast", "eth1", 694)]
    assert m.auto_failback is True and m.pacemaker is None
    assert (m.logfile, m.debugfile, m.logfacility) == ("/var/log/ha-log", "/var/log/ha-debug", "local0")


def test_howto_ocr_sample_errors():
    r = hacf.load(str(SAMPLES / "howto-ocr" / "voipserver.drbd" / "etc/ha.d/ha.cf"))
    diags = by_line(r)
    assert list(diags) == [3], r.diagnostics  # only localO: 'ethl' is for the linter (interface facts)
    (d,) = diags[3]
    assert d.severity == Severity.ERROR and d.suggestion == "local0"
    assert (d.span.column, d.span.end_column) == (14, 20)
    assert [x.interface for x in r.model.media] == ["ethl"]


# -- errors ----------------------------------------------------------------------------------

def test_every_bad_line_reported_with_suggestion():
    r = hacf.load(str(HB_DATA / "hacf-errors.cf"))
    diags = by_line(r)
    assert sorted(diags) == [2, 3, 4, 5, 6, 7, 8, 9, 11]
    assert diags[3][0].suggestion == "30"
    assert diags[4][0].suggestion == "local0"
    assert diags[9][0].suggestion == "bz2"
    assert "70000" in diags[6][0].message
    assert diags[11][0].severity == Severity.WARNING
    unknown = r.model.unknown
    assert [(d.name, d.suggestion, d.span.line) for d in unknown] == [("Node", "node", 10)]
    assert r.model.nodes == ("alpha", "beta")  # the unknown 'Node' line does not count
    assert r.model.times.keepalive.ms == 2000  # last value of the last keepalive line


@pytest.mark.parametrize(
    "text,ms",
    [("2", 2000), ("1.5", 1500), ("1500ms", 1500), ("10MS", 10), (".5", 500), ("0", 0), ("2s", None), ("", None), ("1,5", None)],
)
def test_time_syntax(text, ms):
    assert parse_time_ms(text) == ms


@pytest.mark.parametrize("text,value", [("on", True), ("YES", True), ("y", True), ("1", True), ("Off", False), ("n", False), ("0", False), ("maybe", None)])
def test_boolean_syntax(text, value):
    assert parse_bool(text) is value


def test_udpport_applies_only_to_media_after_it():
    m = parse_text(hacf, "bcast eth0\nudpport 700\nucast eth1 10.0.0.2\nmcast eth2 239.1.1.1 695 1 0\n").model
    assert [(x.kind, x.port) for x in m.media] == [("bcast", None), ("ucast", 700), ("mcast", 695)]
    assert m.media[2].ttl == 1 and m.media[2].loop == 0 and m.media[2].group == "239.1.1.1"


def test_auto_failback_legacy_and_absent():
    assert parse_text(hacf, "auto_failback legacy\n").model.auto_failback == "legacy"
    assert parse_text(hacf, "node a\n").model.auto_failback is None
    assert parse_text(hacf, "auto_failback on\nauto_failback off\n").model.auto_failback is False


def test_stonith_parameters_redacted_unless_asked():
    text = "stonith_host * baytech 10.0.0.3 admin Sup3rPassw0rd\n"
    m = parse_text(hacf, text).model
    assert "Sup3rPassw0rd" not in str(m.to_json()) and "Sup3rPassw0rd" not in "\n".join(m.summary())
    assert "Sup3rPassw0rd" in str(m.to_json(redact=False))


def test_sniff_recognises_hacf_and_not_others():
    assert hacf.sniff("keepalive 2\ndeadtime 30\nnode a\n")
    assert not hacf.sniff("auth 1\n1 sha1 x\n")
    assert not hacf.sniff("127.0.0.1 localhost\n")


def test_a_line_of_unicode_spaces_is_not_blank_for_heartbeat():
    """C isspace() does not know U+00A0: Heartbeat reads such a line as an (unknown) directive,
    so it must not be skipped as an empty line; Unicode digits are no numbers either."""
    r = parse_text(hacf, "node alpha\n\u00a0\u2003\nnode beta\nbcast eth1\n")
    assert [d.name for d in r.model.directives] == ["node", "\u00a0\u2003", "node", "bcast"]
    assert parse_time_ms("\u0663") is None and parse_time_ms("3") == 3000
