"""What every lint report shares: counts, the summary line, where a file really is."""

from __future__ import annotations

import os
from collections import Counter

from elastix_halint.diagnostics import Severity
from elastix_halint.shown import count


def counts(problems) -> dict[str, int]:
    c = Counter(str(p.severity) for p in problems)
    return {"error": c["error"], "warning": c["warning"], "info": c["info"]}


def summary_line(run, fixed: int = 0) -> str:
    c = counts(run.problems)
    if not run.problems:
        text = "No problems found"
    else:
        text = (
            f"Found {count(len(run.problems), 'problem')} "
            f"({count(c['error'], 'error')}, {count(c['warning'], 'warning')}, {c['info']} info)"
        )
    fixable = sum(1 for p in run.problems if p.fix is not None)
    extras = []
    if fixable:
        extras.append(f"{fixable} fixable with --fix")
    if fixed:
        extras.append(f"{fixed} fixed")
    if run.suppressed:
        extras.append(f"{run.suppressed} suppressed")
    return text + (f"; {', '.join(extras)}" if extras else "") + "."


def physical_path(path: str | None, sources: dict, base: str | None = None) -> str | None:
    """The file as it is on this disk (the reported name can be a node path such as
    ``/etc/drbd.conf``), relative to ``base`` (default: the working directory) when under it."""
    if path is None:
        return None
    info = sources.get(path)
    real = (info.source.real_path or info.source.path) if info else path
    base = os.path.abspath(base or os.getcwd())
    absolute = os.path.abspath(real)
    if absolute == base or absolute.startswith(base.rstrip(os.sep) + os.sep):
        return os.path.relpath(absolute, base).replace(os.sep, "/")
    return absolute.replace(os.sep, "/")


def source_line(span, sources: dict) -> tuple[str, str | None] | None:
    """Line ``span.line`` of its file as written, and the file's kind (None when unknown).

    Callers redact it (``frames.quoted_frame`` also moves the caret to match)."""
    info = sources.get(span.file) if span else None
    if info is None:
        return None
    return info.source.line(span.line), info.kind


def known_secrets(sources: dict) -> frozenset:
    """The secrets of every file in ``sources`` (:func:`secrets.secrets_of_text`): a quoted
    line hides them wherever they stand in a comment, also a comment of another file."""
    from elastix_halint.secrets import secrets_of_text

    found: set[str] = set()
    for info in sources.values():
        found |= secrets_of_text(info.source.text, info.kind)
    return frozenset(found)


def run_secrets(run) -> frozenset:
    """:func:`known_secrets` of every file a lint run read (each cluster has its own sources)."""
    tables = {id(p.sources): p.sources for p in run.problems}
    tables[id(run.sources)] = run.sources
    return frozenset().union(*(known_secrets(t) for t in tables.values()))


def quoted_line(span, sources: dict, known=None) -> str | None:
    """Line ``span.line`` of its file, secrets redacted (None when the file is unknown)."""
    from elastix_halint.secrets import redact_line

    found = source_line(span, sources)
    if not found:
        return None
    return redact_line(*found, known_secrets(sources) if known is None else known)


def worst(problems) -> Severity | None:
    return max((p.severity for p in problems), default=None)
