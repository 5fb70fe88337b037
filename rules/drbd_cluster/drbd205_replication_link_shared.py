from __future__ import annotations

import ipaddress

from elastix_halint.lint.rule import Finding, Rule, Severity


def _network(entry):
    try:
        return ipaddress.ip_interface(f"{entry.address}/{entry.prefix}").network
    except ValueError:
        return None


class ReplicationLinkShared(Rule):
    """The replication addresses are not on one subnet, or share the floating IP's interface.

    ## What it checks
    For each path of each resource from this node to its peer (the two host sections'
    addresses, or those of DRBD 9 `connection` and `path` endpoints), the interface carrying
    this node's address: the peer's address must be inside that interface's subnet, and that
    interface should not also carry the haresources floating IP (the public LAN).

    ## Why it matters
    Routed replication adds latency to every write (protocol C waits for the peer), and
    replication on the public LAN competes with the VoIP RTP streams; when that one link
    fails, DRBD and Heartbeat lose the peer together. DRBD User's Guide 8.3 "Preparing your
    network configuration": a dedicated, back-to-back link is recommended.

    ## Example
    ```
    on voipserver.drbd { address 192.168.1.243:7788; }   # eth0, where IPaddr::192.168.1.245 lives
    ```

    ## Fix
    Replicate over a dedicated link (e.g. eth1, 10.1.1.0/24 crossover) and use those
    addresses in both `on` sections.
    """

    id = "DRBD205"
    name = "replication-link-shared"
    severity = Severity.WARNING
    scope = "node"
    needs = ("drbd", "ipaddrs")

    def check_node(self, node, ctx):
        peer = ctx.peer(node)
        vips = ctx.cluster.floating_ips
        for res in node.drbd.resources:
            host = node.drbd_host(res)
            if host is None:
                continue
            peer_host = peer.drbd_host(res) if peer is not None else None
            seen = set()
            # Every path to a peer: the implicit connection of two host sections, DRBD 9
            # connections and their paths (each with the addresses in force there).
            for other, own_end, peer_end, _conn in res.peers_of(host):
                own, theirs = own_end.address, peer_end.address
                if own is None or (peer_host is not None and other is not peer_host):
                    continue
                key = (own.ip, theirs.ip if theirs is not None else None)
                if key not in seen:
                    seen.add(key)
                    yield from self._check(res, node, own, theirs, vips)

    def _check(self, res, node, own, theirs, vips):
        entry = node.facts.address_line(own.ip)
        net = _network(entry) if entry is not None else None
        if net is None:
            return
        if theirs is not None and _inside(theirs.ip, net) is False:
            yield Finding(own, f"the peer's replication address {theirs.ip} (resource {res.name}) is not in "
                               f"{net}, the subnet of {entry.ifname} carrying {own.ip}: replication goes through a "
                               "router", related=(theirs,), hint="put both replication addresses on one dedicated link")
            return
        shared = [(ip, r) for ip, r in vips.items() if _inside(ip, net)]
        if shared:
            ip, vip = shared[0]
            yield Finding(own, f"resource {res.name} replicates over {entry.ifname} ({net}), the network of "
                               f"the floating IP {ip}: replication competes with VoIP traffic and one "
                               "link failure cuts both", related=(vip,),
                          hint="replicate over a dedicated link (e.g. eth1 crossover)")


def _inside(ip: str, net) -> bool | None:
    try:
        return ipaddress.ip_address(ip) in net
    except (ValueError, TypeError):
        return None
