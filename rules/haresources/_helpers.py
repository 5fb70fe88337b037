"""Helpers of the haresources rules (and constants they share); rules of other families import some of them."""

from __future__ import annotations

import ipaddress
import re

from elastix_halint.builtin.heartbeat._helpers import physical
from elastix_halint.lint.rule import Span


HARESOURCES = ("haresources",)
IP_AGENTS = ("IPaddr", "IPaddr2")
# Resource agents that are not services using the replicated data.
NETWORK_AGENTS = {"IPaddr", "IPaddr2", "IPv6addr", "IPsrcaddr", "SendArp", "IProute", "portblock"}
STORAGE_AGENTS = {"drbddisk", "Filesystem", "LVM", "Raid1", "LinuxSCSI", "ServeRAID"}
NOTIFY_AGENTS = {"MailTo", "AudibleAlarm", "WinPopup", "Delay"}
NOT_SERVICES = NETWORK_AGENTS | STORAGE_AGENTS | NOTIFY_AGENTS


# Heartbeat's own resource.d scripts (heartbeat 2.x/3.x, drbd's drbddisk): names are case-sensitive.
STANDARD_AGENTS = (
    "IPaddr", "IPaddr2", "IPv6addr", "IPsrcaddr", "SendArp", "Filesystem", "drbddisk", "drbdupper", "MailTo",
    "AudibleAlarm", "Delay", "LVM", "LinuxSCSI", "Raid1", "ServeRAID", "WAS", "WinPopup", "Xinetd", "ICP",
    "portblock", "apache", "db2", "hto-mapfuncs", "OCF",
)


_DRBD_MINOR = re.compile(r"^/dev/drbd(\d+)$")


def part_span(res, part: str) -> Span:
    """The span of ``part`` inside the resource word (the whole word when it spans lines)."""
    s = res.span
    at = res.text.find(part)
    if at < 0 or not part or s.line != s.end_line:
        return s
    return Span(s.file, s.line, s.column + at, s.line, s.column + at + len(part))


def node_label(node) -> str:
    return node.nodename or node.name


def my_hosts(res, node):
    name = (node.nodename or "").lower()
    mine = [h for h in res.hosts if name and name in (n.lower() for n in h.names)]
    return mine or list(res.hosts)


def drbd_devices(res, node) -> set[str]:
    """The device paths (/dev/drbdN and /dev/drbd/by-res/R) of a resource on ``node``."""
    devices = {f"/dev/drbd/by-res/{res.name}"}
    for host in my_hosts(res, node):
        for vol in host.volumes:
            if vol.device:
                devices.add(vol.device)
            if vol.minor is not None:
                devices.add(f"/dev/drbd{vol.minor}")
    return devices


def drbd_resources_of(node):
    drbd = getattr(node, "drbd", None)
    return drbd.resources if drbd is not None else ()


def is_drbd_device(device: str) -> bool:
    return bool(_DRBD_MINOR.match(device) or device.startswith("/dev/drbd/"))


ALL_RESOURCES = "*"  # a bare `drbddisk` promotes every resource


def drbddisk_names(group) -> list[tuple[int, str, object]]:
    """``(position, resource name or ALL_RESOURCES, Resource)`` of each drbddisk of a group."""
    return [(i, r.args[0] if r.args and r.args[0] else ALL_RESOURCES, r)
            for i, r in enumerate(group.resources) if r.agent == "drbddisk"]


def ip_fields(res):
    """``(ip, prefix or None, interface or None, broadcast or None)``; None when unreadable."""
    if res.agent not in IP_AGENTS or not res.args:
        return None
    parts = res.args[0].split("/") + [None] * 3
    ip, mask, iface, bcast = (p or None for p in parts[:4])
    try:
        ipaddress.IPv4Address(ip)
    except (ValueError, TypeError):
        return None  # not an address: PARSE002 of the parser
    return ip, prefix_length(mask), iface, bcast


def ip_resources(model):
    """``(resource, ip_fields)`` of every readable IPaddr/IPaddr2 resource of the file."""
    for res in model.resources:
        fields = ip_fields(res)
        if fields is not None:
            yield res, fields


def prefix_length(mask: str | None) -> int | None:
    if mask is None:
        return None
    if mask.isdigit():
        return int(mask) if int(mask) <= 32 else None
    try:
        return ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
    except ValueError:
        return None  # non-contiguous or not a mask


def subnets_holding(node, ip: str, iface: str | None = None):
    """The node's own addresses whose subnet contains ``ip`` (on ``iface`` when given)."""
    want = ipaddress.IPv4Address(ip)
    out = []
    for a in node.facts.ipaddrs or ():
        if a.family != "inet" or a.address == ip or (iface and physical(a.ifname) != physical(iface)):
            continue
        net = ipaddress.IPv4Interface(f"{a.address}/{a.prefix}").network
        if want in net and net.prefixlen < 32:
            out.append((a, net))
    return out
