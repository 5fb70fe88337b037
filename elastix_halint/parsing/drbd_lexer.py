"""drbd.conf tokens: words, quoted strings, ``;``, ``{``, ``}`` (terminals of grammars/drbd.lark).

One compiled regex scans the text; tokens are plain tuples because building ~30 000 objects per
large config is what made Lark's own lexer slow (measured: 107 ms vs 12 ms for the scan on a
225 KB file). ``skip … { … }`` blocks and ``#`` comments are taken out here, as drbdadm's
scanner does, so that nonsense inside a skipped block can never be a syntax error.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from elastix_halint.model.common import Comment
from elastix_halint.model.span import Span

WORD, STRING, SEMI, LBRACE, RBRACE, EOF = "WORD", "STRING", ";", "{", "}", "EOF"

_TOKEN = re.compile(
    r'(?P<ws>\s+)'
    r'|(?P<comment>#[^\n]*)'
    r'|(?P<string>"(?:[^"\\\n]|\\.)*")'
    r'|(?P<open_string>"(?:[^"\\\n]|\\.)*\\?)'
    r'|(?P<punct>[;{}])'
    r'|(?P<word>[^\s{};"#]+)'
)
_ESCAPE = re.compile(r"\\(.)")


class Token(NamedTuple):
    kind: str
    text: str  # for STRING: the content, unquoted and unescaped
    line: int
    column: int
    end_column: int  # exclusive; tokens never span lines

    def span(self, file: str) -> Span:
        return Span(file, self.line, self.column, self.line, self.end_column)


class Lexed(NamedTuple):
    tokens: list
    comments: list
    skipped: list  # spans of skip blocks
    problems: list  # (span, message) for unterminated strings / unclosed skip blocks


def tokenize(text: str, file: str) -> Lexed:
    tokens: list[Token] = []
    comments: list[Comment] = []
    skipped: list[Span] = []
    problems: list[tuple[Span, str]] = []
    line, line_start, pos, end = 1, 0, 0, len(text)
    match = _TOKEN.match
    append = tokens.append
    skip_from = None  # index in tokens of a `skip` keyword whose block is not yet swallowed
    while pos < end:
        m = match(text, pos)
        kind = m.lastgroup
        start, pos = m.start(), m.end()
        if kind == "ws":
            newlines = text.count("\n", start, pos)
            if newlines:
                line += newlines
                line_start = text.rindex("\n", start, pos) + 1
            continue
        col = start - line_start + 1
        if kind == "comment":
            comments.append(Comment(m.group()[1:].strip(), Span(file, line, col, line, col + pos - start)))
            continue
        if kind == "word":
            tok = Token(WORD, m.group(), line, col, col + pos - start)
            if tok.text == "skip" and (not tokens or tokens[-1].kind in (SEMI, LBRACE, RBRACE)):
                skip_from = len(tokens)
            append(tok)
            continue
        if kind == "punct":
            ch = m.group()
            append(Token(ch, ch, line, col, col + 1))
            if ch == LBRACE and skip_from is not None:
                first = tokens[skip_from]
                del tokens[skip_from:]
                skip_from = None
                pos, line, line_start, closed = _skip_block(text, pos, line, line_start)
                span = Span(file, first.line, first.column, line, pos - line_start + 1)
                skipped.append(span)
                if not closed:
                    problems.append((Span(file, first.line, first.column, first.line, first.end_column),
                                     "this `skip` block is never closed with `}`"))
            elif ch in (SEMI, RBRACE):
                skip_from = None
            continue
        raw = m.group()
        if kind == "open_string":
            problems.append((Span(file, line, col, line, col + len(raw)), "quoted string not closed before the end of the line"))
            body = raw[1:]
        else:
            body = raw[1:-1]
        if "\\" in body:
            body = _ESCAPE.sub(r"\1", body)
        append(Token(STRING, body, line, col, col + len(raw)))
    return Lexed(tokens, comments, skipped, problems)


def _skip_block(text: str, pos: int, line: int, line_start: int):
    """Swallow a skip block after its ``{``; returns (pos, line, line_start, closed)."""
    depth, end = 1, len(text)
    while pos < end:
        ch = text[pos]
        if ch == "\n":
            line += 1
            line_start = pos + 1
        elif ch == "#":
            nl = text.find("\n", pos)
            pos = end if nl < 0 else nl
            continue
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return pos + 1, line, line_start, True
        pos += 1
    return pos, line, line_start, False
