"""Helpers shared by the tests of the Heartbeat and hosts parsers (tests/test_hb_*.py)."""

from __future__ import annotations

from pathlib import Path

from elastix_halint.source import SourceFile

HB_DATA = Path(__file__).resolve().parent / "data" / "hb"


def parse_text(module, text: str, path: str = "f"):
    """Parse ``text`` as if read from ``path`` (no file system involved)."""
    return module.parse(SourceFile(path=path, text=text))


def write_and_load(module, tmp_path: Path, name: str, text: str):
    """Write ``text`` to ``tmp_path/name`` and load it the way ``halint`` does."""
    target = tmp_path / name
    target.write_text(text, encoding="utf-8")
    return module.load(str(target))


def by_line(result) -> dict[int, list]:
    """Diagnostics of ``result`` grouped by the line they point at."""
    out: dict[int, list] = {}
    for d in result.diagnostics:
        out.setdefault(d.span.line, []).append(d)
    return out


def assert_spans_inside(result, text: str) -> None:
    """Every diagnostic points inside the file (lines 1..n, columns inside or just past the line)."""
    lines = text.split("\n")
    count = max(len(lines), 1)
    for d in result.diagnostics:
        assert d.span is not None, d
        assert 1 <= d.span.line <= d.span.end_line <= count, (d, count)
        assert d.span.column >= 1 and d.span.end_column >= 1, d
        assert d.span.column <= len(lines[d.span.line - 1]) + 1, (d, lines[d.span.line - 1])
