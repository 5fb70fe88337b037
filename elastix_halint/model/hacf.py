"""Typed model of Heartbeat's ``/etc/ha.d/ha.cf``.

The file is kept as the ordered list of its directives (order matters to Heartbeat: ``udpport``
applies only to media declared after it). Typed views (``nodes``, ``media``, ``times``...) read
that list the way Heartbeat does: option directives apply each word, the last value wins.
Unknown directives are kept with ``known=False`` (Heartbeat refuses them: rule HB100).
"""

from __future__ import annotations

import re

from elastix_halint.model.common import Comment, comments_json
from elastix_halint.model.hacf_keywords import BOOL_FALSE, BOOL_TRUE, COMM_MEDIA
from elastix_halint.model.record import Record
from elastix_halint.model.span import Span
from elastix_halint.parsing.result import REDACTED

_TIME = re.compile(r"^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ms)?$", re.IGNORECASE)


def parse_time_ms(text: str) -> int | None:
    """Heartbeat's ``cl_get_msec``: ``2`` → 2000, ``1.5`` → 1500, ``1500ms`` → 1500; None if invalid."""
    m = _TIME.match(text.strip(" \t\n\v\f\r"))
    if not m:
        return None
    number = float(m.group(1))
    return int(round(number if m.group(2) else number * 1000))


def parse_bool(text: str) -> bool | None:
    """Heartbeat's ``cl_str_to_boolean`` (case-insensitive); None when it is not a boolean."""
    low = text.lower()
    if low in BOOL_TRUE:
        return True
    if low in BOOL_FALSE:
        return False
    return None


def parse_int(text: str) -> int | None:
    return int(text) if re.fullmatch(r"[+-]?[0-9]+", text) else None


class Arg(Record):
    text: str
    span: Span

    def to_json(self, redact: bool = True) -> dict:
        return {"text": self.text, "span": self.span.to_json()}


class Directive(Record):
    name: str
    name_span: Span
    args: tuple[Arg, ...]
    span: Span  # the whole directive, comment excluded
    known: bool
    suggestion: str | None = None  # for unknown names: the known directive it most likely meant

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(a.text for a in self.args)

    @property
    def value(self) -> str:
        """The arguments as one blank-separated string (the whole-line value)."""
        return " ".join(self.words)

    @property
    def secret_from(self) -> int | None:
        """Index of the first argument that may be a password (stonith device parameters)."""
        return 2 if self.name in ("stonith", "stonith_host") else None

    def shown_words(self, redact: bool) -> list[str]:
        cut = self.secret_from
        if not redact or cut is None:
            return list(self.words)
        return [w if i < cut else REDACTED for i, w in enumerate(self.words)]

    def to_json(self, redact: bool = True) -> dict:
        cut = self.secret_from if redact else None
        args = [
            {"text": a.text if cut is None or i < cut else REDACTED, "span": a.span.to_json()}
            for i, a in enumerate(self.args)
        ]
        data = {
            "name": self.name,
            "name_span": self.name_span.to_json(),
            "args": args,
            "span": self.span.to_json(),
            "known": self.known,
        }
        if self.suggestion:
            data["suggestion"] = self.suggestion
        return data


class Medium(Record):
    """One communication path: ``bcast eth1 eth2`` gives two, one per interface.

    ``kind`` is the directive name. Fields a kind does not have are None. ``serial`` puts its
    device in ``interface``. ``port`` of bcast/ucast is the ``udpport`` in force at that line.
    """

    kind: str
    interface: str | None
    span: Span  # the interface word (the whole directive when there is none)
    directive: Directive
    peer: str | None = None  # ucast/ucast6
    group: str | None = None  # mcast/mcast6
    port: int | None = None
    ttl: int | None = None
    loop: int | None = None

    def to_json(self, redact: bool = True) -> dict:
        return {
            "kind": self.kind,
            "interface": self.interface,
            "peer": self.peer,
            "group": self.group,
            "port": self.port,
            "ttl": self.ttl,
            "loop": self.loop,
            "span": self.span.to_json(),
        }


class TimeValue(Record):
    """A time directive in force (the last one in the file): ``ms`` is None when unreadable."""

    name: str
    ms: int | None
    text: str
    directive: Directive
    span: Span  # the value word

    def to_json(self) -> dict:
        return {"ms": self.ms, "text": self.text, "span": self.span.to_json()}


class Times(Record):
    keepalive: TimeValue | None
    deadtime: TimeValue | None
    warntime: TimeValue | None
    initdead: TimeValue | None
    deadping: TimeValue | None

    def to_json(self) -> dict:
        return {
            name: (value.to_json() if value else None)
            for name, value in (
                ("keepalive", self.keepalive),
                ("deadtime", self.deadtime),
                ("warntime", self.warntime),
                ("initdead", self.initdead),
                ("deadping", self.deadping),
            )
        }


class PingGroup(Record):
    name: str
    addresses: tuple[Arg, ...]
    directive: Directive


class Respawn(Record):
    """``respawn USER COMMAND [ARGS]`` (also ``failfast``)."""

    user: str | None
    command: str | None
    args: tuple[str, ...]
    directive: Directive


class ApiAuth(Record):
    """``apiauth CLIENT [uid=a,b] [gid=c,d]``."""

    client: str | None
    uids: tuple[str, ...]
    gids: tuple[str, ...]
    directive: Directive


def _medium_int(words: tuple[str, ...], index: int) -> int | None:
    return parse_int(words[index]) if len(words) > index else None


def _media_of(d: Directive, udpport: int | None) -> list[Medium]:
    w = d.words
    if d.name == "bcast" or d.name == "serial":
        return [Medium(d.name, a.text, a.span, d, port=udpport if d.name == "bcast" else None) for a in d.args]
    first = d.args[0].span if d.args else d.span
    iface = w[0] if w else None
    if d.name in ("ucast", "ucast6"):
        return [Medium(d.name, iface, first, d, peer=w[1] if len(w) > 1 else None, port=udpport)]
    # mcast DEV GROUP PORT TTL LOOP
    return [
        Medium(
            d.name, iface, first, d,
            group=w[1] if len(w) > 1 else None,
            port=_medium_int(w, 2), ttl=_medium_int(w, 3), loop=_medium_int(w, 4),
        )
    ]


class HaCf(Record):
    directives: tuple[Directive, ...]
    comments: tuple[Comment, ...] = ()

    # -- generic access -------------------------------------------------------------------
    def all(self, name: str) -> tuple[Directive, ...]:
        return tuple(d for d in self.directives if d.name == name)

    def last(self, name: str) -> Directive | None:
        found = self.all(name)
        return found[-1] if found else None

    def last_word(self, name: str) -> Arg | None:
        """The value in force of an option directive: the last word of its last occurrence."""
        for d in reversed(self.all(name)):
            if d.args:
                return d.args[-1]
        return None

    @property
    def unknown(self) -> tuple[Directive, ...]:
        return tuple(d for d in self.directives if not d.known)

    # -- typed views ----------------------------------------------------------------------
    @property
    def node_args(self) -> tuple[Arg, ...]:
        return tuple(a for d in self.all("node") for a in d.args)

    @property
    def nodes(self) -> tuple[str, ...]:
        """Node names as written, in order (``node a b`` adds two)."""
        return tuple(a.text for a in self.node_args)

    @property
    def media(self) -> tuple[Medium, ...]:
        """Communication media in file order, with the ``udpport`` in force at each line."""
        out: list[Medium] = []
        port: int | None = None
        for d in self.directives:
            if d.name == "udpport" and d.args:
                port = parse_int(d.args[-1].text)
            elif d.name in COMM_MEDIA:
                out.extend(_media_of(d, port))
        return tuple(out)

    def _time(self, name: str) -> TimeValue | None:
        for d in reversed(self.all(name)):
            if d.args:
                arg = d.args[-1]
                return TimeValue(name, parse_time_ms(arg.text), arg.text, d, arg.span)
        return None

    @property
    def times(self) -> Times:
        return Times(*(self._time(n) for n in ("keepalive", "deadtime", "warntime", "initdead", "deadping")))

    def _int(self, name: str) -> int | None:
        arg = self.last_word(name)
        return parse_int(arg.text) if arg else None

    def _str(self, name: str) -> str | None:
        arg = self.last_word(name)
        return arg.text if arg else None

    def _bool(self, name: str) -> bool | None:
        arg = self.last_word(name)
        return parse_bool(arg.text) if arg else None

    @property
    def udpport(self) -> int | None:
        return self._int("udpport")

    @property
    def auto_failback(self) -> bool | str | None:
        """True, False, ``"legacy"``, or None when absent (Heartbeat then acts as legacy)."""
        arg = self.last_word("auto_failback")
        if arg is None:
            return None
        if arg.text.lower() == "legacy":
            return "legacy"
        return parse_bool(arg.text)

    @property
    def crm(self) -> Directive | None:
        """The last ``crm`` or ``pacemaker`` directive (they are aliases)."""
        found = [d for d in self.directives if d.name in ("crm", "pacemaker")]
        return found[-1] if found else None

    @property
    def pacemaker(self) -> bool | None:
        """Whether CRM/Pacemaker mode is on (haresources then ignored); None when not set.

        Any value other than a false boolean (``respawn``, ``minimal``...) turns it on.
        """
        d = self.crm
        if d is None or not d.args:
            return None
        return parse_bool(d.args[-1].text) is not False

    @property
    def ping(self) -> tuple[Arg, ...]:
        return tuple(a for d in self.all("ping") for a in d.args)

    @property
    def ping_group(self) -> tuple[PingGroup, ...]:
        return tuple(PingGroup(d.words[0] if d.args else "", d.args[1:], d) for d in self.all("ping_group"))

    def _respawn_like(self, name: str) -> tuple[Respawn, ...]:
        out = []
        for d in self.all(name):
            w = d.words
            out.append(Respawn(w[0] if w else None, w[1] if len(w) > 1 else None, w[2:], d))
        return tuple(out)

    @property
    def respawn(self) -> tuple[Respawn, ...]:
        return self._respawn_like("respawn")

    @property
    def failfast(self) -> tuple[Respawn, ...]:
        return self._respawn_like("failfast")

    @property
    def apiauth(self) -> tuple[ApiAuth, ...]:
        out = []
        for d in self.all("apiauth"):
            w = d.words
            ids = {"uid": (), "gid": ()}
            for word in w[1:]:
                key, _, val = word.partition("=")
                if key in ids:
                    ids[key] = tuple(v for v in val.split(",") if v)
            out.append(ApiAuth(w[0] if w else None, ids["uid"], ids["gid"], d))
        return tuple(out)

    @property
    def logfile(self) -> str | None:
        return self._str("logfile")

    @property
    def debugfile(self) -> str | None:
        return self._str("debugfile")

    @property
    def logfacility(self) -> str | None:
        return self._str("logfacility")

    @property
    def use_logd(self) -> bool | None:
        return self._bool("use_logd")

    @property
    def debug(self) -> int | None:
        return self._int("debug")

    @property
    def watchdog(self) -> str | None:
        return self._str("watchdog")

    @property
    def stonith(self) -> tuple[Directive, ...]:
        return self.all("stonith")

    @property
    def stonith_host(self) -> tuple[Directive, ...]:
        return self.all("stonith_host")

    def secret_values(self) -> set[str]:
        """The stonith device parameters (passwords among them), each word and all of them."""
        found = set()
        for d in self.directives:
            cut = d.secret_from
            if cut is not None and len(d.words) > cut:
                found.add(" ".join(d.words[cut:]))
                found.update(w for w in d.words[cut:] if len(w) > 3)
        return found

    # -- output ---------------------------------------------------------------------------
    def to_json(self, redact: bool = True) -> dict:
        af = self.auto_failback
        return {
            "directives": [d.to_json(redact) for d in self.directives],
            "nodes": list(self.nodes),
            "media": [m.to_json() for m in self.media],
            "times": self.times.to_json(),
            "udpport": self.udpport,
            "auto_failback": af,
            "pacemaker": self.pacemaker,
            "comments": comments_json(self.comments, "hacf", redact, self.secret_values()),
        }

    def summary(self, redact: bool = True) -> list[str]:
        t = self.times
        timing = ", ".join(
            f"{name} {tv.ms}ms" if tv and tv.ms is not None else f"{name} ?"
            for name, tv in (("keepalive", t.keepalive), ("deadtime", t.deadtime),
                             ("warntime", t.warntime), ("initdead", t.initdead))
            if tv
        )
        media = ", ".join(
            f"{m.kind} {m.interface or '?'}" + (f" → {m.peer}" if m.peer else "") + (f" {m.group}" if m.group else "")
            for m in self.media
        )
        lines = [
            f"nodes: {', '.join(self.nodes) or '(none)'}",
            f"media: {media or '(none)'}",
            f"times: {timing or '(defaults)'}",
            f"auto_failback: {_show(self.auto_failback)}; pacemaker/crm: {_show(self.pacemaker)}",
        ]
        for d in self.stonith + self.stonith_host:
            lines.append(f"{d.name}: {' '.join(d.shown_words(redact))}")
        if self.unknown:
            lines.append("unknown directives: " + ", ".join(d.name for d in self.unknown))
        return lines


def _show(value) -> str:
    if value is None:
        return "(not set)"
    if value is True:
        return "on"
    if value is False:
        return "off"
    return str(value)
