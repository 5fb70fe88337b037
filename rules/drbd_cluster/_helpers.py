"""Helpers of the drbd_cluster rules (and constants they share); rules of other families import some of them."""

from __future__ import annotations

import ipaddress

from elastix_halint.builtin.haresources._helpers import ALL_RESOURCES, drbddisk_names, ip_fields


def resources(node) -> tuple:
    drbd = getattr(node, "drbd", None)
    return drbd.resources if drbd is not None else ()


def host_of(res, node):
    """The `on` section of ``res`` for ``node`` (drbdadm compares with `uname -n` exactly)."""
    name = node.nodename
    if not name:
        return None
    for host in res.hosts:
        if name in host.names:
            return host
    return None


def resource_of_minor(node, minor: int):
    """The resource (and volume) whose device on ``node`` is /dev/drbd``minor``."""
    for res in resources(node):
        mine = host_of(res, node)
        hosts = [mine] if mine is not None else list(res.hosts)
        for host in hosts:
            for vol in host.volumes:
                if vol.minor == minor or vol.device == f"/dev/drbd{minor}":
                    return res, vol
    return None, None


def managed_resources(node) -> dict:
    """DRBD resource name → (preferred node as written, drbddisk Resource) from haresources
    (a bare `drbddisk` promotes every resource of the node's drbd.conf)."""
    found: dict = {}
    model = getattr(node, "haresources", None)
    for group in getattr(model, "groups", ()) or ():
        for _pos, name, res in drbddisk_names(group):
            names = [r.name for r in resources(node)] if name == ALL_RESOURCES else [name]
            for each in names:
                found.setdefault(each, (group.node, res))
    return found


def floating_ips(cluster) -> dict:
    """Floating IP → its haresources Resource, from every node's haresources."""
    found: dict = {}
    for node in cluster.nodes:
        model = getattr(node, "haresources", None)
        for res in getattr(model, "resources", ()) or ():
            fields = ip_fields(res)
            if fields is not None:
                found.setdefault(fields[0], res)
    return found


def normal_ip(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text.split("%")[0]))
    except ValueError:
        return text


def address_entry(node, ip: str):
    """The `ip addr` line of ``node`` carrying ``ip`` (None when it is not there)."""
    want = normal_ip(ip)
    for a in node.facts.ipaddrs or ():
        if normal_ip(a.address) == want:
            return a
    return None
