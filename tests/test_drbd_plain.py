"""The error-free shortcut of the drbd.conf parse (drbd_lark.plain_items) gives exactly the
LALR parser's raw items wherever it gives any, never passes over a syntax error, and is taken
for the error-free files people write: on every corpus entry, sample and fuzz fixture, and on
random token streams."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO
from drbd_helpers import SAMPLE_CONFS, entry_of, oracle_rows
from elastix_halint.parsing import drbd_lark
from elastix_halint.parsing.drbd_lark import parse_tokens, parse_with_recovery, plain_items
from elastix_halint.parsing.drbd_lexer import tokenize
from elastix_halint.parsing.drbd_tree import MAX_DEPTH
from elastix_halint.source import read_source

FUZZ = sorted((REPO / "tests" / "data" / "drbd-fuzz").glob("*/drbd.conf"))


def _tokens(text: str):
    return tokenize(text, "drbd.conf").tokens


def _agrees(tokens) -> bool:
    """Asserts the shortcut's items are the parser's; True when the shortcut gave any."""
    plain = plain_items(tokens)
    items, diagnostics = parse_with_recovery(tokens, "drbd.conf")
    if plain is None:
        return False
    assert not diagnostics, "the shortcut read a file the parser finds errors in"
    assert plain == items
    assert [type(i) for i in plain] == [type(i) for i in items]
    return True


def test_known_files(corpus, tmp_path):
    paths = [entry_of(row, tmp_path) for row in oracle_rows()] + list(SAMPLE_CONFS) + FUZZ
    taken = errors = 0
    for path in paths:
        tokens = _tokens(read_source(str(path), str(path), allow_empty=True).text)
        taken += _agrees(tokens)
        errors += bool(parse_with_recovery(tokens, "drbd.conf")[1])
    assert len(paths) > 60
    # Every file but those with errors, and the two whose statements run over lines, is read
    # by the shortcut (a statement cut over lines is the parser's to judge: a `;` may be lost).
    assert taken >= len(paths) - errors - 2


def test_the_shortcut_is_taken_for_a_clean_file_and_not_for_an_error(monkeypatch):
    clean = "resource r0 {\n  net { protocol C; }\n  on a { device /dev/drbd0; disk \"/dev/sda1\"; }\n}\n"
    assert plain_items(_tokens(clean)) is not None
    calls = []
    monkeypatch.setattr(drbd_lark, "parse_with_recovery", lambda *a: calls.append(a) or ([], []))
    parse_tokens(_tokens(clean), "drbd.conf")
    assert calls == []
    parse_tokens(_tokens("resource r0 {\n  protocol C\n}\n"), "drbd.conf")
    assert len(calls) == 1


def test_each_kind_of_error_goes_to_the_parser():
    for text in ["resource r0 { protocol C }",  # `}` cuts a statement
                 "resource r0 {\n protocol C\n device x;\n}",  # a `;` lost at a line end
                 "protocol C; }",  # `}` with no block open
                 "resource r0 { 1 on a { } }",  # an OCR'd `}`
                 "\"r0\" { }", "; a;", "{ a; }", "resource r0 {", "protocol C",
                 "x {" * (MAX_DEPTH + 1) + "}" * (MAX_DEPTH + 1)]:
        assert plain_items(_tokens(text)) is None, text
        assert not _agrees(_tokens(text))
    deep = "x {" * MAX_DEPTH + "}" * MAX_DEPTH
    assert _agrees(_tokens(deep))


_WORDS = st.sampled_from(["resource", "r0", "on", "net", "protocol", "C", "disk", "device", "1", "l",
                          "address", "10.0.0.1:7788", "syncer", "rate", "skip", "common", "volume", "0"])
_PIECES = st.one_of(_WORDS, st.sampled_from([";", "{", "}", "\"a b\"", "\n", "\n", " ", "# c\n"]))


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=40))
def test_random_token_streams(pieces):
    _agrees(_tokens(" ".join(pieces)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_WORDS, st.lists(_WORDS, max_size=3), st.booleans()), max_size=12))
def test_random_well_formed_files_take_the_shortcut(statements):
    text, depth = "", 0
    for head, values, opens in statements:
        if head in ("1", "l", "skip") or (opens and depth >= MAX_DEPTH - 1):
            continue
        if opens:
            text += f"{head} {' '.join(values)} {{\n"
            depth += 1
        else:
            text += f"{head} {' '.join(values)};\n"
    text += "}\n" * depth
    tokens = _tokens(text)
    if not any(t.text == "skip" for t in tokens):
        assert _agrees(tokens), text
