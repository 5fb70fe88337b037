from __future__ import annotations

import ipaddress

from elastix_halint.builtin.haresources._helpers import HARESOURCES
from elastix_halint.lint.rule import Finding, Rule, Severity
from elastix_halint.model.facts import physical_interface


class FloatingIpNoInterface(Rule):
    """The floating IP has no interface or subnet to go on.

    ## What it checks
    `IPaddr[2]::IP[/MASK[/IFACE[/BCAST]]]` against each node's `ip addr`: IFACE (without its
    `:N` alias) exists; without IFACE, or with IFACE but no MASK, an interface has an address
    in a subnet containing IP; a MASK that differs from that subnet's (other than /32) is a
    warning. Without facts only the address itself is checked (not the network or broadcast
    address of its subnet; a dotted mask must be contiguous).

    ## Why it matters
    "The given IP address is directed to an interface which has a route to the given
    address" (heartbeat doc/haresources): IPaddr finds no interface and the floating IP never
    comes up, so phones cannot reach the PBX after a failover.

    ## Example
    ```
    node1 IPaddr::10.9.9.5       # no interface of node1 is in 10.9.9.0/x
    ```

    ## Fix
    Give the interface and mask (`IPaddr::192.168.1.245/24/eth0`) or add an address in that
    subnet to the node.
    """

    id = "HB307"
    name = "floating-ip-no-interface"
    severity = Severity.ERROR
    kinds = HARESOURCES

    def check_file(self, model, ctx):
        node = ctx.node
        with_facts = node is not None and not node.anonymous and node.facts.ipaddrs is not None
        for res, fields in model.ip_resources():
            yield from _address_itself(res, *fields)
            if with_facts:
                yield from _against_node(res, node, *fields)


def _address_itself(res, ip, prefix, iface, bcast):
    mask = res.parameter("cidr_netmask")
    if mask and prefix is None and not mask.isdigit():
        yield Finding(res.part_span(mask), f"netmask {mask} is not a contiguous mask", hint="use a prefix length such as 24")
    if prefix is not None and prefix < 31:
        net = ipaddress.IPv4Network(f"{ip}/{prefix}", strict=False)
        if ipaddress.IPv4Address(ip) in (net.network_address, net.broadcast_address):
            yield Finding(res.part_span(ip), f"{ip} is the {'network' if ipaddress.IPv4Address(ip) == net.network_address else 'broadcast'} "
                                              f"address of {net}", hint="use a host address of the subnet")


def _against_node(res, node, ip, prefix, iface, bcast):
    name = node.label
    if iface:
        known = node.facts.interface_names or set()
        if physical_interface(iface) not in known:
            from elastix_halint.parsing.larkkit import suggest

            meant = suggest(physical_interface(iface), sorted(known))
            yield Finding(res.part_span("/" + iface), f"interface {iface} of {res.agent} does not exist on {name} "
                                                       f"(interfaces: {', '.join(sorted(known))})",
                          suggestion=meant, hint="use an interface of `ip addr`")
            return
        if prefix is not None:
            return  # interface and mask given: IPaddr needs no route
    holders = node.facts.subnets_holding(ip, iface)
    if not holders:
        yield Finding(res.part_span(ip), f"no address of {name}{' on ' + iface if iface else ''} is in a subnet "
                                          f"containing {ip}: IPaddr finds no interface for it",
                      hint="give /MASK/INTERFACE or put the node on that subnet")
        return
    a, net = holders[0]
    if prefix is not None and prefix not in (32, net.prefixlen):
        yield Finding(res.part_span("/" + str(res.parameter("cidr_netmask"))),
                      f"/{prefix} differs from the /{net.prefixlen} of {a.ifname} ({a.address}) on {name}",
                      severity=Severity.WARNING, related=(a,), hint=f"use /{net.prefixlen}")
