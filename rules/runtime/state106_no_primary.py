from __future__ import annotations

from elastix_halint.builtin.runtime._helpers import MinorRule, minor_where
from elastix_halint.lint.rule import Finding, Severity


class NoPrimary(MinorRule):
    """Both nodes are Secondary for a resource Heartbeat should keep Primary somewhere.

    ## What it checks
    `ro:Secondary/Secondary` for a resource haresources starts with `drbddisk::R`.

    ## Why it matters
    No node serves the replica: drbddisk failed to promote (usually because the data is
    Outdated/Inconsistent or after a split brain), or Heartbeat is stopped on both nodes;
    the services that need the replica are down (DRBD User's Guide 8.3, Heartbeat chapter).

    ## Example
    ```
     0: cs:Connected ro:Secondary/Secondary ds:UpToDate/UpToDate C r-----
    ```

    ## Fix
    Check `cl_status`/`/var/log/ha-log` for why drbddisk failed; start Heartbeat, or
    `hb_takeover` on the node that should serve.
    """

    id = "STATE106"
    name = "no-primary"
    severity = Severity.WARNING

    def check(self, node, minor, res, label, ctx):
        if minor.role == "Secondary" and minor.peer_role == "Secondary" and res is not None:
            if any(res.name in n.managed_resources for n in ctx.cluster.nodes):
                yield Finding(minor, f"{minor_where(minor, label, node)} is Secondary on both nodes although Heartbeat "
                                     "should keep it Primary: nobody serves the replica",
                              hint="see /var/log/ha-log for why drbddisk did not promote; start heartbeat or "
                                   "`hb_takeover` on the node that should serve")
