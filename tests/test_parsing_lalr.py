"""parsing/lalr.py runs Lark's tables as Lark runs them: on every grammar, for lines from the
samples, the corpus and random text, the same tree (rule names, tokens with their types and
positions) or the same error (kind, place, what was expected); and the tables written into
the wheel are used only for the grammar text they were made from."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CORPUS, REPO, SAMPLES
from elastix_halint.parsing import lalr, lalr_tables
from elastix_halint.resources import grammar_path

lark = pytest.importorskip("lark")

GRAMMARS = sorted(p.name for p in (REPO / "grammars").glob("*.lark"))


def _text(name: str) -> str:
    with open(grammar_path(name), encoding="utf-8") as fh:
        return fh.read()


def _lark(name: str):
    return lark.Lark(_text(name), parser="lalr", maybe_placeholders=False, propagate_positions=False)


_LARKS = {name: _lark(name) for name in GRAMMARS}
_OURS = {name: lalr.Parser(lalr_tables.extract(_text(name))) for name in GRAMMARS}


def _shape(node):
    if isinstance(node, (lark.Tree, lalr.Tree)):
        return ("tree", str(node.data), [_shape(c) for c in node.children])
    return ("token", str(node.type), str(node), node.start_pos, node.end_pos, node.line, node.column,
            node.end_line, node.end_column)


def _outcome(parse, text: str):
    try:
        return _shape(parse(text))
    except (lark.exceptions.UnexpectedCharacters, lalr.UnexpectedCharacters) as exc:
        return ("chars", exc.pos_in_stream, exc.line, exc.column, sorted(exc.allowed))
    except (lark.exceptions.UnexpectedToken, lalr.UnexpectedToken) as exc:
        return ("token", _shape(exc.token), sorted(exc.expected))


def _same(name: str, text: str) -> None:
    theirs = _outcome(_LARKS[name].parse, text)
    ours = _outcome(_OURS[name].parse_text, text)
    assert ours == theirs, (name, text)


def _lines() -> list[str]:
    files = [p for p in SAMPLES.rglob("*") if p.is_file()] + [p for p in CORPUS.rglob("*") if p.is_file()]
    files += [p for p in (REPO / "tests" / "data").rglob("*") if p.is_file() and p.stat().st_size < 200_000]
    lines: set[str] = set()
    for path in files:
        try:
            lines.update(path.read_text(encoding="utf-8").splitlines())
        except (UnicodeDecodeError, OSError):
            continue
    return sorted(lines)


LINES = _lines()


@pytest.mark.parametrize("name", GRAMMARS)
def test_every_real_line_reads_as_lark_reads_it(name):
    assert len(LINES) > 1000
    for text in LINES:
        _same(name, text)


_ALPHABET = list(" \t\n\r#:;{}\"\\/.,=-_0123456789abcdefhilnoprstuvxyzABCDELMNORSTX\u00a0é") + [
    "on", "off", "sha1", "md5", "crc", "auth", "node", "inet", "inet6", "link/ether", "brd", "scope",
    "global", "resource", "xinetd based services:", "cs:", "ro:", "ds:", "version:", "unit", "enabled",
    "disabled", "static", "major", "minor", "#blocks", "name", "sector-size:", "label:", "start=", "size=",
    "Id=", "type=", "cannot stat", "No such file", "Connected", "Primary/Secondary", "UpToDate",
]


@pytest.mark.parametrize("name", GRAMMARS)
@settings(max_examples=200, deadline=None)
@given(text=st.lists(st.sampled_from(_ALPHABET), max_size=14).map("".join))
def test_random_text_reads_as_lark_reads_it(name, text):
    _same(name, text)


def test_the_written_tables_parse_as_lark_does(tmp_path):
    """Written to a module and read back (state numbers differ from one Lark build to the next)."""
    path = tmp_path / "_lalr_tables.py"
    lalr_tables.write(str(path), str(REPO / "grammars"))
    namespace: dict = {}
    exec(path.read_text(encoding="utf-8"), namespace)
    for name in GRAMMARS:
        assert namespace["TABLES"][name]["grammar"] == _text(name)
        written = lalr.Parser(namespace["TABLES"][name])
        for text in LINES[::7]:
            assert _outcome(written.parse_text, text) == _outcome(_LARKS[name].parse, text), (name, text)


def test_tables_of_another_grammar_text_are_never_used(monkeypatch):
    module = type(sys)("elastix_halint._lalr_tables")
    wrong = lalr_tables.extract('start: WORD\nWORD: /x+/\n')
    module.TABLES = {"hosts.lark": {**wrong, "grammar": _text("hosts.lark") + "\n// edited\n"},
                     "hacf.lark": {**lalr_tables.extract(_text("hacf.lark")), "states": "served"}}
    monkeypatch.setitem(sys.modules, "elastix_halint._lalr_tables", module)
    lalr_tables.tables.cache_clear()
    try:
        rebuilt = lalr_tables.tables("hosts.lark")
        assert rebuilt["grammar"] == _text("hosts.lark") and rebuilt["states"] != wrong["states"]
        assert _outcome(lalr.Parser(rebuilt).parse_text, "127.0.0.1 localhost") == _outcome(_LARKS["hosts.lark"].parse, "127.0.0.1 localhost")
        assert lalr_tables.tables("hacf.lark")["states"] == "served"  # the same text: used as it is
    finally:
        lalr_tables.tables.cache_clear()
