from __future__ import annotations

from elastix_halint.builtin.heartbeat._helpers import HACF
from elastix_halint.lint.rule import Finding, Rule, Severity


def uses_drbd(node) -> bool:
    if node is None:
        return False
    if node.drbd is not None and node.drbd.resources:
        return True
    return node.haresources is not None and any(r.agent == "drbddisk" for r in node.haresources.resources)


def _has_fencing(drbd) -> bool:
    """Whether every DRBD resource has a fencing policy (resource-only or resource-and-stonith)."""
    if drbd is None or not drbd.resources:
        return False
    for res in drbd.resources:
        opt = res.effective("disk", "fencing") or res.effective("net", "fencing")
        if opt is None or opt.value in (None, "dont-care"):
            return False
    return True


class AutoFailbackWithDrbd(Rule):
    """`auto_failback on` in a DRBD cluster.

    ## What it checks
    `auto_failback on` while the node replicates with DRBD (drbd.conf resources or
    `drbddisk` in haresources). Info; a warning when DRBD has no fencing policy.

    ## Why it matters
    Every return of the preferred node moves all services back: a second interruption (calls
    dropped), and a switchover while the returning node may still be SyncTarget: drbddisk
    cannot promote it, or, without fencing, promotes stale data (heartbeat doc/haresources;
    ha.cf(5) "auto_failback").

    ## Example
    ```
    auto_failback on
    ```

    ## Fix
    `auto_failback off`; fail back by hand (`hb_standby`) once /proc/drbd shows
    `cs:Connected ds:UpToDate/UpToDate`.
    """

    id = "HB112"
    name = "auto-failback-with-drbd"
    severity = Severity.INFO
    kinds = HACF

    def check_file(self, model, ctx):
        if model.auto_failback is not True or not uses_drbd(ctx.node):
            return
        fenced = _has_fencing(ctx.node.drbd)
        yield Finding(model.last_word("auto_failback"),
                      "auto_failback on with DRBD: every return of the preferred node moves the services back, "
                      "possibly before DRBD has resynced" + ("" if fenced else ", and DRBD has no fencing to stop a "
                                                              "promotion on outdated data"),
                      severity=None if fenced else Severity.WARNING,
                      hint="use `auto_failback off` and fail back by hand when DRBD is UpToDate/UpToDate")
