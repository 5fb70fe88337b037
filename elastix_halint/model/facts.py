"""Captured node facts: what a node's commands and /proc said, as frozen, spanned records.

Every record carries the span of the line it came from, so a rule can point at the exact line of
``facts/stat`` or ``proc/drbd`` that shows the problem. Listings are tuples in file order; the
``by_*`` helpers build dictionaries for look-ups.
"""

from __future__ import annotations

import re

from elastix_halint.model.record import Record, field
from elastix_halint.model.span import Span


def physical_interface(ifname: str) -> str:
    """The NIC behind an alias (``eth0:0``) or VLAN (``eth0.100``): they share its cable."""
    return re.split(r"[:.]", ifname, maxsplit=1)[0]


def _span(span: Span | None) -> dict | None:
    return span.to_json() if span else None


# --------------------------------------------------------------------------- partitions


class Partition(Record):
    """A block device or partition and its size in bytes (``sda3``, ``drbd0``)."""

    name: str
    size_bytes: int
    span: Span | None = None

    def to_json(self, redact: bool = True) -> dict:
        return {"name": self.name, "size_bytes": self.size_bytes, "span": _span(self.span)}


class PartitionTable(Record):
    """Partitions from ``/proc/partitions``, ``lsblk -b -J`` or ``sfdisk -d`` (``source``)."""

    source: str
    partitions: tuple[Partition, ...]

    def by_name(self) -> dict[str, Partition]:
        return {p.name: p for p in self.partitions}

    def to_json(self, redact: bool = True) -> dict:
        return {"source": self.source, "partitions": [p.to_json() for p in self.partitions]}

    def summary(self, redact: bool = True) -> list[str]:
        return [f"{p.name}: {p.size_bytes} bytes" for p in self.partitions]


# --------------------------------------------------------------------------- boot services


class BootService(Record):
    """Whether a service starts at boot.

    ``state`` is the tool's own word (chkconfig ``on``/``off``; systemd ``enabled``, ``static``,
    ``disabled``, ``masked``...). ``runlevels`` maps SysV runlevel → on (chkconfig only; empty for
    xinetd services and systemd units). ``enabled`` is True when the service starts in a
    multi-user runlevel (2-5 on) or its unit file is enabled.
    """

    name: str
    enabled: bool
    state: str
    runlevels: tuple[tuple[int, bool], ...] = ()
    xinetd: bool = False
    span: Span | None = None

    def on_in(self, runlevel: int) -> bool | None:
        return dict(self.runlevels).get(runlevel)

    def to_json(self, redact: bool = True) -> dict:
        return {
            "name": self.name,
            "enabled": self.enabled,
            "state": self.state,
            "runlevels": {str(k): v for k, v in self.runlevels},
            "xinetd": self.xinetd,
            "span": _span(self.span),
        }


class BootServices(Record):
    source: str  # "chkconfig" or "systemctl"
    services: tuple[BootService, ...]

    def by_name(self) -> dict[str, BootService]:
        return {s.name: s for s in self.services}

    def to_json(self, redact: bool = True) -> dict:
        return {"source": self.source, "services": [s.to_json() for s in self.services]}

    def summary(self, redact: bool = True) -> list[str]:
        on = [s.name for s in self.services if s.enabled]
        return [f"{len(self.services)} services, enabled at boot: {', '.join(on) or 'none'}"]


# --------------------------------------------------------------------------- stat and links


class StatEntry(Record):
    """One line of ``stat -c '%a %U %G %n'``: permission bits (``0o600``), owner, group, path."""

    path: str
    mode: int
    owner: str
    group: str
    span: Span | None = None

    def to_json(self, redact: bool = True) -> dict:
        return {
            "path": self.path,
            "mode": format(self.mode, "04o"),
            "owner": self.owner,
            "group": self.group,
            "span": _span(self.span),
        }


class _PathListing(Record):
    """Entries of a ``stat`` run, one per path, and the paths stat reported as absent."""

    entries: tuple
    missing: tuple[str, ...] = ()  # "stat: cannot stat 'X'" lines: X does not exist on the node
    missing_spans: tuple[Span, ...] = ()  # the line of each ``missing`` path, in the same order

    def by_path(self) -> dict:
        return {e.path: e for e in self.entries}

    def where_missing(self, path: str) -> Span | None:
        """The "cannot stat" line that says ``path`` does not exist (None when there is none)."""
        for name, span in zip(self.missing, self.missing_spans):
            if name.rstrip("/") == path.rstrip("/"):
                return span
        return None

    def to_json(self, redact: bool = True) -> dict:
        return {"entries": [e.to_json() for e in self.entries], "missing": list(self.missing)}


class StatListing(_PathListing):
    entries: tuple[StatEntry, ...] = ()

    def summary(self, redact: bool = True) -> list[str]:
        return [f"{format(e.mode, '04o')} {e.owner}:{e.group} {e.path}" for e in self.entries]


SYMLINK = "symbolic link"
DIRECTORY = "directory"
REGULAR = "regular file"


class LinkEntry(Record):
    """One line of ``stat -c '%F|%n|%N'``: file type as stat names it, path, link target or None."""

    path: str
    ftype: str
    target: str | None
    span: Span | None = None

    @property
    def is_symlink(self) -> bool:
        return self.ftype == SYMLINK

    @property
    def is_directory(self) -> bool:
        return self.ftype == DIRECTORY

    def to_json(self, redact: bool = True) -> dict:
        return {"path": self.path, "ftype": self.ftype, "target": self.target, "span": _span(self.span)}


class LinkListing(_PathListing):
    entries: tuple[LinkEntry, ...] = ()

    def summary(self, redact: bool = True) -> list[str]:
        return [f"{e.path}: {e.ftype}" + (f" -> {e.target}" if e.target else "") for e in self.entries]


# --------------------------------------------------------------------------- addresses, uname


class InterfaceAddress(Record):
    """One address line of ``ip -o addr show``."""

    ifname: str
    family: str  # "inet" or "inet6"
    address: str
    prefix: int
    broadcast: str | None = None
    label: str | None = None  # "eth0:0" for an alias (inet only)
    scope: str | None = None
    secondary: bool = False
    span: Span | None = None

    def to_json(self, redact: bool = True) -> dict:
        return {
            "ifname": self.ifname,
            "family": self.family,
            "address": self.address,
            "prefix": self.prefix,
            "broadcast": self.broadcast,
            "label": self.label,
            "scope": self.scope,
            "secondary": self.secondary,
            "span": _span(self.span),
        }


class AddressList(Record):
    addresses: tuple[InterfaceAddress, ...]
    interfaces: tuple[str, ...] = ()  # every interface named, also those without an address

    def by_address(self) -> dict[str, InterfaceAddress]:
        return {a.address: a for a in self.addresses}

    def to_json(self, redact: bool = True) -> dict:
        return {"interfaces": list(self.interfaces), "addresses": [a.to_json() for a in self.addresses]}

    def summary(self, redact: bool = True) -> list[str]:
        return [f"{a.label or a.ifname} {a.family} {a.address}/{a.prefix}" for a in self.addresses]


class Uname(Record):
    """``uname -n``: the node name DRBD's ``on`` sections and Heartbeat's ``node`` must match."""

    nodename: str
    span: Span | None = None

    def to_json(self, redact: bool = True) -> dict:
        return {"nodename": self.nodename, "span": _span(self.span)}

    def summary(self, redact: bool = True) -> list[str]:
        return [f"node name: {self.nodename}"]


# --------------------------------------------------------------------------- /proc/drbd

COUNTERS = ("ns", "nr", "dw", "dr", "al", "bm", "lo", "pe", "ua", "ap", "ep", "oos")


class DrbdFlags(Record):
    """The state flag characters after the protocol (``r-----``; ``r---`` in 8.0/8.2)."""

    text: str
    suspended: bool  # I/O suspended ('s' instead of 'r')
    paused_after: bool  # resync paused by a sync-after dependency ('a')
    paused_peer: bool  # resync paused by the peer ('p')
    paused_user: bool  # resync paused by the user ('u')
    congested: bool | None = None  # None: 8.0/8.2 print no such flag
    al_suspended: bool | None = None

    def to_json(self) -> dict:
        return {
            "text": self.text,
            "suspended": self.suspended,
            "paused_after": self.paused_after,
            "paused_peer": self.paused_peer,
            "paused_user": self.paused_user,
            "congested": self.congested,
            "al_suspended": self.al_suspended,
        }


class SyncProgress(Record):
    """The resync/verify lines under a minor: ``[==>....] sync'ed: 33.5% (..)K`` and ``finish: ...``."""

    verify: bool  # "verified:" rather than "sync'ed:"
    percent: float
    remaining: int | None = None  # KiB still to sync
    total: int | None = None  # KiB in all
    finish: str | None = None  # "0:20:31"
    speed_kib: int | None = None  # K/sec
    stalled: bool = False
    span: Span | None = None

    def to_json(self) -> dict:
        return {
            "verify": self.verify,
            "percent": self.percent,
            "remaining_kib": self.remaining,
            "total_kib": self.total,
            "finish": self.finish,
            "speed_kib": self.speed_kib,
            "stalled": self.stalled,
            "span": _span(self.span),
        }


class DrbdMinor(Record):
    """One ``N: cs:... ro:.../... ds:.../...`` block of /proc/drbd."""

    minor: int
    cs: str
    role: str | None = None  # local role: Primary, Secondary, Unknown (None when Unconfigured)
    peer_role: str | None = None
    disk: str | None = None
    peer_disk: str | None = None
    protocol: str | None = None  # A, B, C or None (StandAlone prints a blank)
    flags: DrbdFlags | None = None
    counters: tuple[tuple[str, int], ...] = ()
    write_ordering: str | None = None  # wo: b, f, d or n
    sync: SyncProgress | None = None
    span: Span | None = None
    counters_span: Span | None = None

    @property
    def unconfigured(self) -> bool:
        return self.cs == "Unconfigured"

    def counter(self, name: str) -> int | None:
        return dict(self.counters).get(name)

    @property
    def out_of_sync_kib(self) -> int | None:
        return self.counter("oos")

    def to_json(self) -> dict:
        return {
            "minor": self.minor,
            "cs": self.cs,
            "role": self.role,
            "peer_role": self.peer_role,
            "disk": self.disk,
            "peer_disk": self.peer_disk,
            "protocol": self.protocol,
            "flags": self.flags.to_json() if self.flags else None,
            "counters": dict(self.counters),
            "write_ordering": self.write_ordering,
            "sync": self.sync.to_json() if self.sync else None,
            "span": _span(self.span),
        }


class ProcDrbd(Record):
    """``/proc/drbd``. ``minors`` is empty for DRBD 9 (state is in ``drbdsetup status``)."""

    version: str | None
    api: int | None = None
    proto_min: int | None = None
    proto_max: int | None = None
    build: str | None = None  # the GIT-hash or srcversion line
    transports: str | None = None  # DRBD 9 "Transports (api:N): tcp (9.x)"
    minors: tuple[DrbdMinor, ...] = ()
    span: Span | None = None  # the version line
    details: tuple[str, ...] = field(default=())  # resync:/act_log: detail lines, kept verbatim

    @property
    def major(self) -> str | None:
        """``"8.3"``, ``"8.4"``, ``"9.1"``... from the version."""
        if not self.version:
            return None
        return ".".join(self.version.split(".")[:2])

    def by_minor(self) -> dict[int, DrbdMinor]:
        return {m.minor: m for m in self.minors}

    def to_json(self, redact: bool = True) -> dict:
        return {
            "version": self.version,
            "api": self.api,
            "proto_min": self.proto_min,
            "proto_max": self.proto_max,
            "build": self.build,
            "transports": self.transports,
            "minors": [m.to_json() for m in self.minors],
            "span": _span(self.span),
        }

    def summary(self, redact: bool = True) -> list[str]:
        lines = [f"DRBD {self.version or '?'} (api {self.api}, proto {self.proto_min}-{self.proto_max})"]
        for m in self.minors:
            lines.append(f"minor {m.minor}: {m.cs} {m.role}/{m.peer_role} {m.disk}/{m.peer_disk}")
        return lines
