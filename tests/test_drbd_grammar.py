"""grammars/drbd.lark is what parses drbd.conf: Lark builds it (strictly when interegular is
installed), the fast lexer produces exactly the tokens of the grammar's own terminals, and the
run-time parser (Lark's tables run by parsing/lalr.py, fed by that lexer, recovering in
``on_error``) reports a syntax error exactly when Lark alone rejects the file."""

from __future__ import annotations

import pytest

from conftest import CORPUS, REPO, SAMPLES
from elastix_halint.parsing import drbd_lark, drbd_lexer
from elastix_halint.parsing.larkkit import grammar_parser
from elastix_halint.resources import grammar_path

lark = pytest.importorskip("lark")

FILES = sorted(SAMPLES.glob("*/*/etc/drbd.conf")) + sorted(p for p in CORPUS.glob("drbd/**/*") if p.is_file())
FILES += sorted((REPO / "tests" / "data" / "drbd").glob("*.conf"))
IDS = [str(p.relative_to(p.parents[2])) for p in FILES]


def _grammar() -> str:
    with open(grammar_path("drbd.lark"), encoding="utf-8") as fh:
        return fh.read()


def _plain_text(path) -> tuple[str, drbd_lexer.Lexed]:
    """The file's text and tokens; the test is skipped when lexing it needs more than the
    grammar's terminals (a ``skip`` block, an unclosed string)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    lexed = drbd_lexer.tokenize(text, str(path))
    if lexed.skipped or lexed.problems:
        pytest.skip("skip block or unclosed string: beyond the grammar's terminals")
    return text, lexed


def test_grammar_builds_strictly():
    pytest.importorskip("interegular")
    lark.Lark(_grammar(), parser="lalr", strict=True)


def test_grammar_builds_and_reads_its_own_terminals():
    parser = lark.Lark(_grammar(), parser="lalr", propagate_positions=True)
    tree = parser.parse('resource r0 { net { shared-secret "a\\"b"; } on a { address 10.0.0.1:7788; } } # c\n')
    assert [t.data for t in tree.iter_subtrees_topdown()][:3] == ["start", "block", "block"]


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_fast_lexer_gives_the_grammar_terminals(path):
    text, lexed = _plain_text(path)
    theirs = [(t.type, t.line, t.column, t.end_column) for t in lark.Lark(_grammar(), parser="lalr").lex(text)]
    assert [(t.type, t.line, t.column, t.end_column) for t in lexed.tokens] == theirs


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_recovery_reports_exactly_what_lark_alone_rejects(path):
    text, lexed = _plain_text(path)
    _, syntax_errors = drbd_lark.parse_tokens(lexed.tokens, str(path))
    try:
        lark.Lark(_grammar(), parser="lalr").parse(text)
        accepted = True
    except lark.exceptions.UnexpectedInput:
        accepted = False
    assert accepted == (not syntax_errors), [d.one_line() for d in syntax_errors]


@pytest.mark.parametrize(
    "text, position, words",
    [("resource r0 {\n  ;\n}\n", (2, 3), "expected a section keyword such as `net` or `disk` or `}` to close the block"),
     ("global { usage-count no }\n", (1, 24), "`;` expected to end the `usage-count` statement"),
     ("}\nglobal { }\n", (1, 1), "expected a section keyword such as `global` or `common`"),
     ('resource r0 { "on" a { } }\n', (1, 15), "unexpected quoted string in the `resource` section"),
     ("common {\n  net { timeout 60; }\n", (1, 8), "`}` expected before the end of the file")],
)
def test_errors_say_what_was_expected_in_words(text, position, words):
    tokens = drbd_lexer.tokenize(text, "t.conf").tokens
    _, errors = drbd_lark.parse_tokens(tokens, "t.conf")
    assert [(d.span.line, d.span.column) for d in errors] == [position]
    assert words in errors[0].message


def test_every_error_is_recovered_from_and_the_parser_is_built_once():
    broken = "resource r%d {\n  net { timeout 60 }\n  ;\n  disk { on-io-error detach; }\n}\n"
    text = "".join(broken % i for i in range(20))
    drbd_lark.parse_tokens([], "warm.conf")
    builds = grammar_parser.cache_info().misses
    _, errors = drbd_lark.parse_tokens(drbd_lexer.tokenize(text, "t.conf").tokens, "t.conf")
    assert [(d.span.line, d.message[:3]) for d in errors] == [(line, m) for i in range(20)
                                                                for line, m in ((5 * i + 2, "`;`"), (5 * i + 3, "une"))]
    assert grammar_parser.cache_info().misses == builds


def test_the_runtime_reads_files_as_lark_fed_by_the_same_feed_does():
    """The old run-time parser (Lark itself, given the feed through a custom lexer and the same
    transformer and on_error recovery) and parsing/lalr.py agree on items and errors."""

    class FeedLexer(lark.lexer.Lexer):
        __future_interface__ = 2

        def __init__(self, conf):
            pass

        def lex(self, lexer_state, parser_state):
            return lexer_state.text.stream()

    reference = lark.Lark(_grammar(), parser="lalr", lexer=FeedLexer, transformer=drbd_lark._TRANSFORMER,
                          maybe_placeholders=False)
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in FILES]
    texts += [t.replace(";", "", 3).replace("}", "", 1) for t in texts] + [t.replace("{", ";", 2) for t in texts]
    for i, text in enumerate(texts):
        tokens = drbd_lexer.tokenize(text, "f.conf").tokens
        feed = drbd_lark.Feed(tokens, "f.conf")
        try:
            theirs = (reference.parse(feed, on_error=feed.on_error), feed.diagnostics)
        except lark.exceptions.UnexpectedInput:
            theirs = "refused"
        try:
            ours = drbd_lark.parse_tokens(tokens, "f.conf")
        except drbd_lark.UnexpectedToken:
            ours = "refused"
        assert ours == theirs, i
