from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import (
    HeartbeatNodeRule, report_once, setting_of, syntax_version,
)
from elastix_halint.lint.rule import Finding, Severity
from elastix_halint.model import drbd_keywords as kw


class WaitForeverAtBoot(HeartbeatNodeRule):
    """`wfc-timeout 0` on a Heartbeat node: booting waits forever for the peer.

    ## What it checks
    On a node whose haresources promotes DRBD with `drbddisk`, DRBD 8.3/8.4 resources whose
    `wfc-timeout` and `degr-wfc-timeout` are both 0 (or not set: 0 is the default).

    ## Why it matters
    "The init script drbd(8) blocks the boot process until the DRBD resources are connected"
    (drbd.conf(5) "wfc-timeout"): when the peer is dead, a rebooted node never finishes booting
    and Heartbeat, which starts after drbd, never runs on it — the cluster cannot take over.
    (Pacemaker clusters do not use the init script; they are not checked.)

    ## Example
    ```
    startup { wfc-timeout 0; }
    # haresources: voipserver.drbd drbddisk::r0 ...
    ```

    ## Fix
    `startup { wfc-timeout 120; degr-wfc-timeout 120; }` — Heartbeat decides afterwards.
    """

    id = "DRBD124"
    name = "wait-forever-at-boot"
    severity = Severity.INFO

    @report_once
    def check_node(self, node, ctx):
        version = syntax_version(node.drbd, ctx)
        managed = node.drbddisk_resources
        if version == kw.V9 or not managed:
            return
        for res in node.drbd.resources:
            if res.name not in managed and "*" not in managed:
                continue
            wfc, wfc_opt = setting_of(res, "startup", "wfc-timeout", version)
            degr, _degr_opt = setting_of(res, "startup", "degr-wfc-timeout", version)
            if wfc == 0 and degr == 0:
                where = wfc_opt.values[0].span if wfc_opt is not None and wfc_opt.values else res.name_span
                yield Finding(where, f"resource `{res.name}`: `wfc-timeout` is 0, so a boot without the peer waits "
                                     f"forever and Heartbeat never starts",
                              hint="startup { wfc-timeout 120; degr-wfc-timeout 120; }")
