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


def default_initdead(dead_ms: int) -> int:
    """Heartbeat's initdead when ha.cf does not set it (config.c)."""
    if dead_ms > 10000:
        return dead_ms
    return 12000 if dead_ms < 6000 else 2 * dead_ms


def initdead_ms(times) -> int | None:
    """The initdead Heartbeat uses: ha.cf's, else its default from deadtime (None if unreadable)."""
    if times.initdead is not None:
        return times.initdead.ms
    dead = time_ms(times.deadtime, DEFAULT_DEADTIME_MS)
    return None if dead is None else default_initdead(dead)
