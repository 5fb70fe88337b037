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


@pytest.mark.parametrize("size", [1, 2, 7, 2048])
def test_the_parts_of_a_scan_are_the_scan(size):
    text = " ".join(PIECES) * 3 + "resource r0 { on a { address 10.0.0.1:7788; } }\n" * 5
    assert scanner._cuts(text) is not None  # (a word over 80 characters is cut per version, in one part)
    for version in VERSIONS:
        parts = list(scanner.scan_parts(text, version, size))
        assert all(0 < len(p) <= size for p in parts) and parts[-1][-1].kind == scanner.EOF
        assert [tok for part in parts for tok in part] == scanner._scan(text, version), version


def test_a_reader_that_stops_early_names_no_more_tokens_than_it_read(monkeypatch, tmp_path):
    # drbdadm 9 stops at the first 8.3 `syncer` block: the rest of a large file is never named.
    from elastix_halint.parsing.drbdadm.emulator import Emulator
    from elastix_halint.source import read_source

    conf = tmp_path / "drbd.conf"
    conf.write_text("resource r0 { syncer { rate 10M; } }\n" + "resource r1 { net { timeout 60; } }\n" * 3000)
    named = []
    real = scanner._named
    monkeypatch.setattr(scanner, "_named", lambda cuts, *rest: named.append(len(cuts)) or real(cuts, *rest))
    verdict = Emulator("9", lambda pattern, including: [], "").run(read_source(str(conf)))
    assert not verdict.ok and verdict.line == 1
    assert named == [2048]  # the first part only, of 15 parts
    named.clear()
    assert not Emulator("8.4", lambda pattern, including: [], "").run(read_source(str(conf))).ok
    assert len(named) == -(-len(scanner._cuts(conf.read_text())) // 2048)  # 8.4 reads it all
