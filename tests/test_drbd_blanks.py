"""Blanks as drbdadm's scanner knows them: space, tab, CR and newline. A no-break space pasted
from a web page, a form feed, a Unicode space or a byte-order mark is a parse error on its line
for drbdadm, so for halint too; CRLF line ends and tabs are fine for both."""

from __future__ import annotations

import pytest

from drbd_helpers import DRBDADM9, DRBDADM84, HAVE_DRBDADM, dump_xml
from elastix_halint.parsing.drbd import load

BODY = (
    "resource r0 {{\n"
    "{indent}on alpha {{ device /dev/drbd0; disk /dev/sda1; address 10.0.0.1:7788; meta-disk internal; }}\n"
    "  on beta {{ device /dev/drbd0; disk /dev/sda1; address 10.0.0.2:7788; meta-disk internal; }}\n"
    "}}\n"
)
ODD = {
    "no-break space": "\u00a0\u00a0",
    "form feed": "\f",
    "vertical tab": "\v",
    "em space": "\u2003",
    "ideographic space": "\u3000",
    "zero-width space": "\u200b",
    "control character": "\x01",
    "next line": "\x85",
}


def _errors(path):
    return [(d.span.line, d.message) for d in load(str(path)).diagnostics if d.severity >= 3]


@pytest.mark.parametrize("blank", list(ODD.values()), ids=list(ODD))
def test_unicode_and_control_blanks_are_errors_on_their_line(tmp_path, blank):
    conf = tmp_path / "drbd.conf"
    conf.write_text(BODY.format(indent=blank + " "), encoding="utf-8")
    errors = _errors(conf)
    assert errors and errors[0][0] == 2, errors
    assert f"U+{ord(blank[0]):04X}" in errors[0][1]
    if HAVE_DRBDADM:
        for tool in (DRBDADM84, DRBDADM9):
            ref = dump_xml(tool, conf)
            assert ref.returncode != 0 and f"drbd.conf:2:" in ref.stderr, ref.stderr


def test_byte_order_mark_is_an_error_on_line_one(tmp_path):
    conf = tmp_path / "drbd.conf"
    conf.write_bytes(b"\xef\xbb\xbf" + BODY.format(indent="  ").encode())
    errors = _errors(conf)
    assert errors and errors[0][0] == 1 and "byte-order mark" in errors[0][1]
    if HAVE_DRBDADM:
        assert dump_xml(DRBDADM84, conf).returncode != 0


@pytest.mark.parametrize("blank", ["\t", "  ", "\t \t"], ids=["tab", "spaces", "mixed"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_ascii_blanks_and_crlf_are_fine(tmp_path, blank, newline):
    conf = tmp_path / "drbd.conf"
    conf.write_bytes(BODY.format(indent=blank).replace("\n", newline).encode())
    assert _errors(conf) == []
    if HAVE_DRBDADM:
        assert dump_xml(DRBDADM84, conf).returncode == 0


def test_unicode_blanks_inside_comments_and_strings_are_text(tmp_path):
    conf = tmp_path / "drbd.conf"
    text = BODY.format(indent="  ").replace("resource r0 {", "resource r0 {  # caf\u00e9\u00a0au\u00a0lait")
    conf.write_text(text.replace("on beta {", 'on beta { # \u3000\n') , encoding="utf-8")
    assert _errors(conf) == []
    if HAVE_DRBDADM:
        assert dump_xml(DRBDADM84, conf).returncode == 0
