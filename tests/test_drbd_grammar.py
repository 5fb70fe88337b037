"""grammars/drbd.lark is the grammar the hand-written reader implements: Lark builds it (strictly
when interegular is installed) and, fed the same tokens, accepts exactly the files the reader
reads without a structural error."""

from __future__ import annotations

import pytest

from conftest import CORPUS, REPO, SAMPLES
from elastix_halint.parsing import drbd_lexer
from elastix_halint.parsing.drbd_tree import TreeReader
from elastix_halint.resources import grammar_path

lark = pytest.importorskip("lark")

FILES = sorted(SAMPLES.glob("*/*/etc/drbd.conf")) + sorted(p for p in CORPUS.glob("drbd/**/*") if p.is_file())
FILES += sorted((REPO / "tests" / "data" / "drbd").glob("*.conf"))
# Diagnostics of the reader that mean "the token stream does not fit the grammar".
STRUCTURAL = ("never closed", "`;` expected", "unexpected `}`", "unexpected `;`", "with no section keyword",
              "where `}` should close", "opens a section", "not a `{ }` block", "quoted string")


def _grammar() -> str:
    with open(grammar_path("drbd.lark"), encoding="utf-8") as fh:
        return fh.read()


def _token_lark():
    from lark.lexer import Lexer, Token

    class TupleLexer(Lexer):
        """Feeds drbd_lexer's tokens to Lark, so both parse exactly the same stream."""

        def __init__(self, conf):
            pass

        def lex(self, text):
            kinds = {drbd_lexer.WORD: "WORD", drbd_lexer.STRING: "STRING", ";": "SEMICOLON", "{": "LBRACE", "}": "RBRACE"}
            for tok in drbd_lexer.tokenize(text, "x").tokens:
                yield Token(kinds[tok.kind], tok.text, line=tok.line, column=tok.column)

    return lark.Lark(_grammar(), parser="lalr", lexer=TupleLexer)


def test_grammar_builds_strictly():
    pytest.importorskip("interegular")
    lark.Lark(_grammar(), parser="lalr", strict=True)


def test_grammar_builds_and_reads_its_own_terminals():
    parser = lark.Lark(_grammar(), parser="lalr", propagate_positions=True)
    tree = parser.parse('resource r0 { net { shared-secret "a\\"b"; } on a { address 10.0.0.1:7788; } } # c\n')
    assert [t.data for t in tree.iter_subtrees_topdown()][:3] == ["start", "block", "block"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_lark_and_reader_agree(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    lexed = drbd_lexer.tokenize(text, str(path))
    reader = TreeReader(lexed.tokens, str(path))
    reader.read()
    structural = [d for d in reader.diagnostics if any(s in d.message for s in STRUCTURAL)]
    try:
        _token_lark().parse(text)
        accepted = True
    except lark.exceptions.UnexpectedInput:
        accepted = False
    assert accepted == (not structural and not lexed.problems), [d.one_line() for d in structural]
