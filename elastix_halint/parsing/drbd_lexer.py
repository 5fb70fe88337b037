"""drbd.conf tokens: words, quoted strings, ``;``, ``{``, ``}`` (terminals of grammars/drbd.lark).

One compiled regex scans the text; tokens are plain tuples because building ~30 000 objects per
large config is what made Lark's own lexer slow (measured: 107 ms vs 12 ms for the scan on a
225 KB file). Lark's parser needs only a ``type`` (the terminal name) of what it is fed, so
these tuples go to it as they are (:mod:`drbd_lark`). ``skip … { … }`` blocks and ``#`` comments are taken out here, as drbdadm's
scanner does, so that nonsense inside a skipped block can never be a syntax error.
"""

from __future__ import annotations

import re
import unicodedata
from collections import namedtuple

from elastix_halint.model.common import Comment
from elastix_halint.model.span import Span

# Terminal names of grammars/drbd.lark; "$END" is Lark's end of input.
WORD, STRING, SEMI, LBRACE, RBRACE, EOF = "WORD", "STRING", "SEMICOLON", "LBRACE", "RBRACE", "$END"
_PUNCT = {";": SEMI, "{": LBRACE, "}": RBRACE}

# drbdadm's flex scanner knows only space, tab and CR as blanks (and newline); anything else it
# cannot read makes a TK_ELSE token, a parse error wherever it stands. So no regex ``\s`` here:
# it would also take U+00A0 (a no-break space pasted from a web page), \f, \v and the other
# Unicode spaces as blanks. Those, control characters and a byte-order mark are "odd": reported
# as the error drbdadm makes of them, then read as a blank so the rest of the file is checked.
_ODD = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85\xa0\u1680\u180e\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
# Blanks but newlines are read with the token that follows them: one match a token.
# The alternatives start with different characters, so their order only says which is tried
# first: words and punctuation, most of any file.
_TOKEN = re.compile(
    f'[ \\t\\r]*+(?:(?P<word>[^ \\t\\r\\n{{}};"#{_ODD}]+)'
    r'|(?P<punct>[;{}])'
    r'|(?P<nl>\n)'
    r'|(?P<string>"(?:[^"\\\n]|\\.)*")'
    r'|(?P<open_string>"(?:[^"\\\n]|\\.)*\\?)'
    r'|(?P<comment>#[^\n]*)'
    f'|(?P<odd>[{_ODD}]+))'
)
_ESCAPE = re.compile(r"\\(.)")


class Token(namedtuple("Token", "type text line column end_column")):
    """``type``: the grammar's terminal name; ``text``: for STRING the content, unquoted and
    unescaped; ``end_column`` exclusive (tokens never span lines). A ``collections.namedtuple``
    (typing.NamedTuple would import typing at every start)."""

    __slots__ = ()

    def span(self, file: str) -> Span:
        return Span(file, self.line, self.column, self.line, self.end_column)

    # What Lark reads from the last token to place its end-of-input token.
    end_line = property(lambda self: self.line)
    start_pos = end_pos = None


class Lexed(namedtuple("Lexed", "tokens comments skipped problems")):
    """``skipped``: spans of skip blocks; ``problems``: (span, message) for unterminated strings
    and unclosed skip blocks."""

    __slots__ = ()


def tokenize(text: str, file: str) -> Lexed:
    tokens: list[Token] = []
    comments: list[Comment] = []
    skipped: list[Span] = []
    problems: list[tuple[Span, str]] = []
    state = [1, 0]  # line, offset where it starts
    pos = 0
    while pos is not None:
        pos = _scan(text, pos, file, state, tokens, comments, skipped, problems)
    return Lexed(tokens, comments, skipped, problems)


def _scan(text, pos, file, state, tokens, comments, skipped, problems) -> int | None:
    """Tokens from ``pos`` on; returns where to resume after a skip block, None at the end."""
    line, line_start = state
    append = tokens.append
    new = tuple.__new__  # a Token without NamedTuple's Python-level __new__: 4x faster lexing
    skip_from = None  # index in tokens of a `skip` keyword whose block is not yet swallowed
    for m in _TOKEN.finditer(text, pos):
        kind = m.lastgroup
        if kind == "nl":
            line += 1
            line_start = m.end()
            continue
        start = m.start(kind)
        raw = m.group(kind)
        col = start - line_start + 1
        if kind == "word":
            if raw == "skip" and (not tokens or tokens[-1][0] in (SEMI, LBRACE, RBRACE)):
                skip_from = len(tokens)
            append(new(Token, (WORD, raw, line, col, col + len(raw))))
        elif kind == "punct":
            if raw == "{" and skip_from is not None:
                first = tokens[skip_from]
                del tokens[skip_from:]
                end, line, line_start, closed = _skip_block(text, m.end(), line, line_start)
                skipped.append(Span(file, first.line, first.column, line, end - line_start + 1))
                if not closed:
                    problems.append((first.span(file), "this `skip` block is never closed with `}`"))
                state[:] = [line, line_start]
                return end
            if raw != "{":
                skip_from = None
            append(new(Token, (_PUNCT[raw], raw, line, col, col + 1)))
        elif kind == "comment":
            comments.append(Comment(raw[1:].strip(" \t\r"), Span(file, line, col, line, col + len(raw))))
        elif kind == "odd":
            problems.append((Span(file, line, col, line, col + len(raw)), _odd_message(raw[0])))
        else:
            append(new(Token, (STRING, _unquote(raw, kind), line, col, col + len(raw))))
            if kind == "open_string":
                problems.append((Span(file, line, col, line, col + len(raw)), "quoted string not closed before the end of the line"))
    return None


def _odd_message(ch: str) -> str:
    name = unicodedata.name(ch, "") or f"control character {ch!r}"
    what = f"{name.lower()} (U+{ord(ch):04X})"
    if ch == "\ufeff":
        what = "a byte-order mark (U+FEFF)"
    return f"{what} is not a blank for drbdadm (its scanner knows only space, tab, CR and newline): it rejects the file here"


def _unquote(raw: str, kind: str) -> str:
    body = raw[1:] if kind == "open_string" else raw[1:-1]
    return _ESCAPE.sub(r"\1", body) if "\\" in body else body


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
