"""``stat -c '%F|%n|%N' PATH...``: file type, path and (for symlinks) target of each path.

Read without a grammar on purpose: a path may hold any character (``|`` and blanks included)
and the quoting of ``%N`` differs between coreutils versions and locales (``'x'``, ``‘x’``,
`` `x' ``, ``"x"``, shell-escape pieces), so each line is split where the quoted ``%N`` name
repeats the ``%n`` path.
"""

from __future__ import annotations

from elastix_halint.diagnostics import VALUE_ERROR, Diagnostic, Severity
from elastix_halint.model.facts import LinkEntry, LinkListing
from elastix_halint.model.span import Span
from elastix_halint.parsing.facts._lines import load_with, missing_path, result, syntax_error, unique, unquote
from elastix_halint.source import SourceFile

KIND = "links"

FILE_TYPES = (
    "symbolic link", "directory", "regular file", "regular empty file", "fifo", "socket",
    "character special file", "block special file", "weird file",
)
ARROW = " -> "


def sniff(text: str) -> bool:
    first = text.lstrip().split("\n", 1)[0]
    return first.count("|") >= 2 and first.split("|", 1)[0] in FILE_TYPES


def split_line(text: str) -> tuple[str, str, str | None] | None:
    """(file type, path, target or None) of one line, or None when it is not of this form."""
    ftype, sep, rest = text.partition("|")
    if not sep:
        return None
    cut = rest.find("|")
    while cut >= 0:
        path, quoted = rest[:cut], rest[cut + 1 :]
        parsed = unquote(quoted)
        if parsed and parsed[0] == path:
            tail = parsed[1].rstrip()
            if not tail:
                return ftype, path, None
            if tail.startswith(ARROW) and (target := unquote(tail[len(ARROW) :])) and not target[1].strip():
                return ftype, path, target[0]
        cut = rest.find("|", cut + 1)
    return None


def parse(source: SourceFile):
    diags: list[Diagnostic] = []
    entries, missing = [], []
    for number, text in enumerate(source.text.splitlines(), 1):
        if not text.strip():
            continue
        if text.startswith("stat: cannot stat"):
            path = missing_path(text)
            if path:
                missing.append((path, Span(source.path, number, 1, number, len(text) + 1)))
            continue
        parts = split_line(text)
        if parts is None:
            diags.append(syntax_error(source.path, number, text, "a stat -c '%F|%n|%N' line"))
            continue
        ftype, path, target = parts
        start = len(ftype) + 2
        span = Span(source.path, number, start, number, start + len(path))
        if ftype not in FILE_TYPES:
            diags.append(Diagnostic(VALUE_ERROR, Severity.WARNING, f"unknown file type {ftype!r}", Span(source.path, number, 1, number, len(ftype) + 1)))
        entries.append(LinkEntry(path, ftype, target, span))
    entries = unique(entries, lambda e: e.path, "path", diags)
    return result(KIND, source, LinkListing(tuple(entries), *_unzip(missing)), diags)


def _unzip(missing: list[tuple[str, Span]]) -> tuple[tuple[str, ...], tuple[Span, ...]]:
    return tuple(p for p, _ in missing), tuple(s for _, s in missing)


def load(path: str, display: str | None = None):
    return load_with(parse, path, display)
