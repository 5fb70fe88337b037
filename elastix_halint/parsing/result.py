"""What every parser returns."""

from __future__ import annotations

from elastix_halint.diagnostics import Diagnostic, Severity
from elastix_halint.model.record import Record, field
from elastix_halint.source import SourceFile

REDACTED = "<redacted>"


class ParseResult(Record):
    """``ParseResult[DrbdConfig]`` in annotations says which model ``model`` is (subscripting
    returns the class itself: typing.Generic would import typing at every start)."""

    kind: str
    source: SourceFile
    model: object | None
    diagnostics: tuple[Diagnostic, ...] = ()
    # Other files read on the way (drbd includes), so reports can quote their lines.
    sources: tuple[SourceFile, ...] = field(default=())

    def __class_getitem__(cls, _model):
        return cls

    @property
    def ok(self) -> bool:
        return not any(d.severity >= Severity.ERROR for d in self.diagnostics)

    def all_sources(self) -> tuple[SourceFile, ...]:
        return (self.source, *self.sources)
