"""chkconfig --list and systemctl list-unit-files: which services start at boot."""

from __future__ import annotations

from elastix_halint.parsing.facts import chkconfig, systemctl
from facts_helpers import SAMPLES_DIR, errors, load_data, parse_text


def test_centos5_chkconfig_runlevels_and_xinetd_section():
    r = load_data(chkconfig, "chkconfig-centos5.txt")
    assert r.ok and not r.diagnostics
    s = r.model.by_name()
    assert s["drbd"].enabled and s["heartbeat"].enabled and not s["asterisk"].enabled
    assert s["mysqld"].enabled and s["mysqld"].on_in(3) and not s["mysqld"].on_in(5)
    assert s["rsync"].xinetd and s["rsync"].enabled and s["rsync"].runlevels == ()
    assert not s["tftp"].enabled and s["tftp"].span.line == 11 and s["tftp"].span.column == 2


def test_centos7_note_preamble_is_skipped():
    r = load_data(chkconfig, "chkconfig-centos7.txt")
    assert not r.diagnostics
    assert [s.name for s in r.model.services] == ["drbd", "heartbeat", "netconsole", "network"]
    assert r.model.services[0].span.line == 10


def test_sample_chkconfig_follows_the_howto():
    r = chkconfig.load(str(SAMPLES_DIR / "voipserver.drbd/facts/chkconfig"))
    s = r.model.by_name()
    assert r.ok and not any(s[n].enabled for n in ("asterisk", "mysqld", "httpd"))
    assert s["drbd"].enabled and s["heartbeat"].enabled


def test_chkconfig_bad_line_and_duplicate():
    r = parse_text(chkconfig, "sshd 0:off 1:off 2:maybe\nsshd 0:off\nsshd 0:on\n")
    assert [d.span.line for d in r.diagnostics] == [1, 3]
    assert [s.name for s in r.model.services] == ["sshd"]


def test_systemctl_without_preset_column():
    r = load_data(systemctl, "systemctl-v219.txt")
    assert r.ok and not r.diagnostics
    s = r.model.by_name()
    assert s["asterisk"].enabled and s["mariadb"].enabled and not s["drbd"].enabled
    assert s["systemd-journald"].state == "static" and not s["systemd-journald"].enabled
    assert s["autovt@"].enabled and len(s) == 10


def test_systemctl_with_vendor_preset_and_footer():
    r = load_data(systemctl, "systemctl-v239.txt")
    assert r.ok and not r.diagnostics
    s = r.model.by_name()
    assert s["drbd"].enabled and not s["asterisk"].enabled and s["httpd"].enabled
    assert s["mysqld"].state == "generated" and not s["mysqld"].enabled
    assert s["pacemaker"].state == "indirect" and len(s) == 7


def test_systemctl_unknown_state_is_a_warning_with_suggestion():
    r = parse_text(systemctl, "UNIT FILE STATE\nasterisk.service enabeld\n\n1 unit files listed.\n")
    assert not errors(r) and r.diagnostics[0].suggestion == "enabled" and r.diagnostics[0].span.line == 2
    assert not r.model.services[0].enabled


def test_systemctl_garbage_line_is_an_error():
    r = parse_text(systemctl, "UNIT FILE STATE\nthis is not a unit line\n")
    assert [d.span.line for d in errors(r)] == [2]


def test_empty_capture_is_an_empty_fact():
    r = parse_text(chkconfig, "")
    assert r.model.services == () and not r.diagnostics
