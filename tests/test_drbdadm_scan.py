"""The emulator's scanner (parsing/drbdadm/scan.py) cuts a text once for all three drbdadm
versions and names the pieces per version; that must give exactly the tokens of the plain
one-version scan, which follows flex's longest-match rules token by token."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elastix_halint.parsing.drbdadm import scan as scanner

VERSIONS = ("8.3", "8.4", "9")
# Pieces that cut differently: keywords (of some versions only), addresses with ports, IPv6,
# module versions, numbers with units, quoted strings with escapes, comments, odd characters.
PIECES = ["resource", "on", "address", "syncer", "rate", "connection-mesh", "require-drbd-module-version-eq",
          "floating", "ipv6", "10.0.0.1", ":7788", "10.0.0.1:7788", "[", "]", "fe80::1", "::ffff:10.0.0.1",
          "fe80::1%eth0", "1.2.3", "1.2.3.4", "1.2.3.4.5", "1.2.3.1234", "::", ":1:2", "a:b", "100M", "123456789", "r0", "/dev/drbd0", "a-b_c.d", "{", "}", ";", ":",
          '"quoted"', '"a\\"b"', '"unterminated', "#comment", " ", "\t", "\n", "\r", "@", "\u00e9", "\\"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_the_shared_cut_names_every_token_as_the_one_version_scan(pieces):
    text = "".join(pieces)
    for version in VERSIONS:
        assert scanner.scan(text, version) == scanner._scan(text, version), (version, text)


@pytest.mark.parametrize("text", [
    "on alpha { address 10.0.0.1:7788; }\n",
    "address ipv6 [fe80::1%eth0]:7789;",
    "require-drbd-module-version-eq 9.0.16;\n",
    "syncer { rate 100M; }",
    "disk" + ":x" * 3,
])
def test_known_tricky_lines(text):
    assert scanner._cuts(text) is not None  # the shared cut, not the fallback
    for version in VERSIONS:
        assert scanner.scan(text, version) == scanner._scan(text, version), version
