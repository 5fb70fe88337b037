from __future__ import annotations

from elastix_halint.builtin.haresources._helpers import (
    HARESOURCES,
)
from elastix_halint.lint.rule import Finding, Rule, Severity


class FloatingIpIsFixed(Rule):
    """The floating IP is a node's own address or a DRBD address.

    ## What it checks
    Every IPaddr address against each node's fixed addresses: its primary address in
    `ip addr` (not an alias or secondary, which is how the floating IP itself shows on the
    active node), the DRBD `address` lines, and /etc/hosts lines naming a cluster node.

    ## Why it matters
    "Do not include 'administrative' or fixed IP addresses in this file" (heartbeat
    doc/haresources): on failover the peer takes the address away from the node that owns
    it, and releasing it stops that node's own traffic or DRBD replication.

    ## Example
    ```
    voipserver.drbd IPaddr::192.168.1.243/24/eth0     # voipserver's own eth0 address
    ```

    ## Fix
    Use a free address of the subnet for the floating IP (the HOWTO's 192.168.1.245).
    """

    id = "HB309"
    name = "floating-ip-is-fixed"
    severity = Severity.ERROR
    kinds = HARESOURCES

    def check_file(self, model, ctx):
        for res, fields in model.ip_resources():
            owner = _fixed_owner(fields[0], ctx)
            if owner:
                text, related = owner
                yield Finding(res.part_span(fields[0]), f"floating IP {fields[0]} is {text}", related=related,
                              hint="use a free address of the subnet for the floating IP")


def _fixed_owner(ip: str, ctx):
    """Which node owns ``ip`` as a fixed address, and the evidence (ip addr, drbd.conf, hosts)."""
    nodes = ctx.cluster.nodes
    for node in nodes:
        for a in _primary_addresses(node):
            if a.address == ip:
                return f"{node.label}'s own address on {a.ifname}", (a,)
    for node in nodes:
        for res in node.drbd_resources:
            for use in res.address_uses():  # host sections, connections, paths
                if not use.role.startswith("proxy") and use.address.ip == ip:
                    return f"the DRBD address of {use.host} in resource {res.name}", (use.address,)
    names = {n.nodename.lower() for n in nodes if n.nodename}
    for node in nodes:
        hosts = getattr(node, "hosts", None)
        for entry in getattr(hosts, "entries", ()) if hosts is not None else ():
            if entry.address == ip and any(n.text.lower() in names for n in entry.names):
                return f"the address /etc/hosts gives to node {entry.names[0].text}", (entry,)
    return None


def _primary_addresses(node):
    """The first IPv4 address of each interface, when it is not an alias or secondary."""
    seen = set()
    for a in getattr(node.facts, "ipaddrs", None) or ():
        if a.family != "inet" or a.ifname in seen:
            continue
        seen.add(a.ifname)
        if not a.secondary and a.label in (None, a.ifname):
            yield a
