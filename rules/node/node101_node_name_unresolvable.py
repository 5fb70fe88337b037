from __future__ import annotations

from elastix_halint.lint.rule import Finding, Rule, Severity, Span


HOSTS_PATH = "/etc/hosts"


def _hosts_span(node) -> Span | None:
    result = node.file(HOSTS_PATH)
    return Span.point(result.source.path, 1) if result is not None else None


class NodeNameUnresolvable(Rule):
    """A cluster node name does not resolve to that node's address in /etc/hosts.

    ## What it checks
    Each node's `uname -n` has a non-loopback line in both nodes' /etc/hosts, and the first
    address it gets there (what `gethostbyname` returns) is one of that node's own addresses
    (its `ip addr`, not the floating IP).

    ## Why it matters
    Heartbeat tools (`hb_takeover`, `cl_status`), dopd and logging use the node names; with
    no static entry they depend on DNS, which may be down during the very failover that needs
    it, and a wrong entry sends them to another machine (DRBD User's Guide 8.3, network
    preparation).

    ## Example
    ```
    192.168.1.243 voipserver.drbd        # and no line for voipbackup.drbd
    ```

    ## Fix
    List both nodes with their fixed addresses in /etc/hosts on both nodes.
    """

    id = "NODE101"
    name = "node-name-unresolvable"
    severity = Severity.WARNING
    scope = "node"
    needs = ("hosts",)

    def check_node(self, node, ctx):
        vips = ctx.cluster.floating_ips
        for name in ctx.cluster.node_names:
            real = [e for e in node.hosts.entries_for(name) if not e.is_loopback]
            if not real:
                where = _hosts_span(node)
                if where is not None:
                    yield Finding(where, f"{name} has no non-loopback line in /etc/hosts of {node.label}: it "
                                         "resolves only through DNS (or to localhost)",
                                  hint=f"add `<address of {name}> {name}` to /etc/hosts on both nodes")
                continue
            first = node.hosts.entries_for(name)[0]
            if first.is_loopback:
                continue  # NODE100's finding
            owner = ctx.cluster.node(name)
            word = next(w for w in first.names if w.text.lower() == name.lower())
            if first.address in vips:
                yield Finding(word, f"/etc/hosts of {node.label} maps {name} to the floating IP {first.address}",
                              related=(vips[first.address],), hint=f"map {name} to its fixed address")
            elif owner is not None and owner.facts.ipaddrs is not None and owner.facts.address_line(first.address) is None:
                yield Finding(word, f"/etc/hosts of {node.label} maps {name} to {first.address}, which is not "
                                    f"an address of {name}", hint=f"map {name} to one of its own addresses")
