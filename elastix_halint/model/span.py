"""Source positions carried by every model node.

Conventions (the same as Lark's and SARIF's): lines and columns are 1-based, ``end_column`` is
the column *after* the last character, so a one-character token at column 5 has
``column=5, end_column=6``.

In JSON a span is ``[line, column, end_line, end_column]``, followed by its file only when that
is not the file the enclosing document part is about (``halint parse``: the file entry's
``path``; ``halint lint``: the problem's ``file``), e.g. a line of an included file or of the
other node. The JSON writers say which file that is with :func:`json_home`.
"""

from __future__ import annotations

from elastix_halint.model.record import Record


class SpanJSON(list):
    """A span's JSON value (a list, which jsontext writes on one line)."""

    __slots__ = ()


_home: list = [None]  # the file spans written now need not name


def json_home(file: str | None) -> str | None:
    """Make ``file`` the one spans leave out of their JSON form from now on; returns the
    previous one (give it back when done)."""
    previous, _home[0] = _home[0], file
    return previous


def json_home_now() -> str | None:
    """The file spans leave out of their JSON form now."""
    return _home[0]


class Span(Record):
    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, file: str, line: int, column: int = 1) -> "Span":
        return cls(file, line, column, line, column + 1)

    @classmethod
    def whole_line(cls, file: str, line: int, text: str) -> "Span":
        return cls(file, line, 1, line, len(text) + 1)

    def to_json(self) -> SpanJSON:
        if self.file == _home[0]:  # self[1:]: line, column, end_line, end_column
            return SpanJSON(self[1:])
        return SpanJSON((*self[1:], self.file))

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"
