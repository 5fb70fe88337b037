"""authkeys: the corpus, the HOWTO samples, errors, and secrets kept out of every output."""

from __future__ import annotations

import json
import re

import pytest
from conftest import CORPUS, SAMPLES
from hb_helpers import HB_DATA, by_line, parse_text

from elastix_halint.diagnostics import Severity
from elastix_halint.parsing import authkeys
from elastix_halint.secrets import marker_for

CORPUS_FILES = sorted((CORPUS / "authkeys").glob("*")) if (CORPUS / "authkeys").is_dir() else []
_KEY_LINE = re.compile(r"^\s*(\d+)\s+(\S+)(?:\s+(\S+))?")


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_file_keys_match_the_text(path):
    r = authkeys.load(str(path))
    assert r.ok, r.diagnostics
    expected = [m.groups() for m in map(_KEY_LINE.match, r.source.text.splitlines()) if m]
    got = [(str(k.index), k.method, k.secret) for k in r.model.keys]
    assert got == expected
    # The secret never reaches the JSON model or the summary.
    shown = json.dumps(r.model.to_json()) + "\n".join(r.model.summary())
    for k in r.model.keys:
        if k.secret:
            assert k.secret not in shown


def _corpus(name: str):
    path = CORPUS / "authkeys" / name
    if not path.exists():
        pytest.skip(f"{name} not in the corpus")
    return authkeys.load(str(path)).model


def test_auth_with_trailing_blank_and_mixed_methods():
    m = _corpus("005-asterisk-auth2-mixed")
    assert m.auth.index == 2
    assert [(k.index, k.method, k.secret is None) for k in m.keys] == [(3, "md5", False), (2, "crc", True)]
    assert m.selected.method == "crc"


def test_all_commented_file_has_no_auth():
    m = _corpus("009-heartbeat-doc-sample")
    assert m.auth is None and m.keys == () and m.selected is None
    assert any(c.text.startswith("2 sha1") for c in m.comments)


def test_howto_sample_and_ocr_sample():
    good = authkeys.load(str(SAMPLES / "elastix-2.3/voipserver.drbd/etc/ha.d/authkeys"))
    assert good.ok and good.diagnostics == ()
    assert (good.model.selected.index, good.model.selected.method) == (1, "sha1")
    assert good.model.selected.secret == "MySecret"
    ocr = authkeys.load(str(SAMPLES / "howto-ocr/voipserver.drbd/etc/ha.d/authkeys"))
    (d,) = ocr.diagnostics
    assert (d.span.line, d.span.column, d.suggestion, d.severity) == (2, 3, "sha1", Severity.ERROR)
    assert "MySecret" not in d.message


def test_every_bad_line_reported_without_quoting_secrets():
    r = authkeys.load(str(HB_DATA / "authkeys-errors"))
    diags = by_line(r)
    assert sorted(diags) == [3, 4, 5, 6, 7]
    assert diags[3][0].suggestion == "sha1"
    assert diags[4][0].suggestion == "auth" and diags[4][0].code == "PARSE001"
    assert "16" in diags[5][0].message
    assert diags[6][0].severity == Severity.WARNING  # words after the key are ignored
    assert diags[7][0].code == "PARSE001"  # "3" alone: no method
    for d in r.diagnostics:
        assert "s3cr3t" not in d.message and "s3cr3t" not in (d.hint or "")
    assert [k.index for k in r.model.keys] == [1, 16, 2]


def test_selected_key_must_follow_auth():
    before = parse_text(authkeys, "1 sha1 abcdefgh\nauth 1\n").model
    assert before.auth.index == 1 and before.key(1) is not None and before.selected is None
    twice = parse_text(authkeys, "auth 1\nauth 2\n1 md5 abcdefgh\n").model
    assert [a.index for a in twice.auth_directives] == [1, 2] and twice.auth.index == 1


def test_marker_secret_kept_as_is():
    marker = marker_for("MySecret")
    m = parse_text(authkeys, f"auth 1\n1 sha1 {marker}\n").model
    assert m.selected.secret == marker and m.selected.secret_is_marker
    assert m.to_json()["keys"][0]["secret"] != marker
    assert m.to_json(redact=False)["keys"][0]["secret"] == marker


def test_key_with_hash_is_not_a_comment():
    # auth.c only treats '#' at the start of a line as a comment; sscanf %s keeps it in the key.
    m = parse_text(authkeys, "auth 1\n1 sha1 abc#def\n").model
    assert m.selected.secret == "abc#def" and m.comments == ()


def test_sniff():
    assert authkeys.sniff("auth 1\n1 sha1 x\n")
    assert not authkeys.sniff("keepalive 2\n")


def test_key_in_place_of_the_method_is_not_shown():
    r = parse_text(authkeys, "auth 1\n1 Xq7-long-secret\n")
    (d,) = r.diagnostics
    assert "Xq7" not in d.message and d.span.column == 3
    assert "Xq7" not in json.dumps(r.model.to_json()) + "\n".join(r.model.summary())
    assert r.model.to_json(redact=False)["keys"][0]["method"] == "Xq7-long-secret"
