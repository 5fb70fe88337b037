"""Text for people: names made safe to print on one line of a terminal, counted nouns.

File names come from a node or an archive and may hold a newline (which splits a report line
in two), escape sequences (which the admin's terminal would obey) or bytes that are not UTF-8
(kept by Python as surrogates). Human-readable lines go through :func:`printable`, which writes
those characters as ``ls -b`` does (``\\n``, ``\\t``, ``\\033``, ``\\377``), so what the admin
reads matches what ``ls -b`` shows on the node. Machine output (JSON) escapes on its own.
"""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\udc80-\udcff]")
_NAMED = {"\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f", "\r": "\\r"}


def _escape(match: re.Match) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    # Each byte of the name in octal: an undecodable byte (kept as a surrogate) as itself, a C1
    # control as its two UTF-8 bytes, as ls -b writes them.
    data = bytes([ord(char) - 0xDC00]) if ord(char) >= 0xDC80 else char.encode()
    return "".join(f"\\{b:03o}" for b in data)


def printable(text: str) -> str:
    return _UNPRINTABLE.sub(_escape, text)


def count(n: int, word: str) -> str:
    """``1 file``, ``2 files``."""
    return f"{n} {word}{'' if n == 1 else 's'}"
