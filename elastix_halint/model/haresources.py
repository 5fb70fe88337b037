"""Typed model of Heartbeat's ``/etc/ha.d/haresources`` (R1 mode).

One logical line = one resource group: ``NODE RES1 RES2 ...``, started left to right and
stopped right to left. Lines are read the way Heartbeat's ResourceManager reads them (comments
stripped, ``\\``-newline joined, blanks collapsed, node name lower-cased for matching).
"""

from __future__ import annotations

import functools
import ipaddress
import re

from elastix_halint.model.common import Comment, comments_json
from elastix_halint.model.hb_wrappers import Wrapped, wrapped
from elastix_halint.model.record import Record
from elastix_halint.model.span import Span

# ResourceManager's ``isip``: the shell pattern [0-9]*.[0-9]*.[0-9]*.[0-9]* ('*' matches dots too).
_ISIP = re.compile(r"[0-9].*\.[0-9].*\.[0-9].*\.[0-9]")


def is_bare_ip(text: str) -> bool:
    """Whether ResourceManager treats ``text`` as an IP address (an implicit ``IPaddr::``)."""
    return _ISIP.match(text) is not None


def _canonname(word: str) -> str:
    return f"IPaddr::{word}" if is_bare_ip(word) else word


def _resource2script(word: str) -> str:
    """``echo $1 | sed 's%::.*%%'`` when the canonical name has a ``::``."""
    return word.split("::", 1)[0] if "::" in _canonname(word) else word


def split_resource(text: str) -> tuple[str, tuple[str, ...], bool]:
    """``(script, args, implicit_ipaddr)`` as ResourceManager's ``doscript`` gets them.

    The script is the text before the first ``::`` (``IPaddr`` for a bare address); the
    arguments are the rest after the first ``NAME::`` (``sed 's%[^:]*::%%'``) with every
    ``::`` made a blank and split on blanks, so empty arguments vanish:
    ``Filesystem::/dev/drbd0::/replica::ext3`` → (/dev/drbd0, /replica, ext3);
    ``Delay::::5`` → (5,); ``10.0.0.5/24`` → ``IPaddr``, (10.0.0.5/24,), True. A single ``:``
    stays inside an argument (``eth0:1``), and an IPv6 address is cut at its ``::``.
    """
    script = _resource2script(_canonname(_resource2script(text)))
    implicit = script == "IPaddr" and is_bare_ip(text)
    rest = re.sub(r"[^:]*::", "", text, count=1).replace("::", " ") if "::" in _canonname(text) else ""
    return script, tuple(a for a in re.split(r"[ \t\n]+", rest) if a), implicit


IP_AGENTS = ("IPaddr", "IPaddr2")
ALL_RESOURCES = "*"  # what a bare `drbddisk` promotes: every resource
# Resource agents that are not services using the replicated data.
NETWORK_AGENTS = {"IPaddr", "IPaddr2", "IPv6addr", "IPsrcaddr", "SendArp", "IProute", "portblock"}
STORAGE_AGENTS = {"drbddisk", "Filesystem", "LVM", "Raid1", "LinuxSCSI", "ServeRAID"}
NOTIFY_AGENTS = {"MailTo", "AudibleAlarm", "WinPopup", "Delay"}
NOT_SERVICES = NETWORK_AGENTS | STORAGE_AGENTS | NOTIFY_AGENTS


@functools.lru_cache(maxsize=256)
def prefix_length(mask: str | None) -> int | None:
    """The prefix length of an IPaddr netmask field (``24`` or ``255.255.255.0``); None when
    absent or not a contiguous mask."""
    if mask is None:
        return None
    if mask.isdigit():
        return int(mask) if int(mask) <= 32 else None
    try:
        return ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
    except ValueError:
        return None  # non-contiguous or not a mask


@functools.lru_cache(maxsize=1024)
def _is_ipv4(text) -> bool:
    # Cached: every rule on IP resources asks for ip_fields, for every resource line.
    try:
        ipaddress.IPv4Address(text)
    except (ValueError, TypeError):
        return False
    return True


class Resource(Record):
    text: str  # as written (after joining continuations)
    agent: str  # the script name: IPaddr, Filesystem, drbddisk, mysqld...
    args: tuple[str, ...]
    span: Span
    implicit_ipaddr: bool = False  # a bare IP: Heartbeat runs IPaddr with it

    @property
    def canonical(self) -> str:
        """``IPaddr::ADDR`` for a bare address, else the text (ResourceManager ``canonname``)."""
        return f"IPaddr::{self.text}" if self.implicit_ipaddr else self.text

    @property
    def wrapped(self) -> Wrapped | None:
        """What Heartbeat's wrapper script makes of the arguments (None: not a wrapper)."""
        return wrapped(self.agent, self.args)

    def parameter(self, name: str) -> str | None:
        """The ``OCF_RESKEY_<name>`` the wrapper exports (``ip``, ``cidr_netmask``, ``nic``,
        ``device``…), None when it exports none or stops with its usage text."""
        w = self.wrapped
        return w.variables.get(name) if w is not None else None

    @property
    def drbd_resource(self) -> str | None:
        """The DRBD resource drbddisk/drbdupper acts on (``ALL_RESOURCES`` for all)."""
        if self.agent not in ("drbddisk", "drbdupper"):
            return None
        res = self.parameter("res")
        return ALL_RESOURCES if res == "all" else res

    @property
    def ip_fields(self) -> tuple[str, int | None, str | None, str | None] | None:
        """An IPaddr/IPaddr2 resource's ``(ip, prefix or None, interface or None, broadcast or
        None)`` as the wrapper reads them; None for other agents and for an unreadable address
        (PARSE002 of the parser)."""
        if self.agent not in IP_AGENTS:
            return None
        ip = self.parameter("ip")
        if not _is_ipv4(ip):
            return None
        return (ip, prefix_length(self.parameter("cidr_netmask") or None), self.parameter("nic") or None,
                self.parameter("broadcast") or None)

    def part_span(self, part: str) -> Span:
        """The span of ``part`` inside the resource word (the whole word when it spans lines)."""
        s = self.span
        at = self.text.find(part)
        if at < 0 or not part or s.line != s.end_line:
            return s
        return Span(s.file, s.line, s.column + at, s.line, s.column + at + len(part))

    def _wrapper_json(self) -> dict | None:
        w = self.wrapped
        if w is None:
            return None
        return {"parameters": dict(w.variables), "usage": w.usage,
                "action_from_args": w.action if w.action not in (None, "start") else None}

    def to_json(self) -> dict:
        return {
            "text": self.text,
            "agent": self.agent,
            "args": list(self.args),
            "implicit_ipaddr": self.implicit_ipaddr,
            "wrapper": self._wrapper_json(),
            "span": self.span.to_json(),
        }


class ResourceGroup(Record):
    node: str  # as written; Heartbeat compares it lower-cased (``node_key``)
    node_span: Span
    resources: tuple[Resource, ...]
    span: Span  # from the node name to the end of the last resource
    continued_lines: int = 0  # physical lines joined into this one with a trailing backslash

    @property
    def node_key(self) -> str:
        return self.node.lower()

    @property
    def key(self) -> Resource | None:
        """The first resource: the group's key, which must be unique in the file (HB310)."""
        return self.resources[0] if self.resources else None

    @property
    def drbddisk_names(self) -> list[tuple[int, str, Resource]]:
        """``(position, DRBD resource name or ALL_RESOURCES, Resource)`` of each drbddisk."""
        return [(i, r.drbd_resource, r) for i, r in enumerate(self.resources)
                if r.agent == "drbddisk" and r.drbd_resource is not None]

    def to_json(self) -> dict:
        return {
            "node": self.node,
            "node_span": self.node_span.to_json(),
            "resources": [r.to_json() for r in self.resources],
            "span": self.span.to_json(),
            "continued_lines": self.continued_lines,
        }


# Kinds of LineNote: places where the text does not mean what it looks like (rule HB311).
BACKSLASH_SPACE = "backslash-space"  # '\' then blanks at line end: NOT a continuation
BACKSLASH_EOF = "backslash-eof"  # continuation on the last line: nothing to join
COMMENT_IN_CONTINUATION = "comment-in-continuation"  # '#' on a joined line is not stripped
STRAY_BACKSLASH = "stray-backslash"  # a lone '\' word mid-line becomes a resource named '\'


class LineNote(Record):
    kind: str
    span: Span
    message: str

    def to_json(self) -> dict:
        return {"kind": self.kind, "message": self.message, "span": self.span.to_json()}


class HaResources(Record):
    groups: tuple[ResourceGroup, ...]
    comments: tuple[Comment, ...] = ()
    notes: tuple[LineNote, ...] = ()

    def groups_for(self, node: str) -> tuple[ResourceGroup, ...]:
        """Groups whose preferred node is ``node`` (compared lower-cased, as Heartbeat does)."""
        return tuple(g for g in self.groups if g.node_key == node.lower())

    @property
    def resources(self) -> tuple[Resource, ...]:
        return tuple(r for g in self.groups for r in g.resources)

    def ip_resources(self):
        """``(resource, resource.ip_fields)`` of every readable IPaddr/IPaddr2 resource."""
        for res in self.resources:
            fields = res.ip_fields
            if fields is not None:
                yield res, fields

    def listkeys(self, node: str) -> list[str]:
        """What ``ResourceManager listkeys NODE`` prints: the first resource of each group."""
        return [g.key.text for g in self.groups_for(node) if g.key]

    def to_json(self, redact: bool = True) -> dict:
        return {
            "groups": [g.to_json() for g in self.groups],
            "notes": [n.to_json() for n in self.notes],
            "comments": comments_json(self.comments, "haresources", redact),
        }

    def summary(self, redact: bool = True) -> list[str]:
        lines = [f"{g.node}: {' '.join(r.text for r in g.resources) or '(no resources)'}" for g in self.groups]
        lines += [f"note: line {n.span.line}: {n.message}" for n in self.notes]
        return lines or ["groups: (none)"]
