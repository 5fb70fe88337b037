"""A reported problem: a rule's Finding (or a parser Diagnostic) resolved to spans, severity
and the file kind used to redact quoted lines. Every report format renders these."""

from __future__ import annotations

from elastix_halint.diagnostics import Edit, Severity
from elastix_halint.model.record import Record, field
from elastix_halint.model.span import Span, json_home


class Problem(Record):
    rule_id: str
    rule_name: str
    severity: Severity
    message: str
    span: Span | None  # None: about a whole file (``path``) or a whole node
    path: str | None = None
    node: str | None = None
    hint: str | None = None
    suggestion: str | None = None
    related: tuple[Span, ...] = ()
    fix: Edit | None = None
    # The linted cluster's files (display path -> SourceInfo): bundles linted in one invocation
    # can share display paths, so each problem keeps its own table for quoting and locating.
    sources: dict = field(default_factory=dict, compare=False, repr=False)

    def sort_key(self) -> tuple:
        s = self.span
        return (self.path or "", s.line if s else 0, s.column if s else 0, self.rule_id, self.message)

    def to_json(self) -> dict:
        """Spans (docs/json-lint.md) leave out the file when it is the problem's ``file``."""
        previous = json_home(self.path)
        try:
            return self._json()
        finally:
            json_home(previous)

    def _json(self) -> dict:
        return {
            "rule": self.rule_id,
            "name": self.rule_name,
            "severity": str(self.severity),
            "message": self.message,
            "file": self.path,
            "node": self.node,
            "span": self.span.to_json() if self.span else None,
            "hint": self.hint,
            "suggestion": self.suggestion,
            "related": [r.to_json() for r in self.related],
            "fix": {"span": self.fix.span.to_json(), "replacement": self.fix.replacement} if self.fix else None,
        }
