"""Helpers of the heartbeat rules (and constants they share); rules of other families import some of them."""

from __future__ import annotations

import re

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


def physical(ifname: str) -> str:
    """The NIC behind an alias (``eth0:0``) or VLAN (``eth0.100``): they share its cable."""
    return re.split(r"[:.]", ifname, maxsplit=1)[0]


def interfaces(node) -> set[str] | None:
    """Interface names of a node (also those without an address), None when not captured."""
    facts = getattr(node, "facts", None)
    if facts is None or facts.ipaddrs is None:
        return None
    names = {a.ifname for a in facts.ipaddrs} | {a.label for a in facts.ipaddrs if a.label}
    source = facts.sources.get("ipaddrs")
    listed = getattr(getattr(source, "model", None), "interfaces", ()) or ()
    return names | set(listed)


def time_ms(tv, default: int | None) -> int | None:
    return tv.ms if tv is not None else default
