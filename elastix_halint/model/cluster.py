"""The linter's input: a cluster of nodes, each with its parsed files and captured facts.

``None`` always means "not captured / not present" (rules then stay silent and ``--verbose``
says why, from ``Node.missing``); an empty dict or tuple means "captured, and empty".
"""

from __future__ import annotations

from typing import Any

from elastix_halint.diagnostics import Diagnostic
from elastix_halint.model.facts import (
    BootService,
    InterfaceAddress,
    LinkEntry,
    Partition,
    ProcDrbd,
    StatEntry,
    Uname,
)
from elastix_halint.model.record import Record, field
from elastix_halint.parsing.result import ParseResult

# Node paths of the configuration files a node may have, and the model attribute each fills.
CONFIG_FILES: dict[str, str] = {
    "/etc/drbd.conf": "drbd",
    "/etc/ha.d/ha.cf": "hacf",
    "/etc/ha.d/authkeys": "authkeys",
    "/etc/ha.d/haresources": "haresources",
    "/etc/hosts": "hosts",
}

# NodeFacts attribute names, in the order reports list them.
FACT_NAMES = ("uname", "hostname", "stat", "links", "boot", "partitions", "ipaddrs", "procdrbd")


class NodeFacts(Record):
    """What a node's commands and /proc said. Each is None when it was not captured.

    ``uname``/``hostname``: ``Uname`` (``.nodename``, ``.span``) from ``uname -n`` and
    ``/etc/hostname`` (else the ``HOSTNAME=`` of ``/etc/sysconfig/network``, CentOS 5/6); ``stat``/``links``: by node path; ``boot``: by service name (``asterisk``,
    not ``asterisk.service``); ``partitions``: by device name (``sda3``); ``ipaddrs``: every
    address line; ``procdrbd``: the parsed ``/proc/drbd``. ``sources``: the ParseResult behind
    each captured fact (fact name → result), for reports that quote the line.
    """

    uname: Uname | None = None
    hostname: Uname | None = None
    stat: dict[str, StatEntry] | None = None
    links: dict[str, LinkEntry] | None = None
    boot: dict[str, BootService] | None = None
    partitions: dict[str, Partition] | None = None
    ipaddrs: tuple[InterfaceAddress, ...] | None = None
    procdrbd: ProcDrbd | None = None
    sources: dict[str, ParseResult] = field(default_factory=dict)

    @property
    def nodename(self) -> str | None:
        """``uname -n``, else ``/etc/hostname``: the name DRBD and Heartbeat compare with."""
        for fact in (self.uname, self.hostname):
            if fact is not None:
                return fact.nodename
        return None

    @property
    def interfaces(self) -> tuple[str, ...] | None:
        """Every interface ``ip -o addr show`` named, also those without an address."""
        source = self.sources.get("ipaddrs")
        if source is not None and source.model is not None:
            return source.model.interfaces
        return None if self.ipaddrs is None else tuple(dict.fromkeys(a.ifname for a in self.ipaddrs))

    def addresses(self, family: str | None = None) -> set[str]:
        """The node's IP addresses (of ``family`` "inet"/"inet6", or all)."""
        return {a.address for a in self.ipaddrs or () if family is None or a.family == family}

    def to_json(self, redact: bool = True) -> dict:
        def dump(value: Any):
            if value is None:
                return None
            if isinstance(value, dict):
                return {k: v.to_json() for k, v in value.items()}
            if type(value) is tuple:  # not a model object (a Record is a tuple too)
                return [v.to_json() for v in value]
            return value.to_json()

        return {name: dump(getattr(self, name)) for name in FACT_NAMES}


class Node(Record):
    """One cluster node: its files (node path → ParseResult), the models, the facts.

    ``name`` is the node folder's name in a bundle, ``uname -n`` on a live node; ``root`` is the
    folder laid out like the node's ``/`` (``"/"`` when ``live``). ``missing`` lists the config
    file node paths and the fact names that are not present.
    """

    name: str
    root: str
    live: bool = False
    files: dict[str, ParseResult] = field(default_factory=dict)
    drbd: Any = None
    hacf: Any = None
    authkeys: Any = None
    haresources: Any = None
    hosts: Any = None
    facts: NodeFacts = field(default_factory=NodeFacts)
    missing: tuple[str, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    anonymous: bool = False  # single files given on the command line: only file-scope rules apply

    @property
    def nodename(self) -> str | None:
        return self.facts.nodename

    def file(self, node_path: str) -> ParseResult | None:
        return self.files.get(node_path)

    def results(self, kind: str | None = None) -> list[ParseResult]:
        """Parse results of this node's files (of ``kind`` when given), in load order."""
        return [r for r in self.files.values() if kind is None or r.kind == kind]

    def has(self, part: str) -> bool:
        """Whether a node part (``"drbd"``...) or fact (``"stat"``...) is present."""
        if part in FACT_NAMES:
            return getattr(self.facts, part) is not None
        return getattr(self, part, None) is not None

    @property
    def is_cluster_node(self) -> bool:
        """Whether anything says this machine takes part in a DRBD/Heartbeat pair: a drbd.conf
        with a resource, an ha.cf or a haresources. (drbd-utils installs a drbd.conf with no
        resource on any machine.)"""
        return bool(getattr(self.drbd, "resources", None)) or self.hacf is not None or self.haresources is not None

    def to_json(self, redact: bool = True) -> dict:
        return {
            "name": self.name,
            "root": self.root,
            "live": self.live,
            "files": {p: r.kind for p, r in self.files.items()},
            "facts": self.facts.to_json(redact),
            "missing": list(self.missing),
            "diagnostics": [d.to_json() for d in self.diagnostics],
        }


class Cluster(Record):
    """The nodes linted together. ``origin``: "bundle", "root" or "files"; ``path`` as given."""

    nodes: tuple[Node, ...]
    origin: str
    path: str | None = None

    def node(self, name: str) -> Node | None:
        for n in self.nodes:
            if n.name == name or n.nodename == name:
                return n
        return None

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return tuple(d for n in self.nodes for d in n.diagnostics)

    def to_json(self, redact: bool = True) -> dict:
        return {"origin": self.origin, "path": self.path, "nodes": [n.to_json(redact) for n in self.nodes]}
