from __future__ import annotations

import ipaddress

from elastix_halint.builtin.haresources._helpers import HARESOURCES
from elastix_halint.lint.rule import Finding, Rule, Severity


class FloatingIpBroadcast(Rule):
    """The broadcast address of IPaddr does not match its netmask.

    ## What it checks
    `IPaddr::IP/MASK/IFACE/BCAST`: BCAST is the highest address of IP/MASK (MASK taken from
    the node's interface when not written).

    ## Why it matters
    A wrong broadcast gives wrong ARP/broadcast behaviour on the floating IP; the gratuitous
    ARP after failover may not refresh the phones' and switch's caches (heartbeat
    doc/haresources: "defaults to the highest address on the subnet").

    ## Example
    ```
    IPaddr::192.168.1.245/24/eth0/192.168.0.255
    ```

    ## Fix
    Give the subnet's broadcast (`192.168.1.255` for /24) or leave it out.
    """

    id = "HB308"
    name = "floating-ip-broadcast"
    severity = Severity.WARNING
    kinds = HARESOURCES

    def check_file(self, model, ctx):
        for res, (ip, prefix, iface, bcast) in model.ip_resources():
            if bcast is None:
                continue
            if prefix is None and ctx.node is not None and ctx.node.facts.ipaddrs:
                holders = ctx.node.facts.subnets_holding(ip, iface)
                prefix = holders[0][1].prefixlen if holders else None
            if prefix is None:
                continue
            expected = str(ipaddress.IPv4Network(f"{ip}/{prefix}", strict=False).broadcast_address)
            if bcast != expected:
                yield Finding(res.part_span("/" + bcast), f"broadcast {bcast} does not match {ip}/{prefix} "
                                                           f"(its broadcast is {expected})", hint=f"use {expected}")
