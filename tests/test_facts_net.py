"""ip -o addr show (old iproute with link lines, iproute2 5.x) and uname -n."""

from __future__ import annotations

from elastix_halint.parsing.facts import ipaddr, uname
from facts_helpers import SAMPLES_DIR, errors, load_data, parse_text


def test_old_iproute_with_link_lines_and_floating_alias():
    r = ipaddr.load(str(SAMPLES_DIR / "voipserver.drbd/facts/ip-addr"))
    assert r.ok and r.model.interfaces == ("lo", "eth0", "eth1")
    floating = r.model.by_address()["192.168.1.245"]
    assert floating.secondary and floating.label == "eth0:0" and floating.ifname == "eth0"
    assert floating.prefix == 24 and floating.broadcast == "192.168.1.255" and floating.span.line == 6


def test_iproute2_5_flags_lifetimes_and_peer_addresses():
    r = load_data(ipaddr, "ip-addr-iproute2-5.txt")
    a = r.model.by_address()
    assert r.ok and not r.diagnostics
    assert a["10.1.1.1"].scope == "global" and a["10.1.1.1"].label == "ens224"
    assert a["192.168.1.245"].label == "ens192:0"
    assert a["::1"].family == "inet6" and a["::1"].label is None
    assert a["172.17.0.1"].ifname == "veth1" and a["172.17.0.1"].prefix == 32


def test_bad_address_and_garbage_lines():
    r = parse_text(ipaddr, "2: eth0    inet 300.1.1.1/24 scope global eth0\nhello\n2: eth0    inet6 10.0.0.1/8 scope global\n")
    assert [d.span.line for d in errors(r)] == [1, 2, 3] and r.model.addresses == ()


def test_uname_and_hostname_forms():
    assert parse_text(uname, "voipserver.drbd\n").model.nodename == "voipserver.drbd"
    r = parse_text(uname, "# set by anaconda\n\nvoipbackup.drbd\n")
    assert r.model.nodename == "voipbackup.drbd" and r.model.span.line == 3


def test_uname_empty_two_names_and_invalid_name():
    assert parse_text(uname, "\n").model is None
    two = parse_text(uname, "a\nb\n")
    assert two.model.nodename == "a" and [d.span.line for d in two.diagnostics] == [2]
    bad = parse_text(uname, "-bad_\n")
    assert bad.model.nodename == "-bad_" and not errors(bad) and bad.diagnostics
