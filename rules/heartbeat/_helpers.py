"""Helpers and constants several heartbeat (ha.cf) rules share."""

from __future__ import annotations

from elastix_halint.lint.rule import Span


HACF = ("hacf",)
DEFAULT_KEEPALIVE_MS = 1000
DEFAULT_DEADTIME_MS = 30000
DEFAULT_UDPPORT = 694
MIN_INITDEAD_MS = 10000


def seconds(ms: int) -> str:
    return f"{ms / 1000:g}s" if ms % 1000 == 0 or ms >= 1000 else f"{ms}ms"


def file_span(ctx) -> Span | None:
    """The first line of the checked file: where a "missing from this file" finding points."""
    return Span.point(ctx.file.source.path, 1) if ctx.file is not None else None


def time_ms(tv, default: int | None) -> int | None:
    return tv.ms if tv is not None else default
