"""haresources: Heartbeat's own ResourceManager is the oracle (recorded TSV and, when sed and
awk are here, the ``ipres`` pipeline itself run on generated files)."""

from __future__ import annotations

import csv
import shutil
import subprocess

import pytest
from conftest import CORPUS, SAMPLES
from hb_helpers import parse_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elastix_halint.model.haresources import (
    BACKSLASH_EOF, BACKSLASH_SPACE, COMMENT_IN_CONTINUATION, STRAY_BACKSLASH, split_resource,
)
from elastix_halint.parsing import haresources

ORACLE = CORPUS / "HARESOURCES_ORACLE.tsv"


def _oracle_rows():
    if not ORACLE.exists():
        return []
    with open(ORACLE, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _listkeys(cell: str) -> dict[str, list[str]]:
    """``node=[a b] other=[c]`` → {node: [a, b], other: [c]}."""
    out = {}
    for part in cell.split("]"):
        part = part.strip()
        if part:
            node, _, keys = part.partition("=[")
            out[node.strip()] = keys.split()
    return out


@pytest.mark.parametrize("row", _oracle_rows(), ids=lambda r: r["file"])
def test_listkeys_match_resourcemanager(row):
    r = haresources.load(str(CORPUS / row["file"]))
    m = r.model
    nodes = row["nodes"].split()
    assert sorted({g.node_key for g in m.groups}) == sorted(nodes)
    for node, keys in _listkeys(row["listkeys_per_node"]).items():
        assert m.listkeys(node) == keys


# The ipres() pipeline of heartbeat/lib/ResourceManager.in, without the final egrep.
_SED = ["sed", "-e", "s%#.*%%", "-e", ":a", "-e", "/\\\\$/N; s/\\\\\\n//; ta", "-e", "s%$% %",
        "-e", "s%[\t ][\t ]*% %g", "-e", "/^[\t ]*$/ d", "-e", "s%^ %%"]
_AWK = ["awk", '/.*/ {$1 = tolower($1); print $0, ""}']
HAVE_TOOLS = bool(shutil.which("sed") and shutil.which("awk"))


def _ipres(text: str) -> list[list[str]]:
    env = {"LC_ALL": "C", "PATH": "/usr/bin:/bin"}
    sed = subprocess.run(_SED, input=text.encode(), capture_output=True, env=env, check=True)
    awk = subprocess.run(_AWK, input=sed.stdout, capture_output=True, env=env, check=True)
    return [line.split() for line in awk.stdout.decode().splitlines() if line.strip()]


def _ours(text: str) -> list[list[str]]:
    m = parse_text(haresources, text).model
    return [[g.node_key] + [r.text for r in g.resources] for g in m.groups]


_TRAPS = [
    "n1 a \\\n b\n",  # plain continuation
    "n1 a\\\nb\n",  # no blank: the words join
    "n1 a \\  \n b\n",  # backslash then blanks: two groups
    "n1 a \\\n b # c \\\n d\n",  # a comment on a continued line is not stripped
    "n1 a # c \\\n n2 b\n",  # the comment eats the backslash: two groups
    "n1 a \\",  # continuation at end of file
    "N1 IPaddr::1.2.3.4 \\\n\n n2 b\n",  # an empty continued line
]


@pytest.mark.skipif(not HAVE_TOOLS, reason="needs sed and awk")
@pytest.mark.parametrize("text", _TRAPS)
def test_continuation_traps_match_sed(text):
    assert _ours(text) == _ipres(text)


@pytest.mark.skipif(not HAVE_TOOLS, reason="needs sed and awk")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="ab:1. \t\\#\n", max_size=60))
def test_random_files_split_like_sed(text):
    assert _ours(text) == _ipres(text)


def test_notes_for_the_linter():
    m = parse_text(haresources, "n1 a \\  \n b\nn2 x \\ y \\\n c # z \\\n d\nn3 e \\").model
    kinds = [(n.kind, n.span.line) for n in m.notes]
    assert (BACKSLASH_SPACE, 1) in kinds
    assert (STRAY_BACKSLASH, 3) in kinds
    assert (COMMENT_IN_CONTINUATION, 4) in kinds
    assert (BACKSLASH_EOF, 6) in kinds


def test_continuation_group_spans_and_count():
    path = CORPUS / "haresources" / "019-elastix-continuation"
    if not path.exists():
        pytest.skip("corpus file missing")
    m = haresources.load(str(path)).model
    first, second = m.groups
    assert first.continued_lines == 6 and second.continued_lines == 0
    assert (first.span.line, first.span.end_line) == (1, 7)
    assert first.resources[0].text == "drbddisk::r0" and first.resources[0].span.line == 2
    assert [r.agent for r in first.resources[:5]] == ["drbddisk", "Filesystem", "IPaddr", "IPaddr", "IPaddr"]
    assert second.resources[0].args == ("informatica@astican.es,informatica@astican.es", "DRBD/HA-ALERT")


@pytest.mark.parametrize(
    "word,agent,args,implicit",
    [
        ("192.168.1.245/24/eth0", "IPaddr", ("192.168.1.245/24/eth0",), True),
        ("10.24.21.121", "IPaddr", ("10.24.21.121",), True),
        ("Filesystem::/dev/drbd0::/replica::ext3", "Filesystem", ("/dev/drbd0", "/replica", "ext3"), False),
        ("IPaddr::1.2.3.4/24/eth0:1", "IPaddr", ("1.2.3.4/24/eth0:1",), False),
        ("mysqld", "mysqld", (), False),
        ("Delay::::5", "Delay", ("5",), False),  # empty arguments vanish (resource2arg)
        ("1::2.3.4.5", "1", ("2.3.4.5",), False),  # a bare address only when the script is IPaddr
    ],
)
def test_resource_split(word, agent, args, implicit):
    assert split_resource(word) == (agent, args, implicit)


def test_howto_samples():
    good = haresources.load(str(SAMPLES / "elastix-2.3/voipserver.drbd/etc/ha.d/haresources"))
    assert good.diagnostics == ()
    (g,) = good.model.groups
    assert g.node == "voipserver.drbd"
    assert [r.agent for r in g.resources] == ["drbddisk", "Filesystem", "IPaddr", "mysqld", "asterisk", "httpd"]
    assert g.resources[2].args == ("192.168.1.245/24/eth0/192.168.1.255",)
    ocr = haresources.load(str(SAMPLES / "howto-ocr/voipserver.drbd/etc/ha.d/haresources"))
    (d,) = ocr.diagnostics  # drbddisk::rO is a name: only drbd.conf can say it is wrong
    assert (d.span.line, d.suggestion) == (1, "/dev/drbd0")
    assert ocr.source.line(1)[d.span.column - 1 : d.span.end_column - 1] == "/dev/drbdO0"


def test_ipaddr_values():
    text = "n IPaddr::192.168.l.5/24/eth0 IPaddr2::10.0.0.1/40 IPaddr::1.2.3.4/24/eth0/1.2.3.x x\n"
    r = parse_text(haresources, text)
    found = [(text[d.span.column - 1 : d.span.end_column - 1], d.suggestion) for d in r.diagnostics]
    assert found == [("192.168.l.5", "192.168.1.5"), ("40", None), ("1.2.3.x", None)]


def test_empty_file_and_group_without_resources(tmp_path):
    empty = tmp_path / "haresources"
    empty.write_bytes(b"")
    r = haresources.load(str(empty))
    assert r.ok and r.model.groups == ()
    lone = parse_text(haresources, "node1\n")
    assert lone.model.groups[0].resources == () and lone.diagnostics[0].severity.name == "WARNING"


def test_groups_for_is_case_insensitive():
    m = parse_text(haresources, "Node1 a\nnode2 b\nNODE1 c\n").model
    assert [g.key.text for g in m.groups_for("node1")] == ["a", "c"]


def test_windows_line_ends_warned_once():
    r = parse_text(haresources, "n1 a \\\r\n b\r\nn2 c\r\n")
    crlf = [d for d in r.diagnostics if "CR LF" in d.message]
    assert [d.span.line for d in crlf] == [1]
    # As for ResourceManager, "\\<CR>" does not continue the line: three groups.
    assert [g.node for g in r.model.groups] == ["n1", "b", "n2"]


def test_arguments_read_as_the_wrappers_read_them():
    text = ("n IPaddr::10.0.30.15//8/eth0:10 IPaddr::10.0.30.16/24/10.0.30.255 IPv6addr::2001:db8::5/64/eth0 "
            "drbddisk::r0::start Filesystem::/dev/drbd0::/replica::ext3::defaults::x drbddisk::r1\n")
    r = parse_text(haresources, text)
    ipa, ipb, _v6, _dd, _fs, dd1 = r.model.resources
    assert ipa.ip_fields == ("10.0.30.15", 8, "eth0:10", None)
    assert ipb.ip_fields == ("10.0.30.16", 24, None, "10.0.30.255")
    # The doubled slash is no error; the IPv6 address cut at "::", the command taken from the
    # arguments and the fifth Filesystem argument are, each on its own word.
    found = [(text[d.span.column - 1:d.span.end_column - 1], "usage" in d.message, "action" in d.message)
             for d in r.diagnostics]
    assert found == [("IPv6addr::2001:db8::5/64/eth0", True, False), ("drbddisk::r0::start", False, True),
                     ("Filesystem::/dev/drbd0::/replica::ext3::defaults::x", False, True)]
    assert [name for _i, name, _r in r.model.groups[0].drbddisk_names] == ["*", "r1"]
    assert dd1.drbd_resource == "r1"
