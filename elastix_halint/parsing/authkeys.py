"""``/etc/ha.d/authkeys`` → :class:`~elastix_halint.model.authkeys.AuthKeys`.

Parse level: lines Heartbeat cannot read (PARSE001), key indexes out of range and unknown
methods (PARSE002, with the method meant: ``shal`` → ``sha1``), words after the key that
Heartbeat ignores. The file's structure (one ``auth``, the selected key defined after it, key
presence per method) is rule HB202's. No message ever quotes a key: diagnostics point at it.
"""

from __future__ import annotations

import re

from elastix_halint.model.authkeys import MAX_INDEX, METHODS, AuthDirective, AuthKeys, Key
from elastix_halint.model.record import replace
from elastix_halint.parsing.larkkit import suggest
from elastix_halint.parsing.linewise import C_BLANKS, C_WORD, Line, items, load_with, read_lines, result, value_error, value_warning
from elastix_halint.parsing.result import ParseResult
from elastix_halint.source import SourceFile

KIND = "authkeys"
GRAMMAR = "authkeys.lark"
_WORDS = {
    "AUTH": "'auth'",
    "NUMBER": "a key number (1-15)",
    "METHOD": "a method (sha1, md5 or crc)",
    "SECRET": "the key",
    "EXTRA": "the end of the line",
    "COMMENT": "a comment",
}

_AUTH_LINE = re.compile(r"^[ \t]*auth[ \t]+[0-9]+[ \t]*$", re.MULTILINE)
_KEY_LINE = re.compile(r"^[ \t]*[0-9]+[ \t]+(crc|md5|sha1)\b", re.MULTILINE)


def sniff(text: str) -> bool:
    return bool(_AUTH_LINE.search(text) and _KEY_LINE.search(text))


def _index(line: Line, token, diags: list) -> int:
    number = int(str(token))
    if not 0 <= number <= MAX_INDEX:
        diags.append(value_error(line.token_span(token), f"key number {number} is out of range (1-15)"))
    return number


def _key(line: Line, tree, diags: list) -> Key:
    number, method, *rest = tree.children
    secret = rest[0] if rest else None
    if str(method) not in METHODS:
        guess = suggest(str(method), METHODS)
        # Quote the word only when it looks like a method: "1 MySecret" has the key in its place.
        shown = f"{str(method)!r} is" if guess else "this is"
        diags.append(value_error(line.token_span(method), f"{shown} not an authentication method (use sha1, md5 or crc)",
                                 suggestion=guess))
    if len(rest) > 1:
        extra = line.span(rest[1].start_pos, rest[-1].end_pos)
        diags.append(value_warning(extra, "Heartbeat ignores the words after the key", hint="a key is one word without blanks"))
    return Key(
        index=_index(line, number, diags),
        index_span=line.token_span(number),
        method=str(method),
        method_span=line.token_span(method),
        secret=str(secret) if secret is not None else None,
        secret_span=line.token_span(secret) if secret is not None else None,
        span=line.span(number.start_pos, (rest[0] if rest else method).end_pos),
    )


def _auth(line: Line, tree, diags: list) -> AuthDirective:
    keyword, number = tree.children
    return AuthDirective(
        index=_index(line, number, diags),
        index_span=line.token_span(number),
        span=line.span(keyword.start_pos, number.end_pos),
    )


def _with_auth_hint(line: Line, error):
    """A misspelt ``auth`` keyword (``Auth 1``, ``auht 1``) gets its suggestion."""
    first = C_WORD.match(line.text.lstrip(C_BLANKS)).group()
    if first != "auth" and not first[0].isdigit() and suggest(first, ("auth",)):
        return replace(error, suggestion="auth")
    return error


def parse(source: SourceFile) -> ParseResult[AuthKeys]:
    auths, keys, comments, diags = [], [], [], []
    for line, tree in read_lines(source, GRAMMAR, _WORDS, diags, quote=False, on_error=_with_auth_hint):
        for item in items(line, tree, comments):
            if item.data == "auth":
                auths.append(_auth(line, item, diags))
            else:
                keys.append(_key(line, item, diags))
    model = AuthKeys(auths[0] if auths else None, tuple(keys), tuple(comments), tuple(auths))
    return result(KIND, source, model, diags)


def load(path: str, display: str | None = None) -> ParseResult[AuthKeys]:
    return load_with(parse, path, display)
