from __future__ import annotations

from elastix_halint.lint.rule import Finding, Rule, Severity


class ReplicationAddressNotLocal(Rule):
    """The replication `address` of a node is not one of that node's addresses.

    ## What it checks
    The `address` of each `on` section naming a cluster node against that node's captured
    `ip addr`, in every node's drbd.conf (each copy of the wrong line needs fixing). An address
    that is the haresources floating IP is reported too: it exists only on the node that holds
    the services.

    ## Why it matters
    drbdadm refuses ("… is not a local address", unless `disable-ip-verification`) or the
    bind fails, and the resource stays StandAlone/Unconnected: no replication at all
    (drbd.conf(5) "disable-ip-verification"; drbd-utils `have_ip()`).

    ## Example
    ```
    on voipbackup.drbd { address 10.1.1.12:7788; }   # ip addr: eth1 10.1.1.2/24
    ```

    ## Fix
    Write the node's replication IP (`ip -o addr show eth1`) in its `on` section, on both
    nodes' drbd.conf.
    """

    id = "DRBD204"
    name = "replication-address-not-local"
    severity = Severity.ERROR
    scope = "node"
    needs = ("drbd",)

    def check_node(self, node, ctx):
        vips = ctx.cluster.floating_ips
        owners = [n for n in ctx.cluster.nodes if n.facts.ipaddrs is not None and n.nodename]
        for res in node.drbd.resources:
            for owner in owners:
                host = owner.drbd_host(res)
                # Its host section's address and those written for it in connections and paths.
                for use in res.addresses_of(host) if host is not None else ():
                    if use.address.family in ("ipv4", "ipv6"):
                        yield from self._check(res, use.address, owner, vips)

    def _check(self, res, address, owner, vips):
        ip = address.ip
        if ip.startswith("127.") or ip == "::1":
            return  # stacked resources behind a proxy listen on loopback
        vip = vips.get(ip)
        if vip is not None:
            yield Finding(address, f"the replication address {ip} of {owner.label} in resource {res.name} is the "
                                   "floating IP of haresources: it exists only on the active node",
                          related=(vip,), hint="use the node's fixed replication IP (e.g. on eth1)")
        elif owner.facts.address_line(ip) is None:
            have = ", ".join(f"{a.address} ({a.ifname})" for a in owner.facts.ipaddrs
                             if a.scope not in ("host", "link")) or "none"
            yield Finding(address, f"{ip} (resource {res.name}, on {owner.label}) is not an address of "
                                   f"{owner.label}; its addresses: {have}",
                          hint=f"write {owner.label}'s own replication IP in its `on` section, in both "
                               "nodes' drbd.conf")
