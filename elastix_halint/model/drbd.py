"""Typed model of a drbd.conf (DRBD 8.3, 8.4 and 9 syntax) with exact spans.

Two layers:

* the **generic tree** as written: :class:`Section` (``keyword args… { … }``) holding
  :class:`Option` statements (``name values… ;``) and sub-sections; every node has a ``span``
  whose ``file`` is the file it came from (includes are followed);
* **typed views** computed the way drbdadm reads the tree: :class:`Resource` (with the
  ``common`` section merged in, keeping where each option came from), :class:`Host`,
  :class:`Volume`, :class:`Address`.

Normalised values (``Option.normalised``), by the option's kind in
:mod:`elastix_halint.model.drbd_keywords`:

* sizes → bytes (``int``); rates (``rate``, ``resync-rate``, ``c-*-rate``) → bytes/s (``int``),
  using the option's default scale (``rate 100`` = 100 KiB/s) and the suffixes ``K M G s``;
* times and counts → ``int`` in the option's own unit, named by ``Option.unit``
  (``"0.1s"``, ``"s"``, ``"ms"``, ``"sectors"``, ``"pages"``, ``"count"``…);
* booleans → ``True``/``False`` (8.3 bare flags and 8.4+ ``yes``/``no``, and the 8.3 negative
  forms such as ``no-disk-flushes`` → ``False`` with ``canonical_name`` ``disk-flushes``);
* enums and strings → ``str``; unknown options or unreadable values → ``None``.

8.3 ``syncer { rate R; }`` has ``canonical_name == "resync-rate"`` and
``canonical_section == "disk"``, so ``Resource.effective("disk", "resync-rate")`` finds it.
"""

from __future__ import annotations

import re
TYPE_CHECKING = False  # typing costs ~4 ms at every start; these names are only annotations
if TYPE_CHECKING:
    from typing import Iterator

from elastix_halint.model.common import Comment, comments_json
from elastix_halint.model.drbd_net import AddressUse, Connection, Endpoint, Mesh, Proxy
from elastix_halint.model.record import Record, field
from elastix_halint.model.span import Span

REDACTED = "<redacted>"
SECRET_OPTIONS = frozenset({"shared-secret"})

# Host-section keywords: the ones that name a node (``on``) or stand for one.
HOST_KEYWORDS = ("on", "floating", "stacked-on-top-of", "_this_host", "_remote_host")

_DRBD_MINOR_DEVICE = re.compile(r"^/dev/drbd(\d+)$")


def is_drbd_device(device: str) -> bool:
    """Whether a device path is a DRBD device (``/dev/drbdN``, ``/dev/drbd/by-res/R``...)."""
    return bool(_DRBD_MINOR_DEVICE.match(device) or device.startswith("/dev/drbd/"))


class Value(Record):
    """One word of a statement as written: ``text`` without quotes (escapes resolved)."""

    text: str
    span: Span
    quoted: bool = False

    def to_json(self, redact: bool = False) -> dict:
        return {"text": REDACTED if redact else self.text, "quoted": self.quoted, "span": self.span.to_json()}


class Option(Record):
    """A statement ``name values… ;`` inside ``section`` (the keyword of the enclosing block)."""

    name: str
    name_span: Span
    values: tuple[Value, ...]
    span: Span  # from the name to the ``;``
    section: str
    normalised: object = None
    unit: str | None = None  # unit of ``normalised`` when it is a number: "bytes", "bytes/s", "s", "0.1s"…
    canonical_name: str = ""  # the 8.4+ name: "resync-rate" for 8.3 "rate", "disk-flushes" for "no-disk-flushes"
    canonical_section: str = ""  # the 8.4+ section: "disk" for 8.3 syncer "rate"

    def __new__(cls, name, name_span, values, span, section, normalised=None, unit=None,
                canonical_name="", canonical_section=""):
        return cls._make((name, name_span, values, span, section, normalised, unit,
                          canonical_name or name, canonical_section or section))

    @property
    def text(self) -> str:
        """The values as written, separated by one blank."""
        return " ".join(v.text for v in self.values)

    @property
    def value(self) -> str | None:
        """The first value as written (``None`` for a bare flag)."""
        return self.values[0].text if self.values else None

    @property
    def secret(self) -> bool:
        return self.name in SECRET_OPTIONS

    def to_json(self, redact: bool = True) -> dict:
        if redact and self.secret:
            words = [REDACTED] * len(self.values)
            text = norm = REDACTED
        else:
            words = [v.text for v in self.values]
            text, norm = " ".join(words), self.normalised
        data = {
            "name": self.name,
            "section": self.section,
            "text": text,
            "values": words,
            "normalised": norm,
            "unit": self.unit,
            "span": self.span.to_json(),
        }
        if self.canonical_name != self.name or self.canonical_section != self.section:
            data["canonical"] = {"name": self.canonical_name, "section": self.canonical_section}
        return data


class Section(Record):
    """A block ``keyword args… { options and sections }`` (``global``, ``resource r0``, ``on alpha``,
    ``net``, ``volume 0``, ``connection``…). ``open_line`` is the line of its ``{``."""

    keyword: str
    keyword_span: Span
    args: tuple[Value, ...]
    options: tuple[Option, ...]
    sections: tuple["Section", ...]
    span: Span  # from the keyword to the closing ``}`` (or to the ``;`` of ``floating ADDR;``)
    open_line: int

    def option(self, name: str) -> Option | None:
        """The last ``name`` statement of this block (drbdadm: the last one wins), or None."""
        for opt in reversed(self.options):
            if opt.name == name:
                return opt
        return None

    def options_named(self, name: str) -> tuple[Option, ...]:
        return tuple(o for o in self.options if o.name == name)

    def section(self, keyword: str) -> "Section | None":
        """The first sub-block ``keyword``, or None."""
        for sec in self.sections:
            if sec.keyword == keyword:
                return sec
        return None

    def sections_named(self, keyword: str) -> tuple["Section", ...]:
        return tuple([s for s in self.sections if s.keyword == keyword])

    def walk(self) -> Iterator["Section"]:
        """This block and every block inside it, depth first."""
        yield self
        for sec in self.sections:
            yield from sec.walk()

    @property
    def arg_text(self) -> str:
        return " ".join(a.text for a in self.args)

    def to_json(self, redact: bool = True) -> dict:
        return {
            "keyword": self.keyword,
            "args": [a.text for a in self.args],
            "span": self.span.to_json(),
            "open_line": self.open_line,
            "options": [o.to_json(redact) for o in self.options],
            "sections": [s.to_json(redact) for s in self.sections],
        }


class Address(Record):
    """``address [AF] IP:PORT``. ``family`` is ``ipv4`` when not written; ``ip`` has no brackets."""

    family: str  # ipv4 | ipv6 | ssocks | sdp | sci
    ip: str
    port: int | None
    span: Span
    family_written: bool = False

    def to_json(self) -> dict:
        return {"family": self.family, "ip": self.ip, "port": self.port, "span": self.span.to_json()}

    def __str__(self) -> str:
        ip = f"[{self.ip}]" if self.family == "ipv6" else self.ip
        return f"{ip}:{self.port}"


class Volume(Record):
    """One replicated device of a host: an explicit ``volume N { … }`` or the implicit volume 0
    made of ``device``/``disk``/``meta-disk`` statements in the host (or inherited from the
    resource). ``options`` are the statements it was built from (for spans)."""

    number: int
    device: str | None
    minor: int | None
    disk: str | None
    meta_disk: str | None  # "internal", a device path, or None when not given
    meta_index: int | None  # the ``[N]`` of ``meta-disk DEV [N]``; None for flexible/internal
    span: Span
    implicit: bool = False
    options: tuple[Option, ...] = ()
    # ``volume N { disk { … } }`` options: the resource-level block's, then the host's own.
    disk_options: tuple[Option, ...] = ()
    disk_origins: tuple[str, ...] = ()  # "resource" or "host" for each of disk_options

    def option(self, name: str) -> Option | None:
        for opt in reversed(self.options):
            if opt.name == name:
                return opt
        return None

    def to_json(self, redact: bool = True) -> dict:
        return {
            "number": self.number,
            "implicit": self.implicit,
            "device": self.device,
            "minor": self.minor,
            "disk": self.disk,
            "meta_disk": self.meta_disk,
            "meta_index": self.meta_index,
            "disk_options": _with_origins(self.disk_options, self.disk_origins, redact),
            "span": self.span.to_json(),
        }


class Host(Record):
    """A host section (``on NAME… {}``, ``floating ADDR {}``, ``stacked-on-top-of RES {}``).

    ``names`` are the node names of ``on`` (several for ``on a b {}``); empty for ``floating``;
    for ``stacked-on-top-of LOWER`` the node names of LOWER's ``on`` sections (as drbdadm
    resolves them), with ``lower`` naming that resource."""

    keyword: str
    names: tuple[str, ...]
    span: Span
    address: Address | None
    node_id: int | None
    volumes: tuple[Volume, ...]
    section: Section
    floating: bool = False
    lower: str | None = None
    proxy: Proxy | None = None  # ``proxy on … { inside …; outside …; }`` (8.x syntax)
    options: tuple[Option, ...] = ()  # the host's ``options { }`` block

    @property
    def drbd_names(self) -> tuple[str, ...]:
        """The names drbdadm gives this host: the ``on`` names, a stacked host's lower node
        names, ``IP:PORT`` (``ipv6 [IP]:PORT``) for a floating host, ``_this_host``…"""
        if self.floating:
            if self.address is None:
                return ()
            if self.address.family == "ipv6":
                return (f"ipv6 [{self.address.ip}]:{self.address.port}",)
            return (f"{self.address.ip}:{self.address.port}",)
        if self.keyword in ("_this_host", "_remote_host"):
            return (self.keyword,)
        return self.names

    @property
    def label(self) -> str:
        """How reports name the host: its names, or ``floating IP:PORT``."""
        if self.floating:
            return "floating " + (self.drbd_names[0] if self.drbd_names else "host")
        return " ".join(self.drbd_names) or self.keyword

    def to_json(self, redact: bool = True) -> dict:
        return {
            "keyword": self.keyword,
            "names": list(self.names),
            "drbd_names": list(self.drbd_names),
            "floating": self.floating,
            "lower": self.lower,
            "address": self.address.to_json() if self.address else None,
            "node_id": self.node_id,
            "volumes": [v.to_json(redact) for v in self.volumes],
            "proxy": self.proxy.to_json(redact) if self.proxy else None,
            "options": [o.to_json(redact) for o in self.options],
            "span": self.span.to_json(),
        }


class MergedSection(Record):
    """A resource's settings of one kind (``net``, ``disk``…) after drbdadm's inheritance:
    the resource's own statements override ``common``'s. ``origins[i]`` is ``"resource"`` or
    ``"common"`` for ``options[i]``; each option's ``span.file`` says which file it is in."""

    name: str
    options: tuple[Option, ...] = ()
    origins: tuple[str, ...] = ()

    def get(self, name: str) -> Option | None:
        """The option in force under its written or its canonical (8.4+) name."""
        for opt in reversed(self.options):
            if opt.name == name or opt.canonical_name == name:
                return opt
        return None

    def origin_of(self, name: str) -> str | None:
        for opt, origin in zip(reversed(self.options), reversed(self.origins)):
            if opt.name == name or opt.canonical_name == name:
                return origin
        return None

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def to_json(self, redact: bool = True) -> list:
        return _with_origins(self.options, self.origins, redact)


def _with_origins(options: tuple[Option, ...], origins: tuple[str, ...], redact: bool) -> list[dict]:
    """The options' JSON, each with its ``origin`` last."""
    out = []
    for option, origin in zip(options, origins):
        data = option.to_json(redact)
        data["origin"] = origin
        out.append(data)
    return out


# The setting sections a resource merges with common.
SETTING_SECTIONS = ("net", "disk", "syncer", "startup", "handlers", "options", "proxy")


class Resource(Record):
    name: str
    name_span: Span
    span: Span
    section: Section
    hosts: tuple[Host, ...]
    settings: dict[str, MergedSection] = field(default_factory=dict)  # key: a SETTING_SECTIONS name
    protocol: Option | None = None  # resource-level (8.3) or net/common protocol in force
    volumes: tuple[Section, ...] = ()  # resource-level ``volume N {}`` blocks (8.4+)
    # Every connection, written or derived by drbdadm (model/drbd_net.py); meshes as written.
    connections: tuple[Connection, ...] = ()
    meshes: tuple[Mesh, ...] = ()

    @property
    def net(self) -> MergedSection:
        return self.merged("net")

    @property
    def disk(self) -> MergedSection:
        return self.merged("disk")

    @property
    def syncer(self) -> MergedSection:
        return self.merged("syncer")

    @property
    def startup(self) -> MergedSection:
        return self.merged("startup")

    @property
    def handlers(self) -> MergedSection:
        return self.merged("handlers")

    @property
    def options(self) -> MergedSection:
        return self.merged("options")

    def merged(self, section: str) -> MergedSection:
        return self.settings.get(section) or MergedSection(section)

    def effective(self, section: str, name: str) -> Option | None:
        """The option in force: resource over common; canonical names follow 8.3→8.4 moves
        (``effective("disk", "resync-rate")`` finds 8.3 ``syncer { rate }``)."""
        direct = self.merged(section).get(name)
        if direct is not None:
            return direct
        for merged in self.settings.values():
            for opt in reversed(merged.options):
                if opt.canonical_section == section and opt.canonical_name == name:
                    return opt
        return None

    def host(self, name: str) -> Host | None:
        for h in self.hosts:
            if name in h.names:
                return h
        return None

    def address_uses(self) -> tuple[AddressUse, ...]:
        """Every address drbdadm uses for this resource, with its node and where it is written:
        the address in force at each endpoint of each connection and path (role ``connection``
        or ``path`` when the endpoint writes its own address or ``port``, else ``host``: the
        host section's), the address of a host section in no connection, and proxies
        (``inside``, ``outside``). A host section's address that every connection of the host
        overrides is not used by drbdadm, so not listed; each use is listed once."""
        out: dict = {}

        def add(use: AddressUse) -> None:
            out.setdefault((use.host, use.role, use.span, str(use.address)), use)

        connected = set()
        for conn in self.connections:
            for path in conn.paths:
                for end in path.endpoints:
                    if end.host is not None:
                        connected.add(id(end.host))
                    if end.address is not None:
                        own = end.written is not None or end.port is not None
                        role = ("connection" if path.implicit else "path") if own else "host"
                        span = end.written.span if end.written is not None else end.span if own else end.address.span
                        add(AddressUse(end.address, end.name, role, span, conn, end.host))
                    for use in _proxy_uses(end.proxy, end.name, conn, end.host):
                        add(use)
        for h in self.hosts:
            name = " ".join(h.drbd_names) or h.keyword
            if h.address is not None and id(h) not in connected:
                add(AddressUse(h.address, name, "host", h.address.span, None, h))
            for use in _proxy_uses(h.proxy, name, None, h):
                add(use)
        return tuple(out.values())

    def addresses_of(self, host: Host | str) -> tuple[AddressUse, ...]:
        """The addresses a host uses (its section's, and those written for it in connections
        and paths; proxy addresses excluded: they belong to the proxy)."""
        target = host if isinstance(host, Host) else self.host(host)
        return tuple(u for u in self.address_uses()
                     if target is not None and u.host_section is target and not u.role.startswith("proxy"))

    def peers_of(self, host: Host | str) -> tuple[tuple[Host | None, Endpoint, Endpoint, Connection], ...]:
        """``(peer host, own endpoint, peer endpoint, connection)`` for each path of each
        connection ``host`` is in."""
        target = host if isinstance(host, Host) else self.host(host)
        out = []
        for conn in self.connections:
            for path in conn.paths:
                ends = path.endpoints
                for i, end in enumerate(ends):
                    if end.host is target and target is not None:
                        out += [(o.host, end, o, conn) for j, o in enumerate(ends) if j != i]
        return tuple(out)

    @property
    def protocol_value(self) -> str | None:
        return self.protocol.value.upper() if self.protocol and self.protocol.value else None

    def to_json(self, redact: bool = True) -> dict:
        return {
            "name": self.name,
            "span": self.span.to_json(),
            "protocol": self.protocol_value,
            "hosts": [h.to_json(redact) for h in self.hosts],
            "connections": [c.to_json(redact) for c in self.connections],
            "meshes": [m.to_json(redact) for m in self.meshes],
            "settings": {k: v.to_json(redact) for k, v in self.settings.items() if v.options},
            "statements": [o.to_json(redact) for o in self.section.options],
            "proxy_plugins": list(self.proxy_plugins),
        }

    @property
    def proxy_plugins(self) -> tuple[str, ...]:
        """The lines of the resource's ``proxy { plugin { … } }`` block, words joined by a blank."""
        return tuple(" ".join((o.name, *(v.text for v in o.values)))
                     for p in self.section.sections_named("proxy") for s in p.sections_named("plugin") for o in s.options)


def _proxy_uses(proxy: Proxy | None, name: str, conn: Connection | None, host: Host | None) -> list[AddressUse]:
    if proxy is None:
        return []
    return [AddressUse(addr, name, role, addr.span, conn, host)
            for addr, role in ((proxy.inside, "proxy-inside"), (proxy.outside, "proxy-outside")) if addr is not None]


class Include(Record):
    """``include "PATTERN";`` and the files it matched (display paths, glob order)."""

    pattern: str
    span: Span
    files: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"pattern": self.pattern, "files": list(self.files), "span": self.span.to_json()}


class DrbdConfig(Record):
    """A whole drbd.conf with its includes.

    ``version`` is the syntax the text appears to use (``"8.3"``, ``"8.4"``, ``"9"`` or None
    when nothing tells), with ``version_evidence`` saying why (e.g. ``"syncer section at
    drbd.conf:12"``). ``sections`` are the top-level blocks in file order (``skip`` blocks are
    left out and listed in ``skipped``)."""

    files: tuple[str, ...]
    sections: tuple[Section, ...]
    resources: tuple[Resource, ...]
    global_: Section | None = None
    common: Section | None = None
    version: str | None = None
    version_evidence: tuple[str, ...] = ()
    comments: tuple[Comment, ...] = ()
    includes: tuple[Include, ...] = ()
    skipped: tuple[Span, ...] = ()
    top_options: tuple[Option, ...] = ()  # top-level statements other than include (9: require-drbd-module-version-*)
    # What drbdadm 8.3, 8.4 and 9 say of the file: parsing/drbdadm/verdict.Verdicts (``get(v)``,
    # iterable in that order; each worked out when first asked for).
    drbdadm: object = ()
    drbdadm_in_parse: tuple[str, ...] = ()  # versions whose stop in the text is a parse error already

    def verdict(self, version: str | None):
        """drbdadm ``version``'s verdict (``"8.3"``, ``"8.4"``, ``"9"``), or None."""
        get = getattr(self.drbdadm, "get", None)
        return get(version) if get else next((v for v in self.drbdadm if v.version == version), None)

    def resource(self, name: str) -> Resource | None:
        for r in self.resources:
            if r.name == name:
                return r
        return None

    def effective_option(self, resource: Resource | str, section: str, name: str) -> Option | None:
        """The option in force for ``resource`` (resource overrides common)."""
        res = self.resource(resource) if isinstance(resource, str) else resource
        return res.effective(section, name) if res is not None else None

    def global_option(self, name: str) -> Option | None:
        return self.global_.option(name) if self.global_ else None

    def common_resource(self) -> Resource | None:
        """``common`` as a resource named "common" with no hosts (None without ``common``): how
        a file holding only ``common`` (``global_common.conf`` on its own) is checked."""
        common = self.common
        if common is None:
            return None
        settings = {}
        for name in SETTING_SECTIONS:
            opts = tuple(o for sec in common.sections_named(name) for o in sec.options)
            settings[name] = MergedSection(name, opts, ("common",) * len(opts))
        protocol = common.option("protocol") or next(
            (s.option("protocol") for s in common.sections_named("net") if s.option("protocol")), None)
        return Resource("common", common.keyword_span, common.span, common, (), settings, protocol)

    def units(self, complete: bool = True) -> tuple[Resource, ...]:
        """The resources; with ``complete=False`` a file with no resource gives its ``common``
        section as one (for checks of values present, which the resource files cannot undo)."""
        if self.resources or complete:
            return self.resources
        unit = self.common_resource()
        return (unit,) if unit is not None else ()

    def enclosing_block_lines(self, file: str, line: int) -> tuple[int, ...]:
        """Opening lines (keyword line and ``{`` line) of every block of ``file`` containing
        ``line``, outermost first — where a ``# halint: ignore[ID]`` for that line may sit."""
        found: list[int] = []
        for top in self.sections:
            for sec in top.walk():
                s = sec.span
                if s.file == file and s.line <= line <= s.end_line:
                    for n in (s.line, sec.open_line):
                        if n not in found:
                            found.append(n)
        return tuple(found)

    def comments_in(self, file: str) -> tuple[Comment, ...]:
        return tuple(c for c in self.comments if c.span.file == file)

    def secret_values(self) -> set[str]:
        """Every ``shared-secret`` value written in the files (as drbdadm reads it)."""
        return {o.text for top in self.sections for sec in top.walk() for o in sec.options if o.secret and o.values}

    def to_json(self, redact: bool = True) -> dict:
        from elastix_halint import jsontext
        from elastix_halint.model.span import json_home_now

        # (written while drbdadm's verdicts were worked out, by ``halint parse --format json``)
        resources = jsontext.written_ahead(self.resources, (redact, json_home_now()))
        return {
            "files": list(self.files),
            "version": self.version,
            "version_evidence": list(self.version_evidence),
            "global": self.global_.to_json(redact) if self.global_ else None,
            "common": self.common.to_json(redact) if self.common else None,
            "resources": resources or [r.to_json(redact) for r in self.resources],
            "other_sections": [s.to_json(redact) for s in self.sections
                               if s.keyword not in ("global", "common", "resource")],
            "top_options": [o.to_json(redact) for o in self.top_options],
            "includes": [i.to_json() for i in self.includes],
            "skipped": [s.to_json() for s in self.skipped],
            "comments": comments_json(self.comments, "drbd", redact, self.secret_values()),
            "drbdadm": {v.version: v.to_json() for v in self.drbdadm},
        }

    def summary(self, redact: bool = True) -> list[str]:
        """Short lines for ``halint parse`` text output."""
        lines = [f"DRBD syntax: {self.version or 'undetermined'}"
                 + (f" ({'; '.join(self.version_evidence[:2])})" if self.version_evidence else "")]
        if len(self.files) > 1:
            lines.append("files: " + ", ".join(self.files))
        for res in self.resources:
            proto = res.protocol_value or "-"
            lines.append(f"resource {res.name}: protocol {proto}, {len(res.hosts)} host section(s)")
            for h in res.hosts:
                label = " ".join(h.names) or h.keyword
                addr = f"{h.address.family} {h.address}" if h.address else "no address"
                vols = "; ".join(
                    f"vol {v.number}: {v.device or (f'minor {v.minor}' if v.minor is not None else '?')} on {v.disk or '?'} meta {v.meta_disk or '?'}" for v in h.volumes
                )
                lines.append(f"  {h.keyword} {label}: {addr}" + (f"; {vols}" if vols else ""))
            secret = res.effective("net", "shared-secret")
            if secret is not None:
                shown = REDACTED if redact else secret.text
                lines.append(f"  shared-secret: {shown}")
        return lines
