"""Diagnostics: what parsers and rules report. A diagnostic points at a span; it never holds
the raw text of a secret (reports quote source lines through the redacting source view)."""

from __future__ import annotations

import enum

from elastix_halint.model.record import Record, field
from elastix_halint.model.span import Span


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use error, warning or info)") from None

    def __str__(self) -> str:
        return self.name.lower()


class Edit(Record):
    """Replace the text at ``span`` (single line) with ``replacement``: the unit of ``--fix``."""

    span: Span
    replacement: str


class Diagnostic(Record):
    code: str
    severity: Severity
    message: str
    span: Span | None = None
    hint: str | None = None
    suggestion: str | None = None
    related: tuple[Span, ...] = ()
    fixes: tuple[Edit, ...] = field(default=())

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "span": self.span.to_json() if self.span else None,
            "hint": self.hint,
            "suggestion": self.suggestion,
            "related": [s.to_json() for s in self.related],
        }

    def one_line(self) -> str:
        where = f"{self.span}: " if self.span else ""
        extra = f" (did you mean '{self.suggestion}'?)" if self.suggestion else ""
        return f"{where}{self.severity}: {self.message}{extra} [{self.code}]"


# Codes of diagnostics produced by the parsing layer (rules have their own IDs).
SYNTAX_ERROR = "PARSE001"  # the grammar rejects the text
VALUE_ERROR = "PARSE002"  # grammatical, but a value cannot be understood (bad size, bad IP...)
INCLUDE_ERROR = "PARSE003"  # include of a missing file, an include cycle
ENCODING_WARNING = "PARSE004"  # not UTF-8: decoded as Latin-1
