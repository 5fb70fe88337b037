from __future__ import annotations

from elastix_halint.lint.rule import Finding, Rule, Severity


class ClusterServiceDisabledAtBoot(Rule):
    """drbd or heartbeat does not start at boot.

    ## What it checks
    `heartbeat` is enabled at boot when the node has an ha.cf or haresources; `drbd` is when
    haresources starts a DRBD resource with `drbddisk` (not in Pacemaker mode, where the
    cluster starts DRBD itself). A service the boot listing does not name is left alone.

    ## Why it matters
    drbddisk can only promote a resource that is up, and a node whose heartbeat does not start
    does not rejoin after a reboot: the cluster silently runs without a standby (DRBD User's
    Guide 8.3, "Integrating DRBD with Heartbeat clusters").

    ## Example
    ```
    heartbeat  0:off 1:off 2:off 3:off 4:off 5:off 6:off
    ```

    ## Fix
    `chkconfig drbd on; chkconfig heartbeat on` (drbd's start order before heartbeat's).
    """

    id = "NODE104"
    name = "cluster-service-disabled-at-boot"
    severity = Severity.WARNING
    scope = "node"
    needs = ("boot",)

    def check_node(self, node, ctx):
        boot = node.facts.boot
        wanted = []
        if node.hacf is not None or node.haresources is not None:
            wanted.append(("heartbeat", "Heartbeat"))
        if node.managed_resources and not (node.hacf is not None and node.hacf.pacemaker):
            wanted.append(("drbd", "drbddisk in haresources"))
        for name, why in wanted:
            service = boot.get(name)
            if service is not None and not service.enabled:
                yield Finding(service, f"{name} is not started at boot on {node.label} ({service.state}), but "
                                       f"{why} needs it: after a reboot this node does not rejoin the cluster",
                              hint=f"`chkconfig {name} on` / `systemctl enable {name}`")
