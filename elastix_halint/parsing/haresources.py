"""``/etc/ha.d/haresources`` → :class:`~elastix_halint.model.haresources.HaResources`.

Lines are first read exactly as ResourceManager's ``ipres`` sed pipeline reads them:

1. ``s%#.*%%``: a comment is cut from the line *read*, but not from lines joined to it;
2. ``/\\\\$/N; s/\\\\\\n//``: a line ending in a backslash is joined to the next (no blank is
   inserted, so ``foo\\`` + ``bar`` is ``foobar``); a backslash followed by blanks is *not*
   a continuation, and at the end of the file there is nothing to join;
3. blanks collapse, blank lines vanish.

Each logical line is then parsed with ``grammars/haresources.lark``. Places where the text
does not mean what it looks like become :class:`LineNote` s for rule HB311, not diagnostics.
Parse-level diagnostics are about values no node could use: an IPaddr address that is not an
address, a ``/dev/drbd`` device name that is not a DRBD device (``/dev/drbdO0``).
"""

from __future__ import annotations

import ipaddress
import re

from elastix_halint.model.common import Comment
from elastix_halint.model.span import Span
from elastix_halint.model.haresources import (
    BACKSLASH_EOF, BACKSLASH_SPACE, COMMENT_IN_CONTINUATION, STRAY_BACKSLASH,
    HaResources, LineNote, Resource, ResourceGroup, split_resource,
)
from elastix_halint.parsing.linewise import (
    C_BLANKS, Line, load_with, ocr_fix, odd_blanks, parse_line, physical_lines, result, value_error, value_warning,
)
from elastix_halint.parsing.result import ParseResult
from elastix_halint.source import SourceFile

KIND = "haresources"
GRAMMAR = "haresources.lark"
_WORDS = {"NODE": "the preferred node name", "RESOURCE": "a resource"}

_AGENTS = re.compile(r"(^|[ \t])(IPaddr2?|Filesystem|drbddisk|MailTo|IPsrcaddr|SendArp)::[^ \t\n]", re.MULTILINE)
_DRBD_DEVICE = re.compile(r"^/dev/drbd([0-9]+|/by-res/[^ \t]+|/by-disk/[^ \t]+)$")
_BLANKS = " \t\f\v"


def sniff(text: str) -> bool:
    return "{" not in text and bool(_AGENTS.search(text))


# -- step 1-3: ResourceManager's sed ---------------------------------------------------------

def _strip_comment(line: Line, comments: list[Comment]) -> str:
    cut = line.text.find("#")
    if cut < 0:
        return line.text
    comments.append(Comment(line.text[cut + 1:].strip(C_BLANKS), line.span(cut, len(line.text))))
    return line.text[:cut]


def _backslash_space_note(line: Line, text: str, notes: list[LineNote]) -> None:
    stripped = text.rstrip(_BLANKS)
    if stripped.endswith("\\") and stripped != text:
        notes.append(LineNote(
            BACKSLASH_SPACE, line.span(len(stripped) - 1, len(stripped)),
            "blanks after this backslash: it does not continue the line, and the next line is a new group",
        ))


def logical_lines(source: SourceFile, comments: list[Comment], notes: list[LineNote]) -> list[tuple[Line, int]]:
    """``(logical line, number of physical lines joined into it)`` in file order."""
    physical = physical_lines(source, keep_cr=True)  # sed keeps a CR: "\\<CR>" is no continuation
    out: list[tuple[Line, int]] = []
    i = 0
    while i < len(physical):
        first = physical[i]
        text = _strip_comment(first, comments)
        _backslash_space_note(first, text, notes)
        positions = [(first.number, col) for col in range(1, len(text) + 1)]
        joined = 0
        while text.endswith("\\") and i + 1 < len(physical):
            i += 1
            joined += 1
            nxt = physical[i]
            if "#" in nxt.text:
                cut = nxt.text.find("#")
                notes.append(LineNote(
                    COMMENT_IN_CONTINUATION, nxt.span(cut, len(nxt.text)),
                    "Heartbeat does not strip comments from a continued line: these words become resources",
                ))
            _backslash_space_note(nxt, nxt.text, notes)
            text = text[:-1] + nxt.text
            positions = positions[:-1] + [(nxt.number, col) for col in range(1, len(nxt.text) + 1)]
        if text.endswith("\\") and i + 1 >= len(physical):
            last = positions[-1]
            notes.append(LineNote(
                BACKSLASH_EOF, Span(source.path, last[0], last[1], last[0], last[1] + 1),
                "the file ends with a continuation backslash: it stays in the last resource",
            ))
        out.append((Line(source.path, first.number, text, tuple(positions)), joined))
        i += 1
    return out


# -- values -----------------------------------------------------------------------------------

def part_span(res: Resource, part: str, after: int = 0) -> Span:
    """Span of ``part`` inside the resource word (the whole word when it spans lines)."""
    s = res.span
    at = res.text.find(part, after)
    if at < 0 or s.line != s.end_line:
        return s
    return Span(s.file, s.line, s.column + at, s.line, s.column + at + len(part))


def _ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
        return True
    except ValueError:
        return False


def _mask(text: str) -> bool:
    return (text.isdigit() and 0 <= int(text) <= 32) or _ipv4(text)


def _ipaddr_errors(res: Resource) -> list:
    """``IP[/MASK[/IFACE[/BROADCAST]]]`` as the wrapper cuts it (doc/haresources); the rest is
    rules HB307/HB308."""
    checks = [("ip", "address", _ipv4), ("cidr_netmask", "netmask", _mask), ("broadcast", "broadcast address", _ipv4)]
    errors, after = [], len(res.text) - len(res.args[0])
    for name, what, ok in checks:
        value = res.parameter(name)
        if value is None or (value == "" and name != "ip"):
            continue
        span = part_span(res, value, after) if value else res.span
        after = max(after, res.text.find(value, after) + len(value)) if value else after
        if not ok(value):
            errors.append(value_error(span, f"{what} {value!r} of {res.agent} is not valid",
                                      suggestion=ocr_fix(value, ok)))
    return errors


def _wrapper_errors(res: Resource) -> list:
    """Arguments the wrapper script refuses or misreads: ResourceManager splits the word at
    every ``::`` (empty arguments vanish; an IPv6 address falls apart)."""
    w = res.wrapped
    if w is None or (not w.usage and w.action == "start"):
        return []
    count = f"{len(res.args)} argument{'s' if len(res.args) != 1 else ''}"
    if w.usage:
        return [value_error(res.span, f"Heartbeat's {res.agent} gets {count} ({', '.join(res.args) or 'none'}) and "
                                      "stops with its usage text: the resource never starts",
                            hint="ResourceManager splits the word at every `::`")]
    return [value_error(res.span, f"Heartbeat's {res.agent} gets {count} and takes {w.action!r} for the action "
                                  "instead of start/stop: the resource never starts",
                        hint="remove the extra `::` arguments")]


def _device_fix(device: str) -> str | None:
    fixed = ocr_fix(device, lambda d: _DRBD_DEVICE.match(d) is not None)
    m = re.fullmatch(r"/dev/drbd([0-9]+)", fixed or "")
    return f"/dev/drbd{int(m.group(1))}" if m else fixed


def _filesystem_errors(res: Resource) -> list:
    if len(res.args) < 3:
        return [value_error(res.span, "Filesystem needs device, mount point and file system type "
                                      "(Filesystem::/dev/drbd0::/replica::ext3)")]
    device = res.args[0]
    if device.startswith("/dev/drbd") and not _DRBD_DEVICE.match(device):
        return [value_error(part_span(res, device), f"{device!r} is not a DRBD device name (/dev/drbdN)",
                            suggestion=_device_fix(device))]
    return []


def check_resource(res: Resource) -> list:
    wrapper = _wrapper_errors(res)
    if wrapper:
        return wrapper
    if res.agent in ("IPaddr", "IPaddr2"):
        return _ipaddr_errors(res)
    if res.agent == "Filesystem":
        return _filesystem_errors(res)
    return []


# -- groups -----------------------------------------------------------------------------------

def _group(line: Line, joined: int, tree, notes: list[LineNote], diags: list) -> ResourceGroup:
    node, *words = tree.children[0].children
    resources = []
    for w in words:
        agent, args, implicit = split_resource(str(w))
        res = Resource(str(w), agent, args, line.token_span(w), implicit)
        if res.text == "\\":
            notes.append(LineNote(STRAY_BACKSLASH, res.span, "a lone backslash here is a resource named '\\'"))
        diags.extend(check_resource(res))
        resources.append(res)
    end = words[-1] if words else node
    group = ResourceGroup(str(node), line.token_span(node), tuple(resources), line.span(node.start_pos, end.end_pos), joined)
    if not resources:
        diags.append(value_warning(group.span, f"group of {group.node} has no resources"))
    return group


def _crlf_warning(source: SourceFile) -> list:
    """One warning for Windows line ends (the model, like ResourceManager, keeps the CR)."""
    for number, raw in enumerate(source.text.split("\n"), 1):
        if raw.endswith("\r") and raw.strip(C_BLANKS):
            span = Span(source.path, number, len(raw), number, len(raw) + 1)
            return [value_warning(
                span, "Windows line end (CR LF): ResourceManager keeps the CR in the last resource of each "
                      "line, so that script is not found, and a backslash before it does not continue the line",
                hint="convert the file to Unix line ends (dos2unix)",
            )]
    return []


def parse(source: SourceFile) -> ParseResult[HaResources]:
    comments: list[Comment] = []
    notes: list[LineNote] = []
    groups, diags = [], _crlf_warning(source)
    for line in physical_lines(source):
        diags.extend(odd_blanks(line))
    for line, joined in logical_lines(source, comments, notes):
        if not line.text.strip(_BLANKS + "\r"):
            continue
        tree, error = parse_line(GRAMMAR, line, _WORDS)
        if error:
            diags.append(error)
            continue
        groups.append(_group(line, joined, tree, notes, diags))
    notes.sort(key=lambda n: (n.span.line, n.span.column))
    return result(KIND, source, HaResources(tuple(groups), tuple(comments), tuple(notes)), diags)


def load(path: str, display: str | None = None) -> ParseResult[HaResources]:
    # An empty haresources is valid (nothing to manage, or CRM mode): not an unreadable file.
    return load_with(parse, path, display, allow_empty=True)
