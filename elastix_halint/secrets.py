"""Keep secrets out of every output.

Models redact their own values (``to_json(redact=True)``); this module redacts *quoted source
lines* (code frames in reports, diffs) and *comments*, which come from raw text.

A secret is found two ways, and both apply everywhere, comments included:

* by syntax: the value of ``shared-secret``, the key of an authkeys ``N METHOD KEY`` line, the
  device parameters of an ha.cf ``stonith``/``stonith_host`` line — also when the statement is
  commented out (``#3 md5 OLDKEY``, ``# shared-secret "old";``);
* by value: a secret known from its file (:func:`secrets_of_text`) written again in a comment
  (``shared-secret "abc"; # was abc``) is redacted there too.

Only the comment part of a line is searched for known values: outside comments a secret stands
where the syntax puts it, and replacing a word that happens to equal a secret would change the
meaning of a collected file.
"""

from __future__ import annotations

import functools
import re

MARK = "<redacted>"

# ASCII blanks only: a no-break space is part of a word for drbdadm and for Heartbeat.
_DRBD = re.compile(r'(shared-secret[ \t\r]+)("(?:[^"\\\n]|\\.)*"?|[^ \t\r\n;#]+)', re.IGNORECASE)
_AUTHKEYS_METHODS = frozenset({"crc", "md5", "sha1"})
_BLANKS = " \t\f\v\r"
_WORD = re.compile(r"[^ \t\f\v\r\n]+")
_INDEX = re.compile(r"[+-]?[0-9]+")
_COMMENTED_KEY = re.compile(r"(?:^|[ \t\f\v\r])(?:crc|md5|sha1)[ \t\f\v\r]+([^ \t\f\v\r].*?)[ \t\f\v\r]*$",
                            re.IGNORECASE)
# ha.cf stonith lines carry device passwords after the type.
_STONITH = re.compile(r"([ \t\f\v\r]*stonith(?:_host)?[ \t\f\v\r]+[^ \t\f\v\r]+[ \t\f\v\r]+[^ \t\f\v\r]+[ \t\f\v\r]+)"
                      r"([^ \t\f\v\r].*?)[ \t\f\v\r]*$", re.IGNORECASE)
_UNESCAPE = re.compile(r"\\(.)")


def comment_start(line: str, kind: str | None) -> int | None:
    """Index of the ``#`` that starts the comment of ``line`` for a file of ``kind``, or None.

    drbd.conf: the first ``#`` outside a quoted string (drbdadm's scanner); authkeys: only a
    ``#`` first on the line (Heartbeat's ``auth.c``; a key may contain ``#``); ha.cf,
    haresources, hosts: the first ``#``."""
    if kind == "authkeys":
        body = line.lstrip(_BLANKS)
        return len(line) - len(body) if body.startswith("#") else None
    if kind in (None, "drbd"):
        first = line.find("#")
        if first < 0 or '"' not in line[:first]:  # no quote before it: nothing hides it
            return first if first >= 0 else None
        quoted = False
        i = 0
        while i < len(line):
            ch = line[i]
            if quoted and ch == "\\":
                i += 2
                continue
            if ch == '"':
                quoted = not quoted
            elif ch == "#" and not quoted:
                return i
            i += 1
        return None
    found = line.find("#")
    return found if found >= 0 else None


def _authkeys_key(text: str, base: int = 0, commented: bool = False) -> list[tuple[int, int]]:
    """Where the key is in an authkeys key line ``N METHOD KEY`` (or ``N KEY``: a key typed
    where the method belongs). In a comment's text (``commented``) only a line that starts like
    a key line counts (``3 md5 OLDKEY``, ``md5 OLDKEY``), not prose."""
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    if not words or words[0][2].lower() == "auth" or words[0][2].startswith("#"):
        return []
    if commented and not (_INDEX.fullmatch(words[0][2]) or words[0][2].lower() in _AUTHKEYS_METHODS):
        # Prose before a key line ("old: 2 sha1 KEY"): the words after a method name.
        m = _COMMENTED_KEY.search(text)
        return [(base + m.start(1), base + m.end(1))] if m else []
    if words[0][2].lower() in _AUTHKEYS_METHODS:  # "md5 KEY" (an index left out)
        words = [(0, 0, "")] + words
    if len(words) < 2 or (len(words) == 2 and words[1][2].lower() in _AUTHKEYS_METHODS):
        return []
    # The key, and the word in the method's place too when it is no method nor a misspelt one:
    # then it is a key (``1 KEY``, ``1 sha1KEY`` after a lost blank, ``1 KEY sha1``) - as
    # model.authkeys.AuthKey.shown_method decides.
    first = 1 if len(words) == 2 or _may_be_key(words[1][2]) else 2
    return [(base + words[first][0], base + words[-1][1])]


def _may_be_key(word: str) -> bool:
    from elastix_halint.parsing.larkkit import suggest

    return word.lower() not in _AUTHKEYS_METHODS and suggest(word, sorted(_AUTHKEYS_METHODS)) is None


def _syntax_ranges(line: str, kind: str | None) -> list[tuple[int, int]]:
    """Secrets placed by the syntax of ``kind`` anywhere on ``line``, comments included."""
    if kind == "authkeys":
        cut = comment_start(line, kind)
        if cut is None:
            return _authkeys_key(line)
        return _authkeys_key(line[cut + 1:], cut + 1, commented=True)
    if kind == "hacf":
        out = []
        m = _STONITH.match(line)
        if m:
            out.append((m.start(2), m.end(2)))
        cut = comment_start(line, kind)
        if cut is not None:
            m = _STONITH.search(line, cut + 1)
            if m:
                out.append((m.start(2), m.end(2)))
        return out
    if kind in (None, "drbd"):
        return [(m.start(2), m.end(2)) for m in _DRBD.finditer(line)]
    return []


def _known_ranges(line: str, kind: str | None, known) -> list[tuple[int, int]]:
    """Every occurrence of a known secret in the comment part of ``line``."""
    if not known:
        return []
    cut = comment_start(line, kind)
    if cut is None:
        return []
    out = []
    for secret in known:
        pos = line.find(secret, cut)
        while pos >= 0:
            out.append((pos, pos + len(secret)))
            pos = line.find(secret, pos + 1)
    return out


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for a, b in sorted(r for r in ranges if r[1] > r[0]):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def secret_ranges(line: str, kind: str | None, known=(), mark=None) -> list[tuple[int, int, str]]:
    """Where the secrets of ``line`` are: (start, end, replacement), 0-based, end exclusive.
    ``mark(secret)`` gives the replacement of a secret (default: ``<redacted>``); a quoted
    drbd.conf value keeps its quotes."""
    out = []
    for a, b in _merge(_syntax_ranges(line, kind) + _known_ranges(line, kind, known)):
        raw = line[a:b]
        quoted = len(raw) >= 2 and raw[0] == '"' and raw[-1] == '"' and kind in (None, "drbd")
        shown = mark(_secret_value(raw)) if mark else MARK
        out.append((a, b, f'"{shown}"' if quoted else shown))
    return out


def replace_secrets(text: str, kind: str | None, known=(), mark=None) -> str:
    """``text`` with every secret (:func:`secret_ranges`) of every line replaced by ``mark(secret)``."""
    out = []
    for line in text.split("\n"):
        ranges = secret_ranges(line, kind, known, mark)
        pos, parts = 0, []
        for a, b, rep in ranges:
            parts += [line[pos:a], rep]
            pos = b
        parts.append(line[pos:])
        out.append("".join(parts))
    return "\n".join(out)


def redact_line(line: str, kind: str | None, known=()) -> str:
    """``line`` with any secret on it replaced by ``<redacted>``."""
    return redact_columns(line, kind, known)[0]


def redact_columns(line: str, kind: str | None, known=()):
    """``line`` redacted, and a function mapping a 1-based column of the original line to the
    redacted one, so a caret drawn under a span still points at the same word."""
    ranges = secret_ranges(line, kind, known)
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
    return replace_secrets(text, kind, secrets_of_text(text, kind))


def redact_comment(text: str, kind: str | None, known=()) -> str:
    """A comment's text (without its ``#``) with every secret in it replaced: a commented-out
    statement's secret, and any known secret written in it."""
    line = "#" + text
    return redact_line(line, kind, known)[1:]


def _secret_value(raw: str) -> str:
    """The secret as drbdadm or Heartbeat reads it: unquoted and unescaped."""
    if raw.startswith('"'):
        body = raw[1:-1] if raw.endswith('"') and len(raw) > 1 else raw[1:]
        return _UNESCAPE.sub(r"\1", body)
    return raw


@functools.lru_cache(maxsize=256)
def secrets_of_text(text: str, kind: str | None) -> frozenset[str]:
    """Every secret a file of ``kind`` holds, found by syntax (commented-out ones too), as
    written and as the tool reads it (quotes and escapes removed)."""
    if kind not in (None, "drbd", "authkeys", "hacf"):
        return frozenset()
    if kind in (None, "drbd") and "secret" not in text.lower():
        return frozenset()
    found: set[str] = set()
    for raw in _secrets_written(text, kind):
        found.add(raw)
        found.add(_secret_value(raw))
    return frozenset(s for s in found if s.strip())


def _secrets_written(text: str, kind: str | None) -> list[str]:
    """Each secret the syntax of ``kind`` places in ``text``, as written."""
    if kind in (None, "drbd"):
        # No match of _DRBD crosses a line end, so one pass over the whole text finds what a
        # pass over each line would (a 400-resource drbd.conf: 4,400 lines, one secret).
        return [m.group(2) for m in _DRBD.finditer(text)]
    return [line[a:b] for line in text.split("\n") for a, b in _syntax_ranges(line, kind)]


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
    # Only a marker can be one (and hashing imports hashlib: not for every plain secret).
    return value == candidate or (is_marker(value) and value == marker_for(candidate))
