"""What every parser returns."""

from __future__ import annotations

from typing import Generic, TypeVar

from elastix_halint.diagnostics import Diagnostic, Severity
from elastix_halint.model.record import Record, field
from elastix_halint.source import SourceFile

M = TypeVar("M")

REDACTED = "<redacted>"


class ParseResult(Record, Generic[M]):
    kind: str
    source: SourceFile
    model: M | None
    diagnostics: tuple[Diagnostic, ...] = ()
    # Other files read on the way (drbd includes), so reports can quote their lines.
    sources: tuple[SourceFile, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not any(d.severity >= Severity.ERROR for d in self.diagnostics)

    def all_sources(self) -> tuple[SourceFile, ...]:
        return (self.source, *self.sources)
