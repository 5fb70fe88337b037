from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import HeartbeatNodeRule, report_once
from elastix_halint.lint.rule import Finding, Severity


class BecomePrimaryWithHeartbeat(HeartbeatNodeRule):
    """`become-primary-on` while Heartbeat's `drbddisk` decides which node is primary.

    ## What it checks
    `startup { become-primary-on …; }` in a resource that haresources also promotes with
    `drbddisk` (`drbddisk::RES`, or bare `drbddisk` for all resources).

    ## Why it matters
    The drbd init script promotes the named node at boot, before and regardless of Heartbeat:
    after a failover the old primary reboots and becomes primary again next to the new one —
    a split brain (drbd.conf(5) "become-primary-on": "Usually one delegates the role assignment
    to a cluster manager (e.g. heartbeat)").

    ## Example
    ```
    startup { become-primary-on voipserver.drbd; }
    # haresources: voipserver.drbd drbddisk::r0 ...
    ```

    ## Fix
    Remove `become-primary-on`; let Heartbeat promote.
    """

    id = "DRBD116"
    name = "become-primary-with-heartbeat"
    severity = Severity.WARNING

    @report_once
    def check_node(self, node, ctx):
        managed = node.drbddisk_resources
        if not managed:
            return
        for res in node.drbd.resources:
            become = res.startup.get("become-primary-on")
            drbddisk = managed.get(res.name) or managed.get("*")
            if become is None or drbddisk is None:
                continue
            yield Finding(become.name_span, f"resource `{res.name}` has `become-primary-on {become.text}` while Heartbeat "
                                            f"promotes it with `{drbddisk.text}`",
                          related=(drbddisk,), hint="remove become-primary-on; Heartbeat decides the primary")
