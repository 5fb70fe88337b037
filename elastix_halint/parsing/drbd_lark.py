"""The LALR parser of grammars/drbd.lark (Lark's tables, run by parsing/lalr.py), fed by the fast
regex lexer, reporting every syntax error and going on.

The parser reads the :mod:`drbd_lexer` tuples (only their ``type``) and an inline transformer
keeps each statement and block as a :class:`RawStatement`/:class:`RawBlock` of tokens
(positions included). Recovery is Lark's ``on_error`` protocol: the handler gets
``UnexpectedToken`` with the interactive parser and the terminals expected, reports the error
in words, and feeds the parser what it needs to go on: a ``;`` before a ``}``/new keyword/end
of file, a ``}`` for an OCR'd ``1`` or an unclosed block; a stray ``;``/``}`` is dropped, a
``{ … }`` without a keyword skipped up to its ``}``.

The :class:`Feed` is the token source of one parse: it tracks the open blocks so that it can
mark the two words the generic grammar cannot judge by itself (``LINE_KEYWORD``,
``LOST_RBRACE``: see the grammar), and it refuses blocks nested deeper than :data:`MAX_DEPTH`
(their content is skipped; :mod:`drbd_tree` reports them).
"""

from __future__ import annotations

import functools

from elastix_halint.diagnostics import SYNTAX_ERROR, Diagnostic, Severity
from elastix_halint.model import drbd_keywords as kw
from elastix_halint.model.span import Span
from elastix_halint.parsing.drbd_lexer import EOF, LBRACE, RBRACE, SEMI, STRING, WORD, Token
from elastix_halint.parsing.drbd_tree import MAX_DEPTH, RawBlock, RawStatement, describe
from elastix_halint.parsing.lalr import UnexpectedToken
from elastix_halint.parsing.larkkit import grammar_parser, suggest

LINE_KEYWORD, LOST_RBRACE = "LINE_KEYWORD", "LOST_RBRACE"
_new = tuple.__new__
# What an OCR'd ``}`` becomes.
_BRACE_LOOKALIKES = frozenset({"1", "l", "I", "|", "]", ")"})


@functools.cache
def keywords_of(section: str) -> frozenset:
    return frozenset(kw.KEYWORDS.get(section, {}).keys() | kw.SECTIONS.get(section, {}).keys())


def _a_keyword(section: str, expected) -> str:
    """Lark's expected terminals at the start of a statement, in words."""
    names = kw.block_names(section)
    kind = "section keyword" if names else "keyword"
    names = names or kw.option_names(section)
    what = f"a {kind} such as `{names[0]}` or `{names[1]}`" if len(names) > 1 else "a keyword"
    return what + (" or `}` to close the block" if RBRACE in expected else "")


class Feed:
    """The tokens of one file as Lark reads them, and what recovery found."""

    def __init__(self, tokens: list[Token], file: str):
        self.tokens = tokens
        self.file = file
        self.index = 0
        self.stack: list[tuple[str, Token]] = []  # (keyword table, `{`) of each open block
        self.head: Token | None = None  # first word of the statement being read
        self.prev: Token | None = None  # its last word so far
        self.cut: Token | None = None  # head of the statement a `}` or keyword just cut short
        self.closed = "top"  # table of the block a LOST_RBRACE closed
        self.diagnostics: list[Diagnostic] = []
        last = tokens[-1] if tokens else Token(EOF, "", 1, 1, 2)
        self.eof = Token(EOF, "", last.line, last.end_column, last.end_column + 1)

    def section(self) -> str:
        return self.stack[-1][0] if self.stack else "top"

    # -- the token stream ------------------------------------------------------------------------
    def stream(self):
        """Tokens from the current index on (Lark asks again after each recovery)."""
        tokens, stack = self.tokens, self.stack
        while self.index < len(tokens):
            tok = tokens[self.index]
            self.index += 1
            kind, head = tok.type, self.head
            if head is None:  # a statement starts here
                if kind == WORD:
                    if stack and tok.text in _BRACE_LOOKALIKES and self._looks_like_lost_brace():
                        self.closed = stack.pop()[0]
                        yield tok._replace(type=LOST_RBRACE)
                        continue
                    self.head = self.prev = tok
                elif kind == STRING:
                    self.head = self.prev = tok
                elif kind == RBRACE and stack:
                    stack.pop()
                yield tok
            elif kind in (WORD, STRING):
                if kind == WORD and tok.line > self.prev.line and self._starts_statement(tok, head):
                    self.cut, self.head = head, tok
                    tok = tok._replace(type=LINE_KEYWORD)
                self.prev = tok
                yield tok
            elif kind == SEMI:
                self.head = None
                yield tok
            elif kind == LBRACE:
                self.head = None
                if len(stack) >= MAX_DEPTH:  # an empty block stands for it; drbd_tree reports it
                    yield tok
                    yield self.skip_balanced() or self.eof._replace(type=RBRACE)
                    continue
                stack.append((kw.table_for(self.section(), head.text), tok))
                yield tok
            else:  # `}` cuts the statement short
                self.cut, self.head = head, None
                if stack:
                    stack.pop()
                yield tok

    def skip_balanced(self) -> Token | None:
        """Pass over the rest of a block whose ``{`` was just read; its ``}``, if any."""
        depth, tokens = 1, self.tokens
        while self.index < len(tokens):
            tok = tokens[self.index]
            self.index += 1
            depth += (tok.type == LBRACE) - (tok.type == RBRACE)
            if depth == 0:
                return tok
        return None

    def _looks_like_lost_brace(self) -> bool:
        """``1`` followed by a keyword that belongs one level up (``1 on beta {``)."""
        nxt = self.tokens[self.index] if self.index < len(self.tokens) else self.eof
        if nxt.type in (EOF, RBRACE):
            return True
        return nxt.type == WORD and nxt.text not in keywords_of(self.section()) and any(
            nxt.text in kw.SECTIONS.get(parent, {}) or nxt.text in kw.KEYWORDS.get(parent, {})
            for parent in ("resource", "top", "on")
        )

    def _starts_statement(self, tok: Token, head: Token) -> bool:
        """Whether ``tok`` (first on its line) begins a new statement, i.e. the previous line
        lost its ``;``: it is a keyword of the block, or nearly one after an unknown head (text
        of a comment wrapped onto its own line, as in the HOWTO's ``#change options`` / ``to your
        need``)."""
        if head.text in ("host", "hosts"):
            return False
        known_here = keywords_of(self.section())
        if tok.text in known_here:
            return True
        return head.text not in known_here and suggest(tok.text, known_here) is not None

    # -- recovery (Lark's on_error) --------------------------------------------------------------
    def on_error(self, error: UnexpectedToken) -> bool:
        self._recover(error.interactive_parser, error.token, error.expected)
        return True

    def _error(self, tok: Token, message: str, suggestion: str | None = None) -> None:
        span = Span(self.file, tok.line, tok.column, tok.line, tok.end_column)
        self.diagnostics.append(Diagnostic(SYNTAX_ERROR, Severity.ERROR, message, span, suggestion=suggestion))

    def _feed(self, parser, tok: Token) -> None:
        try:
            parser.feed_token(tok)
        except UnexpectedToken as again:  # e.g. `}` after a cut statement at the top level
            self._recover(parser, again.token, again.expected)

    def _recover(self, parser, tok: Token, expected) -> None:
        kind = tok.type
        if SEMI in expected:  # inside a statement: a `}`, a keyword or the end of the file cut it
            last = parser.parser_state.value_stack[-1]
            head = self.head if kind == EOF else self.cut
            just_after = Token(SEMI, ";", last.line, last.end_column, last.end_column + 1)
            self._error(just_after, f"`;` expected to end the `{head.text}` statement")
            parser.feed_token(last._replace(type=SEMI, text=";"))  # the statement ends at its last word
            self.head = self.head if kind == LINE_KEYWORD else None
            if kind != EOF:
                self._feed(parser, tok)
                return
        if kind == EOF:
            self._close_all(parser)
        elif kind == LOST_RBRACE:
            self._error(tok, f"stray `{tok.text}` where `}}` should close the `{self.closed}` block", "}")
            self._feed(parser, tok._replace(type=RBRACE))
        elif kind == STRING:
            self._error(tok, f"unexpected quoted string in {describe(self.section())}: expected "
                        f"{_a_keyword(self.section(), expected)}")
            self._feed(parser, tok._replace(type=WORD))
        elif kind == LBRACE:
            self._error(tok, f"`{{` with no section keyword before it in {describe(self.section())} (expected "
                        f"{_a_keyword(self.section(), expected)}); the block is not read")
            self.skip_balanced()
        elif kind == RBRACE:
            self._error(tok, f"unexpected `}}`: no block is open here (expected {_a_keyword('top', expected)})")
        else:
            self._error(tok, f"unexpected `{tok.text}` in {describe(self.section())}: expected "
                        f"{_a_keyword(self.section(), expected)}")

    def _close_all(self, parser) -> None:
        """End of file inside blocks: each is reported at its ``{`` and closed."""
        while self.stack:
            section, brace = self.stack.pop()
            self._error(brace, f"the `{section}` block opened here is never closed: `}}` expected before the end "
                        "of the file", "}")
            parser.feed_token(self.eof._replace(type=RBRACE))


class _RawTree:
    """Lark's inline transformer: rule matches → raw nodes (no ``Tree`` objects)."""

    # (tuple.__new__: the namedtuples without their Python-level __new__, one per statement)
    @staticmethod
    def statement(children):
        return _new(RawStatement, (children[0], children[1:-1], children[-1]))

    @staticmethod
    def block(children):
        brace = 1
        while children[brace].type != LBRACE:
            brace += 1
        return _new(RawBlock, (children[0], children[1:brace], children[brace], children[brace + 1:-1], children[-1]))

    @staticmethod
    def start(children):
        return children


_TRANSFORMER = _RawTree()


def _parser():
    """Once per process (larkkit.grammar_parser)."""
    return grammar_parser("drbd.lark", _TRANSFORMER)


def parse_tokens(tokens: list[Token], file: str) -> tuple[list, list[Diagnostic]]:
    """The raw items of one file's tokens and the syntax errors found on the way."""
    items = plain_items(tokens)
    if items is not None:
        return items, []
    return parse_with_recovery(tokens, file)


def parse_with_recovery(tokens: list[Token], file: str) -> tuple[list, list[Diagnostic]]:
    """:func:`parse_tokens` by the LALR parser and its recovery alone."""
    feed = Feed(tokens, file)
    # The feed is the token source; after a recovery the parser resumes where it left off.
    items = _parser().parse(lambda _state: feed.stream(), on_error=feed.on_error)
    return items, feed.diagnostics


def plain_items(tokens: list[Token]) -> list | None:
    """The raw items the LALR parser builds from ``tokens`` when they hold no syntax error,
    read straight off the list; None as soon as anything needs the parser's judgement (an
    error, or a token the :class:`Feed` could mark): the parser then reads the file from the
    start. Nearly every real file is error-free, and its tokens cost a third as much here as
    through the parser's generator, table lookups and reductions. The grammar stays the
    definition: tests/test_drbd_plain.py checks that wherever this gives items they are the
    parser's, and that it gives them for every file the parser reads without an error."""
    items: list = []  # of the innermost open block (or the file)
    open_blocks: list = []  # (head, values, `{`, the enclosing items) of each open block
    i, n = 0, len(tokens)
    while i < n:
        head = tokens[i]
        kind = head[0]
        if kind == RBRACE:  # closes the innermost block
            if not open_blocks:
                return None
            block_head, values, brace, outer = open_blocks.pop()
            outer.append(_new(RawBlock, (block_head, values, brace, items, head)))
            items = outer
            i += 1
            continue
        # A statement's head: a word, but not one the feed could take for an OCR'd `}`.
        if kind != WORD or (open_blocks and head[1] in _BRACE_LOOKALIKES):
            return None
        line = head[2]
        j = i + 1
        while j < n:
            tok = tokens[j]
            kind = tok[0]
            if kind == WORD:
                if tok[2] > line:  # a word on a new line may be a keyword cutting the statement
                    return None
            elif kind != STRING:
                break
            line = tok[2]
            j += 1
        else:
            return None  # the file ends inside a statement
        values = tokens[i + 1:j]
        if kind == SEMI:
            items.append(_new(RawStatement, (head, values, tok)))
        elif kind == LBRACE and len(open_blocks) < MAX_DEPTH:
            open_blocks.append((head, values, tok, items))
            items = []
        else:
            return None
        i = j + 1
    return None if open_blocks else items
