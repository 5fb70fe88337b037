from __future__ import annotations

from elastix_halint.builtin.runtime._helpers import MinorRule, SPLIT_BRAIN_HINT, minor_where
from elastix_halint.lint.rule import Finding, Severity


class StandAlone(MinorRule):
    """A resource is StandAlone: DRBD gave up connecting to its peer.

    ## What it checks
    `cs:StandAlone` for a minor in /proc/drbd.

    ## Why it matters
    Nothing replicates and the peer's copy ages with every write. DRBD goes StandAlone after
    "Split-Brain detected, dropping connection!", an authentication or protocol mismatch, or
    `drbdadm disconnect` ("After split brain has been detected, one node will always have the
    resource in a StandAlone connection state", DRBD User's Guide 8.3, s-resolve-split-brain).

    ## Example
    ```
     0: cs:StandAlone ro:Primary/Unknown ds:UpToDate/DUnknown   r-----
    ```

    ## Fix
    Read the kernel log. After a split brain, on the node whose changes are to be thrown away:
    `drbdadm secondary r0; drbdadm -- --discard-my-data connect r0`; on the other:
    `drbdadm connect r0`.
    """

    id = "STATE100"
    name = "drbd-standalone"
    severity = Severity.ERROR

    def check(self, node, minor, res, label, ctx):
        if minor.cs == "StandAlone":
            yield Finding(minor, f"{minor_where(minor, label, node)} is StandAlone: not replicating, the peer's data ages",
                          hint=SPLIT_BRAIN_HINT.format(r=label))
