from __future__ import annotations

from elastix_halint.builtin.runtime._helpers import MinorRule, minor_where
from elastix_halint.lint.rule import Finding, Severity


BAD_PEER_DISK = ("Inconsistent", "Outdated", "DUnknown")


class PeerDiskNotUpToDate(MinorRule):
    """The peer's disk is not UpToDate although the nodes are connected.

    ## What it checks
    `cs:Connected` with a peer disk state `Inconsistent`, `Outdated` or `DUnknown`.

    ## Why it matters
    The standby cannot take over with current data: a failover now is an outage or runs on
    stale data (drbd.conf(5) "fencing"; DRBD User's Guide 8.3 dopd section).

    ## Example
    ```
     0: cs:Connected ro:Primary/Secondary ds:UpToDate/Outdated C r-----
    ```

    ## Fix
    Find why it did not resync (`drbdadm disconnect r0; drbdadm connect r0` on the peer
    starts one) and keep the services where they are until it is UpToDate.
    """

    id = "STATE103"
    name = "peer-disk-not-uptodate"
    severity = Severity.WARNING

    def check(self, node, minor, res, label, ctx):
        if minor.cs == "Connected" and minor.peer_disk in BAD_PEER_DISK:
            yield Finding(minor, f"{minor_where(minor, label, node)} is connected but the peer's disk is {minor.peer_disk}: "
                                 "the standby cannot take over with current data",
                          hint=f"on the peer: `drbdadm disconnect {label}; drbdadm connect {label}` to resync")
