from __future__ import annotations

import ipaddress

from elastix_halint.builtin.heartbeat._helpers import HACF
from elastix_halint.lint.rule import Finding, Rule, Severity
from elastix_halint.model.facts import physical_interface


def interface_of(node, address: str) -> str | None:
    """The interface carrying ``address`` on ``node`` (from its captured ``ip addr``)."""
    for a in getattr(node.facts, "ipaddrs", None) or ():
        if a.address == address:
            return a.ifname
    return None


def subnet_interface(node, address: str) -> str | None:
    """The interface whose subnet holds ``address`` (where Heartbeat's IPaddr would put it)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    for a in getattr(node.facts, "ipaddrs", None) or ():
        try:
            net = ipaddress.ip_interface(f"{a.address}/{a.prefix}").network
        except ValueError:
            continue
        if ip.version == net.version and ip in net and net.prefixlen < net.max_prefixlen:
            return a.ifname
    return None


def drbd_addresses(node):
    """``(resource, address)`` of every address DRBD uses on this node: its host sections' and
    those written for it in DRBD 9 connections and paths."""
    for res in node.drbd_resources:
        for host in node.drbd_hosts(res, fallback=False):
            for use in res.addresses_of(host):
                yield res, use.address


def floating_ips(node):
    """``(resource, ip, interface or None)`` of the IPaddr resources of the node's haresources."""
    for res, (ip, _prefix, iface, _bcast) in node.haresources.ip_resources() if node.haresources is not None else ():
        yield res, ip, iface


def _shared_with(node, nic: str) -> list[str]:
    """What else runs over NIC ``nic`` of ``node``: the DRBD link, the floating IP."""
    uses = []
    for res, addr in drbd_addresses(node):
        iface = interface_of(node, addr.ip)
        if iface and physical_interface(iface) == nic:
            uses.append(f"the DRBD replication link of {res.name} ({addr.ip})")
    for _res, ip, iface in floating_ips(node):
        where = iface or subnet_interface(node, ip)
        if where and physical_interface(where) == nic:
            uses.append(f"the floating IP {ip}")
    return uses


class SingleCommunicationPath(Rule):
    """Heartbeat has only one communication path.

    ## What it checks
    All `bcast`/`mcast`/`ucast`/`serial` media use one network interface (aliases and VLANs
    of a NIC count as that NIC). When node facts are present the message says what else
    shares it (the DRBD replication link, the floating IP). A bonding interface (`bond0`)
    counts as redundant.

    ## Why it matters
    One cable, NIC or switch failure and each node thinks the other is dead: both take the
    resources and both become DRBD Primary (split brain). dopd needs a second path too (DRBD
    User's Guide 8.3, dopd section). Using the DRBD link for heartbeats is fine as one of two.

    ## Example
    ```
    bcast eth1        # the only path, and also the DRBD link
    ```

    ## Fix
    Add an independent path: `bcast eth0` (LAN), `ucast eth0 <peer LAN IP>` or
    `serial /dev/ttyS0` with a null-modem cable.
    """

    id = "HB107"
    name = "single-communication-path"
    severity = Severity.WARNING
    kinds = HACF

    def check_file(self, model, ctx):
        media = [m for m in model.media if m.interface]
        paths = {(m.kind == "serial", physical_interface(m.interface)) for m in media}
        if len(paths) != 1:
            return
        serial, nic = next(iter(paths))
        if nic.startswith("bond"):  # a bond is several NICs: redundant when its slaves use two switches
            return
        shared = [] if serial or ctx.node is None else _shared_with(ctx.node, nic)
        extra = f", which also carries {' and '.join(shared)}: a single point of failure" if shared else ""
        yield Finding(media[0].span, f"the only Heartbeat path is {media[0].kind} on {nic}{extra}; if it fails each "
                                     "node declares the other dead and both take the resources",
                      hint="add a second, independent path (bcast on the LAN NIC, ucast, or serial)")
