from __future__ import annotations

from elastix_halint.builtin.runtime._helpers import MinorRule, SPLIT_BRAIN_HINT, minor_where
from elastix_halint.lint.rule import Finding, Severity


class BothPrimary(MinorRule):
    """Both nodes are Primary without `allow-two-primaries`.

    ## What it checks
    `ro:Primary/Primary` for a resource whose `net` section does not allow two primaries.

    ## Why it matters
    Two nodes write independently to what should be one disk: a split brain in progress; one
    side's writes will be discarded (DRBD User's Guide 8.3, s-resolve-split-brain).

    ## Example
    ```
     0: cs:StandAlone ro:Primary/Primary ds:UpToDate/UpToDate   r-----
    ```

    ## Fix
    Stop the services on the node whose changes are to be lost, then resolve the split brain:
    `drbdadm secondary r0; drbdadm -- --discard-my-data connect r0` there.
    """

    id = "STATE105"
    name = "both-primary"
    severity = Severity.ERROR

    def check(self, node, minor, res, label, ctx):
        if minor.role == "Primary" and minor.peer_role == "Primary":
            two = res.effective("net", "allow-two-primaries") if res is not None else None
            if two is None or two.normalised is False:
                yield Finding(minor, f"{minor_where(minor, label, node)} is Primary on both nodes without "
                                     "allow-two-primaries: a split brain in progress",
                              hint=SPLIT_BRAIN_HINT.format(r=label))
