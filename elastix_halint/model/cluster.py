"""The linter's input: a cluster of nodes, each with its parsed files and captured facts.

``None`` always means "not captured / not present" (rules then stay silent and ``--verbose``
says why, from ``Node.missing``); an empty dict or tuple means "captured, and empty".
"""

from __future__ import annotations

import functools
import ipaddress
TYPE_CHECKING = False  # typing costs ~4 ms at every start; these names are only annotations
if TYPE_CHECKING:
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
    physical_interface,
)
from elastix_halint.model.haresources import ALL_RESOURCES
from elastix_halint.model.hosts import normal_ip
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


@functools.lru_cache(maxsize=1024)
def _network(address: str, prefix) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Interface(f"{address}/{prefix}").network


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

    def partition_of(self, disk: str | None) -> Partition | None:
        """The partition of a device path (/dev/sda3, /dev/mapper/vg-lv, /dev/vg/lv), None when
        ``/proc/partitions`` was not captured or does not list it."""
        table = self.partitions
        if not disk or not table or not disk.startswith("/dev/") or disk.startswith("/dev/disk/"):
            return None
        rest = disk[len("/dev/"):]
        candidates = [rest, rest.rsplit("/", 1)[-1]]
        if rest.count("/") == 1 and not rest.startswith(("mapper/", "cciss/")):
            candidates.append(rest.replace("-", "--").replace("/", "-"))  # /dev/vg/lv → dm name vg-lv
        for name in candidates:
            part = table.get(name) or table.get(name.replace("/", "!"))
            if part is not None:
                return part
        return None

    @property
    def interface_names(self) -> set[str] | None:
        """Every interface name: listed by ``ip addr`` (also without an address) or carrying an
        address, and alias labels (``eth0:0``); None when ``ip addr`` was not captured."""
        if self.ipaddrs is None:
            return None
        names = {a.ifname for a in self.ipaddrs} | {a.label for a in self.ipaddrs if a.label}
        source = self.sources.get("ipaddrs")
        listed = getattr(getattr(source, "model", None), "interfaces", ()) or ()
        return names | set(listed)

    def address_line(self, ip: str) -> InterfaceAddress | None:
        """The ``ip addr`` line carrying ``ip`` (compared as addresses: ``fe80::1%eth0`` and
        ``fe80:0::1`` are one), None when the node does not have it."""
        want = normal_ip(ip)
        for a in self.ipaddrs or ():
            if normal_ip(a.address) == want:
                return a
        return None

    def subnets_holding(self, ip: str, iface: str | None = None) -> list:
        """``(ip addr line, its IPv4 network)`` of the node's other addresses whose subnet holds
        ``ip`` (on the NIC of ``iface`` when given); /32 networks hold nothing."""
        want = ipaddress.IPv4Address(ip)
        out = []
        for a in self.ipaddrs or ():
            if a.family != "inet" or a.address == ip or (
                    iface and physical_interface(a.ifname) != physical_interface(iface)):
                continue
            net = _network(a.address, a.prefix)
            if want in net and net.prefixlen < 32:
                out.append((a, net))
        return out

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

    @property
    def label(self) -> str:
        """How messages name the node: its ``uname -n``, else its folder name."""
        return self.nodename or self.name

    # -- DRBD: which parts of drbd.conf are this node's ------------------------------------------

    @property
    def drbd_resources(self) -> tuple:
        """The resources of the node's drbd.conf (none without one)."""
        return self.drbd.resources if self.drbd is not None else ()

    def drbd_host(self, res) -> Any:
        """The `on` section of ``res`` naming this node, compared with ``uname -n`` exactly as
        drbdadm does; None when the node name is unknown or not there."""
        name = self.nodename
        return res.host(name) if name else None

    def drbd_hosts(self, res, fallback: bool = True) -> list:
        """The `on` sections of ``res`` naming this node, ignoring case (as Heartbeat compares
        node names); with ``fallback``, all of them when none does or the name is unknown."""
        name = (self.nodename or "").lower()
        mine = [h for h in res.hosts if name and name in (n.lower() for n in h.names)]
        return mine or (list(res.hosts) if fallback else [])

    def drbd_devices(self, res) -> set[str]:
        """The device paths of ``res`` here: ``/dev/drbd/by-res/R`` and the ``/dev/drbdN`` of the
        volumes of ``drbd_hosts(res)``."""
        devices = {f"/dev/drbd/by-res/{res.name}"}
        for host in self.drbd_hosts(res):
            for vol in host.volumes:
                if vol.device:
                    devices.add(vol.device)
                if vol.minor is not None:
                    devices.add(f"/dev/drbd{vol.minor}")
        return devices

    def resource_of_minor(self, minor: int) -> tuple:
        """``(resource, volume)`` whose device here is /dev/drbd``minor`` (looked up in every
        `on` section when this node has none); ``(None, None)`` when no resource has it."""
        for res in self.drbd_resources:
            mine = self.drbd_host(res)
            for host in [mine] if mine is not None else list(res.hosts):
                for vol in host.volumes:
                    if vol.minor == minor or vol.device == f"/dev/drbd{minor}":
                        return res, vol
        return None, None

    @property
    def drbd_module_version(self) -> str | None:
        """The version of the loaded DRBD module (/proc/drbd): "8.3", "8.4", "9" (any 9.x)."""
        proc = self.facts.procdrbd
        major = proc.major if proc is not None else None
        return "9" if major and major.startswith("9") else major

    # -- DRBD as Heartbeat drives it ---------------------------------------------------------------

    @property
    def managed_resources(self) -> dict:
        """DRBD resource name → (preferred node as written, drbddisk Resource), from the
        haresources groups; a bare ``drbddisk`` stands for every resource of drbd.conf."""
        found: dict = {}
        for group in getattr(self.haresources, "groups", ()) or ():
            for _pos, name, res in group.drbddisk_names:
                names = [r.name for r in self.drbd_resources] if name == ALL_RESOURCES else [name]
                for each in names:
                    found.setdefault(each, (group.node, res))
        return found

    @property
    def drbddisk_resources(self) -> dict:
        """haresources ``drbddisk::R`` resources by their argument as written (``"*"`` for a
        bare ``drbddisk``, not expanded), the first of each."""
        managed: dict = {}
        for hres in self.haresources.resources if self.haresources is not None else ():
            if hres.agent == "drbddisk" and hres.drbd_resource is not None:
                managed.setdefault(hres.drbd_resource, hres)
        return managed

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

    @property
    def node_names(self) -> list[str]:
        """The cluster's node names: each node's ``uname -n``, and the ha.cf ``node`` names when
        a node's is unknown. Empty for a lone machine with no DRBD or Heartbeat configuration
        (not a cluster node: its host name on the loopback line is no cluster problem)."""
        if len(self.nodes) < 2 and not any(n.is_cluster_node for n in self.nodes):
            return []
        names = [n.nodename for n in self.nodes if n.nodename]
        if len(names) < len(self.nodes):
            for node in self.nodes:
                names += list(getattr(node.hacf, "nodes", ()) or ())
        return list(dict.fromkeys(names))

    @property
    def floating_ips(self) -> dict:
        """Floating IP → its IPaddr/IPaddr2 resource, from every node's haresources."""
        found: dict = {}
        for node in self.nodes:
            for res in getattr(node.haresources, "resources", ()) or ():
                fields = res.ip_fields
                if fields is not None:
                    found.setdefault(fields[0], res)
        return found

    def to_json(self, redact: bool = True) -> dict:
        return {"origin": self.origin, "path": self.path, "nodes": [n.to_json(redact) for n in self.nodes]}
