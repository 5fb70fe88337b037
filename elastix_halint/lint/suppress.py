"""Inline suppressions: ``# halint: ignore[ID,...]`` on the offending line, or on the line that
opens the block the finding is in (models of block files tell which lines those are through
``enclosing_block_lines(file, line)``). IDs may also be rule names."""

from __future__ import annotations

import re

from elastix_halint.model.record import Mutable, field

_PATTERN = re.compile(r"halint:\s*ignore\[([^\]]*)\]", re.IGNORECASE)


class Suppression(Mutable):
    comment: object  # the model Comment (has .span)
    refs: tuple[str, ...]  # as written
    used: set[str] = field(default_factory=set)  # refs that suppressed something

    @property
    def line(self) -> int:
        return self.comment.span.line

    @property
    def file(self) -> str:
        return self.comment.span.file


def parse_comment(comment) -> tuple[str, ...] | None:
    m = _PATTERN.search(comment.text)
    if not m:
        return None
    return tuple(r.strip() for r in m.group(1).split(",") if r.strip())


class SuppressionIndex:
    """Suppressions of every linted file, and which model owns each file (for block lookups)."""

    def __init__(self):
        self.by_line: dict[tuple[str, int], list[Suppression]] = {}
        self.models: dict[str, object] = {}
        self.all: list[Suppression] = []

    def add_model(self, model, files: tuple[str, ...]) -> None:
        for f in files:
            self.models.setdefault(f, model)
        for comment in getattr(model, "comments", ()) or ():
            refs = parse_comment(comment)
            if refs is None:
                continue
            key = (comment.span.file, comment.span.line)
            if any(s.comment.span == comment.span for s in self.by_line.get(key, ())):
                continue  # the same included file seen through two models
            sup = Suppression(comment, refs)
            self.by_line.setdefault(key, []).append(sup)
            self.all.append(sup)

    def _lines(self, file: str, line: int) -> list[int]:
        lines = [line]
        model = self.models.get(file)
        enclosing = getattr(model, "enclosing_block_lines", None)
        if enclosing is not None:
            lines += [n for n in enclosing(file, line) if n != line]
        return lines

    def match(self, span, rule_id: str, rule_name: str) -> Suppression | None:
        """The suppression that silences ``rule_id`` at ``span`` (marked used), or None."""
        if span is None or not self.by_line:
            return None
        for line in self._lines(span.file, span.line):
            for sup in self.by_line.get((span.file, line), ()):
                for ref in sup.refs:
                    if ref.upper() == rule_id or ref.lower() == rule_name:
                        sup.used.add(ref)
                        return sup
        return None
