"""Plumbing shared by the line-structured fact parsers.

Command outputs are parsed one line at a time with a small Lark LALR grammar, so one garbled line
becomes one diagnostic at its own line and the rest of the file is still read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from elastix_halint.diagnostics import SYNTAX_ERROR, VALUE_ERROR, Diagnostic, Severity
from elastix_halint.model.span import Span
from elastix_halint.parsing.result import ParseResult
from elastix_halint.source import SourceFile, read_source


@dataclass(frozen=True)
class Line:
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
    from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

    from elastix_halint.parsing.larkkit import lark_parser

    parser = lark_parser(grammar)
    for number, text in enumerate(source.text.splitlines(), 1):
        if skip(text):
            continue
        try:
            tree = parser.parse(text)
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
