"""Source positions carried by every model node.

Conventions (the same as Lark's and SARIF's): lines and columns are 1-based, ``end_column`` is
the column *after* the last character, so a one-character token at column 5 has
``column=5, end_column=6``.
"""

from __future__ import annotations

from elastix_halint.model.record import Record


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

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"
