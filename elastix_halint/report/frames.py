"""Quote a source line with a caret under a span: shared by ``parse`` and ``lint`` reports."""

from __future__ import annotations

from elastix_halint.diagnostics import Severity
from elastix_halint.model.span import Span

# Rich style of each severity, the same in parse and lint reports.
SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def caret_frame(line_text: str, span: Span, gutter: str = "") -> list[str]:
    """Two lines: the source line and a caret row under ``span`` (clipped to the line)."""
    text = line_text.expandtabs(1).rstrip("\n")
    start = max(span.column - 1, 0)
    end = span.end_column - 1 if span.end_line == span.line else len(text)
    end = max(min(end, len(text)), start + 1)
    width = len(str(span.line))
    return [
        f"{gutter}{span.line:>{width}} | {text}",
        f"{gutter}{' ' * width} | {' ' * start}{'^' * (end - start)}",
    ]


def quoted_frame(line_text: str, span: Span, kind: str | None, redact: bool = True, gutter: str = "",
                 known=()) -> list[str]:
    """``caret_frame`` of a source line with its secrets redacted and the caret moved to match."""
    if not redact:
        return caret_frame(line_text, span, gutter)
    from elastix_halint.model.record import replace
    from elastix_halint.secrets import redact_columns

    text, remap = redact_columns(line_text, kind, known)
    if text is line_text:
        return caret_frame(line_text, span, gutter)
    end_column = remap(span.end_column, end=True) if span.end_line == span.line else span.end_column
    return caret_frame(text, replace(span, column=remap(span.column), end_column=end_column), gutter)


def detail_lines(line_text: str | None, span: Span | None, kind: str | None, suggestion: str | None,
                 hint: str | None, redact: bool = True, gutter: str = "    ", known=()) -> list[tuple[str, str]]:
    """What reports print under a diagnostic: the code frame, "did you mean", the hint.
    ``known``: secrets of the files (:func:`report.common.known_secrets`), hidden in comments.

    Returns ``(text, style)`` pairs; ``style`` is a Rich style for the whole line or "".
    """
    rows: list[tuple[str, str]] = []
    if line_text is not None and span is not None:
        rows += [(row, "") for row in quoted_frame(line_text, span, kind, redact, gutter, known)]
    if suggestion:
        rows.append((f"{gutter}did you mean {suggestion}?", ""))
    if hint:
        rows.append((f"{gutter}hint: {hint}", ""))
    return rows


def make_console(stderr: bool = False, file=None):
    """A Rich console that keeps colour off when not on a TTY or when NO_COLOR is set."""
    import os

    from rich.console import Console

    no_color = bool(os.environ.get("NO_COLOR"))
    return Console(stderr=stderr, file=file, highlight=False, no_color=no_color, soft_wrap=True)
