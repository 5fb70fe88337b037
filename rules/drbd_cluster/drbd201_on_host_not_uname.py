from __future__ import annotations

from elastix_halint.lint.rule import Finding, Rule, Severity


class OnHostNotUname(Rule):
    """No `on` section of a resource names this node's `uname -n`.

    ## What it checks
    For each node whose `uname -n` is known, every resource of its drbd.conf has an `on`
    section with exactly that name (case-sensitive, as drbdadm compares). A resource with
    `floating` sections is left alone.

    ## Why it matters
    drbdadm ignores the resource on that node ("'r0' not defined in your config (for this
    host)", or "missing section 'on <nodename>'"): DRBD never starts there and Heartbeat's
    drbddisk fails on takeover. Renaming a node after the install (Elastix machines named
    `localhost.localdomain`, or renamed in the web UI) breaks DRBD at the next boot.
    drbd.conf(5) "on host-name … must match the Linux host name (uname -n)".

    ## Example
    ```
    on voipserver { ... }        # uname -n says voipserver.drbd
    ```

    ## Fix
    Write the `on` name exactly as `uname -n` prints it, or set the host name back
    (`/etc/sysconfig/network` HOSTNAME=, `hostname NAME`).
    """

    id = "DRBD201"
    name = "on-host-not-uname"
    severity = Severity.ERROR
    scope = "node"
    needs = ("drbd",)

    def check_node(self, node, ctx):
        name = node.nodename
        if not name:
            return
        cluster_names = {n.nodename for n in ctx.cluster.nodes if n.nodename}
        peer_names = cluster_names - {name}
        managed = {r for n in ctx.cluster.nodes for r in n.managed_resources}
        named = [r for r in node.drbd.resources if any(h.keyword == "on" and h.names for h in r.hosts)]
        # A drbd.conf shared by several clusters holds resources of other hosts, which drbdadm
        # skips on purpose: only resources that involve this cluster count, unless none does.
        ours = [r for r in named if r.name in managed or any(set(h.names) & cluster_names for h in r.hosts)]
        for res in ours or named:
            if any(h.floating for h in res.hosts) or node.drbd_host(res) is not None:
                continue
            hosts = [h for h in res.hosts if h.keyword == "on" and h.names]
            strangers = [h for h in hosts if not set(h.names) & peer_names]
            target = strangers[0] if len(strangers) == 1 else None
            where = target.section.args[0].span if target is not None and target.section.args else res.name_span
            listed = ", ".join(n for h in hosts for n in h.names)
            close = [n for h in hosts for n in h.names if n.lower() == name.lower()]
            why = f" (`{close[0]}` differs only in case)" if close else ""
            yield Finding(where, f"resource {res.name} has no `on {name}` section for this node's `uname -n`; its "
                                 f"`on` sections: {listed}{why}: drbdadm ignores {res.name} on {name}",
                          hint=f"write `on {name}` (exactly `uname -n`) or set the host name back",
                          suggestion=name if target is not None else None)
