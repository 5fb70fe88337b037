"""drbdadm's flex scanner (drbd-utils ``drbdadm_scanner.fl`` of 8.3, 8.4 and 9), token by token.

The emulator (:mod:`elastix_halint.parsing.drbdadm`) judges a configuration the way drbdadm does; drbdadm's verdict often hangs
on how its scanner cuts the text, which is not how halint's own lexer does (that one keeps
``10.0.0.1:7788`` as one word for friendly messages). Flex takes the longest match at each
position, and on a tie the rule written first: keywords, (9: a module version ``1.2.3``),
IPv4 address, IPv6 address, number ``[0-9]{1,8}[MKGs]?``, quoted string, word
``[a-zA-Z0-9/._-]{1,128}`` (80 in 8.3), then the error tokens (a word one character longer
than that, a quoted string longer than 255, a quoted string that meets a backslash-newline or
the end of the line) and any other single character. Blanks are space, tab and CR; ``#``
starts a comment to the end of the line. Which words are keywords comes from the binaries
(``drbdadm_values.DRBDADM_VALUES[version]["keywords"]``, see contrib/drbdadm_probe.py).
"""

from __future__ import annotations

import functools
import re
from collections import namedtuple

from elastix_halint.model.drbdadm_values import DRBDADM_VALUES

EOF, OP, KW, STRING, INTEGER, IPADDR, IPADDR6, KMODVERS = "EOF", "OP", "KW", "STRING", "INTEGER", "IPADDR", "IPADDR6", "KMODVERS"
ERR_LONG, ERR_LONG_DQ, ERR_DQ, ELSE = "ERR_LONG", "ERR_LONG_DQ", "ERR_DQ", "ELSE"

_RUN = re.compile(r"[A-Za-z0-9/._-]+")
_NUM = re.compile(r"[0-9]{1,8}[MKGs]?")
_IPV4 = re.compile(r"(?:[0-9]{1,3}\.){3}[0-9]{1,3}")
_KMOD = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+")
_HEX4 = r"[0-9a-fA-F]{1,4}"
_IPV6 = re.compile(
    rf"(?:(?:(?:{_HEX4}:){{0,5}}{_HEX4})?:(?:{_HEX4})?:(?:{_HEX4}(?::{_HEX4}){{0,5}})?(?:%[a-zA-Z0-9/._-]{{1,128}})?)"
    r"|(?:::[fF]{4}:(?:[0-9]{1,3}\.){3}[0-9]{1,3})"
)
_IPV6_SPAN = re.compile(r"[0-9A-Za-z:%./_-]*")
_OPCHARS = frozenset("{};[]:")
_tuple_new = tuple.__new__  # a Tok without the Python-level __new__ namedtuple writes


class Tok(namedtuple("Tok", "kind text line raw column", defaults=(1,))):
    """``text``: a keyword, the character of OP/ELSE, the value (a quoted string unescaped);
    ``raw``: what the scanner matched (yytext before unescaping). collections.namedtuple:
    typing.NamedTuple would import typing at every start."""

    __slots__ = ()


def unescape(raw: str) -> str:
    """drbd-utils ``unescape``: quotes dropped, a backslash keeps the next character."""
    out, i = [], 0
    while i < len(raw):
        ch = raw[i]
        if ch == '"':
            i += 1
            continue
        if ch == "\\":
            i += 1
            if i >= len(raw):
                break
            ch = raw[i]
        out.append(ch)
        i += 1
    return "".join(out)


def _dq(text: str, pos: int) -> tuple[str, int]:
    """The quoted-string token at ``pos`` (a ``"``): its kind and length."""
    i, units, end = pos + 1, 0, len(text)
    while i < end and units < 256:
        ch = text[i]
        if ch == '"' or ch == "\n":
            break
        if ch == "\\":
            if i + 1 >= end or text[i + 1] == "\n":
                break
            i += 2
        else:
            i += 1
        units += 1
    # i stops at: a quote, a newline, a backslash before a newline/end, the end, or 256 units.
    best_kind, best_len = ELSE, 1
    if units <= 255 and i < end and text[i] == '"':
        best_kind, best_len = STRING, i + 1 - pos
    if units >= 255:  # LONG_DQSTRING: 255 units and any one more character but a newline
        j, n = pos + 1, 0
        while n < 255:
            j += 2 if text[j] == "\\" else 1
            n += 1
        if j < end and text[j] != "\n" and j + 1 - pos > best_len:
            best_kind, best_len = ERR_LONG_DQ, j + 1 - pos
    if units <= 255 and i < end and text[i] in "\\\n" and i + 1 - pos > best_len:
        best_kind, best_len = ERR_DQ, i + 1 - pos
    return best_kind, best_len


_FAST = re.compile(r"(\n)|([ \t\r]+)|(#[^\n]*)|([A-Za-z0-9/._-]+)|([{};\[\]])|(.)")
# The same pieces with the blanks before them, for _cuts: one match a token instead of two.
_BLANKS_THEN = re.compile(r"[ \t\r]*+(?:(\n)|(#[^\n]*)|([A-Za-z0-9/._-]+)|([{};\[\]])|(.))")


def scan(text: str, version: str) -> list[Tok]:
    """Every token of ``text`` as drbdadm ``version`` (``"8.3"``, ``"8.4"``, ``"9"``) reads it,
    ending with an EOF token.

    The versions cut a text at the same places unless a word is longer than 8.3's 80
    characters; where they cut, and all a version needs to name each piece, is computed once
    per text (:func:`_cuts`): each version only looks its own keywords up."""
    tokens: list[Tok] = []
    for part in scan_parts(text, version):
        tokens += part
    return tokens


def scan_parts(text: str, version: str, size: int = 2048):
    """:func:`scan`'s tokens in lists of up to ``size``, made when asked for: a reader that
    stops at an error (drbdadm 9 at the first 8.3 ``syncer`` block) never makes the rest."""
    cuts = _cuts(text)
    if cuts is None:
        yield _scan(text, version)
        return
    keywords = _keywords(version)
    kmod = version == "9"
    names: dict[str, str] = {}
    for start in range(0, len(cuts), size):
        yield _named(cuts[start:start + size], keywords, kmod, names)


def _named(cuts, keywords: frozenset, kmod: bool, names: dict[str, str]) -> list[Tok]:
    """The tokens of some cuts, named for a version (``names``: its word kinds so far)."""
    tokens: list[Tok] = []
    append = tokens.append
    new = _tuple_new
    for kind, raw, line, column, extra in cuts:
        if kind == "W":
            kind = names.get(raw)
            if kind is None:
                kind = names[raw] = _word_kind(raw, keywords, kmod)
        elif kind == "S":
            plain, with_kmod, run = extra
            kind = KW if run is not None and run in keywords else with_kmod if kmod else plain
        elif kind == STRING:
            append(new(Tok, (STRING, extra, line, raw, column)))
            continue
        append(new(Tok, (kind, raw, line, raw, column)))
    return tokens


def _word_kind(word: str, keywords: frozenset, kmod: bool) -> str:
    if word in keywords:
        return KW
    if kmod and _KMOD.fullmatch(word):
        return KMODVERS
    if _IPV4.fullmatch(word):
        return IPADDR
    if _NUM.fullmatch(word):
        return INTEGER
    return STRING


@functools.lru_cache(maxsize=8)
def _cuts(text: str):
    """The version-independent cut of ``text``: (kind, raw, line, column, extra) per token, or
    None when a word is longer than 80 characters (8.3 cuts it elsewhere). Kind ``W``: a plain
    word (its name is the version's: keyword or not); ``S``: a piece named by flex's longest
    match, ``extra`` = (its kind without keywords, the same for 9 that knows module versions,
    the word that would be a keyword as long as the piece, or None); a STRING's ``extra`` is
    its unescaped value."""
    out = []
    append = out.append
    line, pos, end, line_start = 1, 0, len(text), 0
    match = _BLANKS_THEN.match
    while pos < end:
        m = match(text, pos)
        if m is None:  # blanks up to the end
            pos = end
            break
        group = m.lastindex
        if group == 1:
            line += 1
            pos = line_start = m.end()
            continue
        if group == 2:
            pos = m.end()
            continue
        pos = m.start(group)
        column = pos - line_start + 1
        if group == 3:
            word = m.group(3)
            after = m.end()
            if len(word) > 80:
                return None
            if not (after < end and text[after] == ":"):
                append(("W", word, line, column, None))
                pos = after
                continue
            if _IPV4.fullmatch(word):  # the address of ``address 10.0.0.1:7788``: no keyword,
                append(("S", word, line, column, _AN_IPV4))  # no IPv6 starts with "d.", KMOD is shorter
                pos = after
                continue
        elif group == 4:
            append((OP, m.group(4), line, column, None))
            pos += 1
            continue
        elif text[pos] == '"':
            kind, length = _dq(text, pos)
            raw = text[pos:pos + length]
            append((kind, raw, line, column, unescape(raw) if kind == STRING else None))
            pos += length
            continue
        if text[pos] == ":" and _IPV6_SPAN.match(text, pos).group().count(":") < 2:
            append(("S", ":", line, column, _A_COLON))  # the `:` before a port: no IPv6 here
            pos += 1
            continue
        plain, length = _longest(text, pos, frozenset(), 128, False)
        if length > 80:
            return None
        # A keyword candidate is as long as the run of word characters here, and listed first
        # (_longest): it names the piece exactly when the run is the whole piece.
        run = _RUN.match(text, pos)
        word = run.group() if run and run.end() - pos == length else None
        append(("S", text[pos:pos + length], line, column, (plain, _longest(text, pos, frozenset(), 128, True)[0], word)))
        pos += length
    append((EOF, "", line, pos - line_start + 1, None))
    return tuple(out)


_AN_IPV4 = (IPADDR, IPADDR, None)
_A_COLON = (OP, OP, None)


def _scan(text: str, version: str) -> list[Tok]:
    """:func:`scan` for a text with a word longer than 80 characters, cut for one version."""
    keywords = _keywords(version)
    max_word = 80 if version == "8.3" else 128
    kmod = version == "9"
    tokens: list[Tok] = []
    append = tokens.append
    line, pos, end, line_start = 1, 0, len(text), 0
    match = _FAST.match
    while pos < end:
        m = match(text, pos)
        group = m.lastindex
        if group == 1:
            line += 1
            pos = line_start = m.end()
            continue
        if group in (2, 3):
            pos = m.end()
            continue
        column = pos - line_start + 1
        if group == 4:
            word = m.group()
            after = m.end()
            if not (after < end and text[after] == ":") and len(word) <= max_word:
                append(Tok(_word_kind(word, keywords, kmod), word, line, word, column))
                pos = after
                continue
        elif group == 5:
            ch = m.group()
            append(Tok(OP, ch, line, ch, column))
            pos += 1
            continue
        elif text[pos] == '"':
            kind, length = _dq(text, pos)
            raw = text[pos:pos + length]
            append(Tok(kind, unescape(raw) if kind == STRING else raw, line, raw, column))
            pos += length
            continue
        kind, length = _longest(text, pos, keywords, max_word, kmod)
        raw = text[pos:pos + length]
        append(Tok(kind, raw, line, raw, column))
        pos += length
    append(Tok(EOF, "", line, "", pos - line_start + 1))
    return tokens


def _keywords(version: str) -> frozenset:
    found = _KEYWORDS.get(version)
    if found is None:
        found = _KEYWORDS[version] = frozenset(DRBDADM_VALUES[version]["keywords"])
    return found


_KEYWORDS: dict[str, frozenset] = {}


def _longest(text: str, pos: int, keywords: frozenset, max_word: int, kmod: bool) -> tuple[str, int]:
    """The token at ``pos`` by flex's rule: the longest match, on a tie the rule listed first."""
    ch = text[pos]
    candidates: list[tuple[int, str]] = []
    run = _RUN.match(text, pos)
    run_len = run.end() - pos if run else 0
    if run_len and run.group() in keywords:
        candidates.append((run_len, KW))
    if kmod and run_len:
        m = _KMOD.match(text, pos)
        if m:
            candidates.append((m.end() - pos, KMODVERS))
    if run_len:
        m = _IPV4.match(text, pos)
        if m:
            candidates.append((m.end() - pos, IPADDR))
    if ch in "0123456789abcdefABCDEF:":
        seg = _IPV6_SPAN.match(text, pos).group()
        if seg.count(":") >= 2:
            for k in range(len(seg), 1, -1):
                if _IPV6.fullmatch(seg, 0, k):
                    candidates.append((k, IPADDR6))
                    break
    if run_len:
        m = _NUM.match(text, pos)
        if m:
            candidates.append((m.end() - pos, INTEGER))
        candidates.append((min(run_len, max_word), STRING))
        if run_len > max_word:
            candidates.append((max_word + 1, ERR_LONG))
    if ch in _OPCHARS:
        candidates.append((1, OP))
    candidates.append((1, ELSE))
    length = max(c[0] for c in candidates)
    return next(k for n, k in candidates if n == length), length
