"""Plumbing shared by the line-structured fact parsers.

Command outputs are parsed one line at a time with a small Lark LALR grammar, so one garbled line
becomes one diagnostic at its own line and the rest of the file is still read.
"""

from __future__ import annotations

import re
TYPE_CHECKING = False  # typing costs ~4 ms at every start; these names are only annotations
if TYPE_CHECKING:
    from typing import Callable, Iterator

from elastix_halint.diagnostics import SYNTAX_ERROR, VALUE_ERROR, Diagnostic, Severity
from elastix_halint.model.record import Record
from elastix_halint.model.span import Span
from elastix_halint.parsing.result import ParseResult
from elastix_halint.source import SourceFile, read_source


class Line(Record):
    number: int
    text: str
    tree: object  # a lark Tree (or Token) of this one line


def token_span(file: str, number: int, token) -> Span:
    """Span of a token of a one-line parse, moved to line ``number`` of the file."""
    return Span(file, number, token.column, number, token.end_column)


def line_span(file: str, number: int, text: str) -> Span:
    stripped = text.rstrip()
    start = len(stripped) - len(stripped.lstrip()) + 1
    return Span(file, number, start, number, max(len(stripped) + 1, start + 1))


def syntax_error(file: str, number: int, text: str, what: str, column: int | None = None) -> Diagnostic:
    column = column or len(text) - len(text.lstrip()) + 1
    return Diagnostic(
        SYNTAX_ERROR,
        Severity.ERROR,
        f"this line is not {what}",
        Span(file, number, column, number, max(column + 1, len(text.rstrip()) + 1)),
    )


def value_error(span: Span, message: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic(VALUE_ERROR, Severity.ERROR, message, span, hint=hint)


def parse_lines(
    source: SourceFile,
    grammar: str,
    what: str,
    diagnostics: list[Diagnostic],
    skip: Callable[[str], bool] = lambda text: not text.strip(),
) -> Iterator[Line]:
    """Parse each line of ``source`` with ``grammar``; yield the good ones, record the bad ones."""
    from elastix_halint.parsing.lalr import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

    from elastix_halint.parsing.larkkit import parse_line_text

    for number, text in enumerate(source.text.splitlines(), 1):
        if skip(text):
            continue
        try:
            tree = parse_line_text(grammar, text)
        except UnexpectedInput as exc:
            column = None
            if isinstance(exc, UnexpectedCharacters):
                column = exc.column
            elif isinstance(exc, UnexpectedToken) and getattr(exc.token, "column", None):
                column = exc.token.column
            diagnostics.append(syntax_error(source.path, number, text, what, column))
            continue
        yield Line(number, text, tree)


def result(kind: str, source: SourceFile, model, diagnostics: list[Diagnostic]) -> ParseResult:
    return ParseResult(kind=kind, source=source, model=model, diagnostics=tuple(diagnostics))


def load_with(parse, path: str, display: str | None = None) -> ParseResult:
    """Read a captured fact (an empty capture is a valid, empty fact) and parse it."""
    return parse(read_source(path, display, allow_empty=True))


def tokens(tree, *types: str) -> list:
    """The tokens of ``tree`` (any depth) whose type is one of ``types``, in order."""
    return [t for t in tree.scan_values(lambda v: getattr(v, "type", None) in types)]


def unique(items: list, key, what: str, diagnostics: list[Diagnostic]) -> list:
    """``items`` without later duplicates of ``key``; each duplicate is reported at its span."""
    seen: dict = {}
    out = []
    for item in items:
        k = key(item)
        if k in seen:
            diagnostics.append(value_error(item.span, f"{what} {k} is listed twice (first at line {seen[k].span.line})"))
            continue
        seen[k] = item
        out.append(item)
    return out


# Quote pairs GNU stat and coreutils use around names: 'x' (C locale, 8.x), ‘x’ (UTF-8
# locales), `x' (coreutils 5/6, CentOS 5), "x" (QUOTING_STYLE=c), and the shell-escape forms.
QUOTES = {"'": "'", '"': '"', "‘": "’", "`": "'", "«": "»", "“": "”"}


def unquote(text: str) -> tuple[str, str] | None:
    """Split ``text`` that starts with a quoted name into (name, rest after the closing quote).

    Handles shell-escape concatenations such as ``'a'\\''b'`` and ``'a'$'\\n''b'`` (coreutils
    8.25+) by joining adjacent quoted pieces. None when ``text`` does not start with a quote.
    """
    if not text or text[0] not in QUOTES and not text.startswith("$'"):
        return None
    out, i = [], 0
    while i < len(text):
        if text.startswith("$'", i):
            end = text.find("'", i + 2)
            if end < 0:
                return None
            out.append(text[i + 2 : end].encode("latin-1", "backslashreplace").decode("unicode_escape", "replace"))
            i = end + 1
        elif text[i] == "\\" and text.startswith("\\'", i):
            out.append("'")
            i += 2
        elif text[i] in QUOTES and (i == 0 or text[i - 1] in "'\"’»”"):
            close = QUOTES[text[i]]
            end = text.find(close, i + 1)
            if end < 0:
                return None
            out.append(text[i + 1 : end])
            i = end + 1
        else:
            break
    return "".join(out), text[i:]


def missing_path(message: str) -> str | None:
    """The path in ``stat: cannot stat 'X': No such file or directory`` (coreutils 8.32 and
    later say ``cannot statx``)."""
    rest = re.split(r"cannot statx?\b", message, maxsplit=1)[-1].strip()
    parsed = unquote(rest)
    return parsed[0] if parsed else None
