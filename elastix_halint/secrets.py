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


def redact_line(line: str, kind: str | None) -> str:
    """``line`` with any secret on it replaced by ``<redacted>``."""
    if kind == "authkeys":
        return _redact_authkeys(line)
    if kind == "hacf":
        return _STONITH.sub(lambda m: m.group(1) + MARK + m.group(3), line)
    if kind in (None, "drbd"):
        return _DRBD.sub(lambda m: m.group(1) + ('"' + MARK + '"' if m.group(2).startswith('"') else MARK), line)
    return line


def _redact_authkeys(line: str) -> str:
    words = line.split()
    if not words or words[0].startswith("#") or words[0].lower() == "auth":
        return line
    if len(words) == 2 and words[1].lower() not in _METHODS:
        # "1 MySecret": a key typed where the method belongs.
        head = line[: len(line) - len(line.lstrip())] + words[0]
        return head + " " + MARK
    return _AUTHKEYS.sub(lambda m: m.group(1) + MARK + m.group(3), line)


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
