"""Keep secrets out of every output.

Models redact their own values (``to_json(redact=True)``); this module redacts *quoted source
lines* (code frames in reports, diffs), which come from raw text.
"""

from __future__ import annotations

import re

MARK = "<redacted>"

_DRBD = re.compile(r'(shared-secret\s+)("(?:[^"\\\n]|\\.)*"?|[^\s;]+)', re.IGNORECASE)
# authkeys: "N method KEY" — the key is everything after the method.
_AUTHKEYS = re.compile(r"^(\s*\S+\s+\S+\s+)(\S.*?)(\s*)$")
_METHODS = frozenset({"crc", "md5", "sha1"})
# ha.cf stonith lines carry device passwords after the type.
_STONITH = re.compile(r"^(\s*stonith(?:_host)?\s+\S+\s+\S+\s+)(\S.*?)(\s*)$", re.IGNORECASE)


def _secret_ranges(line: str, kind: str | None) -> list[tuple[int, int, str]]:
    """Where the secrets of ``line`` are: (start, end, replacement), 0-based, end exclusive."""
    if kind == "authkeys":
        words = line.split()
        if not words or words[0].startswith("#") or words[0].lower() == "auth":
            return []
        if len(words) == 2 and words[1].lower() not in _METHODS:
            # "1 MySecret": a key typed where the method belongs.
            m = re.match(r"^(\s*\S+\s+)(\S.*?)\s*$", line)
        else:
            m = _AUTHKEYS.match(line)
        return [(m.start(2), m.end(2), MARK)] if m else []
    if kind == "hacf":
        m = _STONITH.match(line)
        return [(m.start(2), m.end(2), MARK)] if m else []
    if kind in (None, "drbd"):
        return [
            (m.start(2), m.end(2), '"' + MARK + '"' if m.group(2).startswith('"') else MARK)
            for m in _DRBD.finditer(line)
        ]
    return []


def redact_line(line: str, kind: str | None) -> str:
    """``line`` with any secret on it replaced by ``<redacted>``."""
    return redact_columns(line, kind)[0]


def redact_columns(line: str, kind: str | None):
    """``line`` redacted, and a function mapping a 1-based column of the original line to the
    redacted one, so a caret drawn under a span still points at the same word."""
    ranges = _secret_ranges(line, kind)
    if not ranges:
        return line, (lambda column, end=False: column)
    out, pos = [], 0
    for a, b, rep in ranges:
        out += [line[pos:a], rep]
        pos = b
    out.append(line[pos:])

    def remap(column: int, end: bool = False) -> int:
        index, shift = column - 1, 0
        for a, b, rep in ranges:
            if index >= b:
                shift += len(rep) - (b - a)
            elif index > a or (index == a and end):
                # Inside a secret: the start of the marker, or its end for an end column.
                return a + shift + (len(rep) if end else 0) + 1
        return index + shift + 1

    return "".join(out), remap


def redact_text(text: str, kind: str | None) -> str:
    return "\n".join(redact_line(line, kind) for line in text.split("\n"))


# ``halint collect`` without --with-secrets writes this marker in place of each secret. It keeps
# the file valid for its parser, and equal secrets give equal markers, so the rules can still
# tell "same on both nodes" and "a well-known sample value" without ever seeing the secret.
MARKER_PREFIX = "halint-redacted-"


def marker_for(secret: str) -> str:
    import hashlib

    return MARKER_PREFIX + hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16]


def is_marker(value: str) -> bool:
    return value.startswith(MARKER_PREFIX) and len(value) == len(MARKER_PREFIX) + 16


def same_secret(value: str, candidate: str) -> bool:
    """Whether ``value`` (a secret or its marker) is ``candidate`` (a plain known value)."""
    return value == candidate or value == marker_for(candidate)
