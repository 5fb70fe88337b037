from __future__ import annotations

from elastix_halint.model.haresources import NOT_SERVICES
from elastix_halint.lint.rule import Finding, Rule, Severity


# Started by Heartbeat's own scripts or needed at boot: never a "service Heartbeat starts".
CLUSTER_SERVICES = {"drbd", "heartbeat", "drbdlinks"}


def _services(node, ctx):
    """The haresources entries that are init scripts (this node's haresources, else the peer's)."""
    model = node.haresources
    if model is None:
        peer = ctx.peer(node)
        model = peer.haresources if peer is not None else None
    for res in getattr(model, "resources", ()) or ():
        if res.agent not in NOT_SERVICES and not res.implicit_ipaddr and res.agent not in CLUSTER_SERVICES:
            yield res


class HaServiceEnabledAtBoot(Rule):
    """A service Heartbeat starts is also started at boot.

    ## What it checks
    Every init-script resource of haresources (mysqld, asterisk, httpd…) is off at boot on
    each node (`chkconfig --list` runlevels 2–5, or `systemctl list-unit-files`).

    ## Why it matters
    Started at boot it runs on both nodes outside Heartbeat's control, before the replica is
    mounted: MySQL creates an empty datadir on the local disk, Asterisk answers with a default
    configuration, and Heartbeat's `start` later sees "already running" and never restarts
    it on the replicated data (Pacemaker Explained: "make sure the computer is not configured
    to start any services at boot time — that should be controlled by the cluster").

    ## Example
    ```
    mysqld  0:off 1:off 2:on 3:on 4:on 5:on 6:off
    ```

    ## Fix
    `chkconfig mysqld off` (or `systemctl disable mysqld`) on both nodes; on Elastix also
    check that `amportal`/`/etc/rc.local` does not start Asterisk.
    """

    id = "NODE103"
    name = "ha-service-enabled-at-boot"
    severity = Severity.ERROR
    scope = "node"
    needs = ("boot",)

    def check_node(self, node, ctx):
        boot = node.facts.boot
        for res in _services(node, ctx):
            service = boot.get(res.agent)
            if service is not None and service.enabled:
                yield Finding(service, f"{res.agent} is started by Heartbeat (haresources) but also enabled at boot on "
                                       f"{node.label} ({service.state})", related=(res,),
                              hint=f"`chkconfig {res.agent} off` / `systemctl disable {res.agent}` on both nodes")
