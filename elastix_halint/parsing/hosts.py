"""``/etc/hosts`` → :class:`~elastix_halint.model.hosts.HostsFile`.

A line whose address does not parse is not an entry (glibc skips it too) and gets a PARSE002
error, with the address meant when that can be told (OCR ``l`` for ``1``; ``::1`` for a
``localhost6`` line). Names with characters no host name has get a warning. Which names map to
which address is the linter's business (NODE100, NODE101).
"""

from __future__ import annotations

import ipaddress
import re

from elastix_halint.model.hosts import HostsEntry, HostsFile, Name
from elastix_halint.parsing.linewise import C_BLANKS, Line, c_split, items, load_with, ocr_fix, read_lines, result, value_error, value_warning
from elastix_halint.parsing.result import ParseResult
from elastix_halint.source import SourceFile

KIND = "hosts"
GRAMMAR = "hosts.lark"
_WORDS = {"ADDRESS": "an IP address", "NAME": "a host name", "COMMENT": "a comment"}

_HOSTNAME = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_.])?$")
_NOT_HOSTNAME = re.compile(r"[^A-Za-z0-9_.-]")


def _family(text: str) -> int | None:
    try:
        return ipaddress.ip_address(text).version
    except ValueError:
        return None


def sniff(text: str) -> bool:
    lines = [c_split(ln.split("#")[0]) for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    good = sum(1 for ln in lines if len(ln) >= 2 and _family(ln[0]))
    return good >= 1 and good * 4 >= len(lines) * 3


def _address_guess(address: str, names: list[str]) -> str | None:
    fixed = ocr_fix(address, lambda a: _family(a) is not None)
    if fixed:
        return fixed
    lowered = [n.lower() for n in names]
    if any("localhost6" in n or n.startswith("ip6-") for n in lowered):
        return "::1"
    if any(n.startswith("localhost") for n in lowered):
        return "127.0.0.1"
    return None


def _names(line: Line, tokens, diags: list) -> tuple[Name, ...]:
    out = []
    for tok in tokens:
        name = Name(str(tok), line.token_span(tok))
        if not _HOSTNAME.match(name.text):
            cleaned = _NOT_HOSTNAME.sub("", name.text)
            diags.append(value_warning(
                name.span, f"{name.text!r} is not a valid host name (letters, digits, '-' and '.')",
                suggestion=cleaned if cleaned and cleaned != name.text else None,
            ))
        out.append(name)
    return tuple(out)


def _entry(line: Line, tree, diags: list) -> HostsEntry | None:
    address, *names = tree.children
    family = _family(str(address))
    span = line.span(address.start_pos, (names[-1] if names else address).end_pos)
    checked = _names(line, names, diags)
    if family is None:
        diags.append(value_error(
            line.token_span(address), f"{str(address)!r} is not an IP address; the line is ignored",
            suggestion=_address_guess(str(address), [str(n) for n in names]),
        ))
        return None
    entry = HostsEntry(str(address), line.token_span(address), checked, span, family)
    if not names:
        diags.append(value_warning(span, f"{entry.address} has no host name"))
    return entry


def parse(source: SourceFile) -> ParseResult[HostsFile]:
    entries, comments, diags = [], [], []
    for line, tree in read_lines(source, GRAMMAR, _WORDS, diags):
        for child in items(line, tree, comments):
            entry = _entry(line, child, diags)
            if entry:
                entries.append(entry)
    return result(KIND, source, HostsFile(tuple(entries), tuple(comments)), diags)


def load(path: str, display: str | None = None) -> ParseResult[HostsFile]:
    return load_with(parse, path, display)
