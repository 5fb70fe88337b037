"""/etc/hosts: the HOWTO samples (peer name on the loopback line), OCR damage, lookups."""

from __future__ import annotations

import pytest
from conftest import SAMPLES
from hb_helpers import by_line, parse_text

from elastix_halint.diagnostics import Severity
from elastix_halint.parsing import hosts


@pytest.mark.parametrize("node", ["voipserver.drbd", "voipbackup.drbd"])
def test_howto_hosts_maps_the_backup_to_loopback_too(node):
    r = hosts.load(str(SAMPLES / "elastix-2.3" / node / "etc/hosts"))
    m = r.model
    assert r.diagnostics == ()
    assert m.lookup("voipserver.drbd") == ("192.168.1.243",)
    # The HOWTO's line "127.0.0.1 localhost voipbackup.drbd ...": a true finding for NODE100.
    assert m.lookup("voipbackup.drbd") == ("192.168.1.242", "127.0.0.1")
    assert [e.is_loopback for e in m.entries_for("voipbackup.drbd")] == [False, True]
    assert m.names_for("::1") == ("localhost6.localdomain6", "localhost6")
    assert [e.family for e in m.entries] == [4, 4, 4, 6]


def test_howto_ocr_line():
    r = hosts.load(str(SAMPLES / "howto-ocr/voipserver.drbd/etc/hosts"))
    diags = by_line(r)
    assert list(diags) == [6]
    address, name = diags[6]
    assert (address.severity, address.suggestion, address.span.column) == (Severity.ERROR, "::1", 1)
    assert (name.severity, name.suggestion) == (Severity.WARNING, "localhost6.localdomain6")
    assert len(r.model.entries) == 3  # the unreadable line is not an entry, as for glibc


def test_lookup_is_case_insensitive_and_in_file_order():
    m = parse_text(hosts, "10.0.0.2 Peer peer-alias # second\n10.0.0.9 peer\n10.0.0.2 peer\n").model
    assert m.lookup("PEER") == ("10.0.0.2", "10.0.0.9")
    assert m.lookup("nobody") == ()
    assert m.names_for("10.0.0.2") == ("Peer", "peer-alias", "peer")
    assert m.comments[0].text == "second"


def test_bad_addresses_and_suggestions():
    r = parse_text(hosts, "192.168.l.243 a\n127.0.0.l localhost\nfe80::1%eth0 link\n1.2.3.4\n")
    diags = by_line(r)
    assert diags[1][0].suggestion == "192.168.1.243"
    assert diags[2][0].suggestion == "127.0.0.1"
    assert 3 not in diags  # scoped IPv6 is fine
    assert diags[4][0].severity == Severity.WARNING  # address without a name
    assert [e.address for e in r.model.entries] == ["fe80::1%eth0", "1.2.3.4"]


def test_sniff():
    assert hosts.sniff("127.0.0.1 localhost\n::1 localhost6\n")
    assert not hosts.sniff("keepalive 2\nnode a\n")
