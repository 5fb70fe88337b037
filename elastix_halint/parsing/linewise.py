"""Plumbing for the line-oriented Heartbeat and hosts parsers.

Heartbeat reads ``ha.cf``, ``authkeys`` and ``haresources`` one line at a time and so does
glibc with ``/etc/hosts``; we do the same: each (logical) line is parsed on its own with a small
Lark LALR grammar, so a bad line becomes one diagnostic and every other line is still read.
A logical line may be made of several physical ones (haresources continuations); it then
carries the source position of each of its characters.
"""

from __future__ import annotations

import re
import unicodedata
TYPE_CHECKING = False  # typing costs ~4 ms at every start; these names are only annotations
if TYPE_CHECKING:
    from typing import Iterator

from elastix_halint.diagnostics import SYNTAX_ERROR, VALUE_ERROR, Diagnostic, Severity
from elastix_halint.model.common import Comment
from elastix_halint.model.record import Record
from elastix_halint.model.span import Span
from elastix_halint.parsing.larkkit import parse_line_text, suggest
from elastix_halint.parsing.result import ParseResult
from elastix_halint.source import SourceFile, read_source

# C isspace() in the C locale: the only blanks of Heartbeat's and glibc's readers. Python's
# str.split()/strip() and regex \s also take U+00A0 and the other Unicode spaces: never use them
# on configuration text.
C_BLANKS = " \t\n\v\f\r"
C_WORD = re.compile(r"[^ \t\n\v\f\r]*")  # a word as C reads it (empty at the end of the text)


def c_split(text: str) -> list[str]:
    """``text.split()`` with C's blanks only (a no-break space stays inside its word)."""
    return re.findall(r"[^ \t\n\v\f\r]+", text)

# Characters that look like blanks but are not C isspace(): Heartbeat and glibc keep them inside
# the word (an interface named "eth1<NBSP>" does not exist).
_ODD_BLANK = re.compile(r"[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\ufeff]")

# OCR and typing confusions (the same classes larkkit.suggest tries).
CONFUSABLE = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})


class Line(Record):
    """A line to parse: ``number`` is the physical line of its first character.

    ``positions`` maps each character of ``text`` to its ``(line, column)`` in the file when
    the line was joined from several physical lines; None means "all on line ``number``".
    """

    file: str
    number: int
    text: str
    positions: tuple[tuple[int, int], ...] | None = None

    def span(self, start: int, end: int) -> Span:
        """Span of ``text[start:end]`` (0-based offsets) in the file."""
        end = max(end, start + 1)
        if not self.positions:
            return Span(self.file, self.number, start + 1, self.number, end + 1)
        first = self.positions[min(start, len(self.positions) - 1)]
        last = self.positions[min(end - 1, len(self.positions) - 1)]
        return Span(self.file, first[0], first[1], last[0], last[1] + 1)

    def token_span(self, token) -> Span:
        return self.span(token.start_pos, token.end_pos)

    def whole(self) -> Span:
        stripped = self.text.rstrip(C_BLANKS)
        start = len(stripped) - len(stripped.lstrip(C_BLANKS))
        return self.span(start, max(len(stripped), start + 1))


def physical_lines(source: SourceFile, keep_cr: bool = False) -> list[Line]:
    """Every line of ``source`` without its ``\\n`` (and without a ``\\r`` before it unless
    ``keep_cr``: the daemon's reader keeps it), numbered from 1."""
    lines = source.text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [Line(source.path, n, text if keep_cr else text.rstrip("\r")) for n, text in enumerate(lines, 1)]


def describe_expected(expected, words: dict[str, str]) -> str:
    names = sorted({words.get(t, t.lower().replace("_", " ")) for t in expected if t not in ("$END",)})
    if "$END" in expected:
        names.append("the end of the line")
    if not names:
        return "nothing more"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def parse_line(grammar: str, line: Line, words: dict[str, str], quote: bool = True):
    """``(tree, None)`` or ``(None, diagnostic)`` for one line.

    ``words`` names the grammar's terminals for humans ("a key method"). ``quote=False`` keeps
    the offending text out of the message (authkeys lines may hold a secret).
    """
    from elastix_halint.parsing.lalr import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

    try:
        return parse_line_text(grammar, line.text), None
    except UnexpectedInput as exc:
        stripped = len(line.text.rstrip(C_BLANKS))
        if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
            start, end = exc.token.start_pos, exc.token.end_pos
            got = f"unexpected {str(exc.token)!r}" if quote else "unexpected text"
            expected = describe_expected(exc.expected, words)
        elif isinstance(exc, UnexpectedCharacters):
            start, end = exc.pos_in_stream, exc.pos_in_stream + 1
            got = f"unexpected {line.text[start]!r}" if quote else "unexpected text"
            expected = describe_expected(exc.allowed, words)
        else:  # the line ended too early
            start, end = max(stripped - 1, 0), stripped
            got = "the line ends too early"
            expected = describe_expected(getattr(exc, "expected", None) or (), words)
        message = f"{got}; expected {expected}"
        return None, Diagnostic(SYNTAX_ERROR, Severity.ERROR, message, line.span(start, end))


def value_error(span: Span, message: str, suggestion: str | None = None, hint: str | None = None,
                severity: Severity = Severity.ERROR) -> Diagnostic:
    return Diagnostic(VALUE_ERROR, severity, message, span, hint=hint, suggestion=suggestion)


def value_warning(span: Span, message: str, suggestion: str | None = None, hint: str | None = None) -> Diagnostic:
    return value_error(span, message, suggestion, hint, Severity.WARNING)


def ocr_fix(word: str, valid) -> str | None:
    """``word`` with OCR confusions undone (``l``→1, ``O``→0), when that makes ``valid(word)`` true."""
    fixed = word.translate(CONFUSABLE)
    return fixed if fixed != word and valid(fixed) else None


def choice_suggestion(word: str, choices) -> str | None:
    return suggest(word, choices)


def odd_blanks(line: Line) -> list[Diagnostic]:
    """Warnings for no-break and other Unicode spaces, which these formats do not treat as blanks."""
    out = []
    for m in _ODD_BLANK.finditer(line.text):
        ch = m.group()
        name = unicodedata.name(ch, "SPACE").lower()
        out.append(
            value_warning(
                line.span(m.start(), m.end()),
                f"{name} (U+{ord(ch):04X}) is not a blank here: it becomes part of the word next to it",
                hint="replace it with an ordinary space",
            )
        )
    return out


def comment_of(line: Line, token) -> Comment:
    return Comment(str(token)[1:].strip(C_BLANKS), line.token_span(token))


def read_lines(source: SourceFile, grammar: str, words: dict[str, str], diagnostics: list[Diagnostic],
               quote: bool = True, on_error=None) -> Iterator[tuple[Line, object]]:
    """``(line, tree)`` for each non-blank line that parses; the others become diagnostics.

    ``on_error(line, diagnostic)`` may refine a syntax error (add a suggestion).
    """
    for line in physical_lines(source):
        if not line.text.strip(C_BLANKS):
            continue
        diagnostics.extend(odd_blanks(line))
        tree, error = parse_line(grammar, line, words, quote)
        if error:
            diagnostics.append(on_error(line, error) if on_error else error)
            continue
        yield line, tree


def items(line: Line, tree, comments: list[Comment]) -> list:
    """The children of a line's tree, with its ``COMMENT`` token moved into ``comments``."""
    out = []
    for child in tree.children:
        if getattr(child, "type", None) == "COMMENT":
            comments.append(comment_of(line, child))
        else:
            out.append(child)
    return out


def result(kind: str, source: SourceFile, model, diagnostics: list[Diagnostic]) -> ParseResult:
    ordered = sorted(diagnostics, key=lambda d: (d.span.line, d.span.column) if d.span else (0, 0))
    return ParseResult(kind=kind, source=source, model=model, diagnostics=tuple(ordered))


def load_with(parse, path: str, display: str | None = None, allow_empty: bool = False) -> ParseResult:
    return parse(read_source(path, display, allow_empty=allow_empty))
