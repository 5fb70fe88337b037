from __future__ import annotations

from elastix_halint.builtin.runtime._helpers import MinorRule, minor_where
from elastix_halint.lint.rule import Finding, Severity


BAD_LOCAL_DISK = ("Inconsistent", "Outdated", "Diskless", "Failed", "DUnknown", "Negotiating", "Attaching")


class PrimaryDiskNotUpToDate(MinorRule):
    """The Primary serves from a local disk that is not UpToDate.

    ## What it checks
    `ro:Primary/…` with a local disk state other than `UpToDate` (Inconsistent, Outdated,
    Diskless, Failed, DUnknown…).

    ## Why it matters
    Diskless means every read and write goes over the network to the peer (after an I/O error
    with `on-io-error detach`); Inconsistent or Outdated means the services run on data that
    is not the latest (drbd.conf(5) "on-io-error"; /proc/drbd disk states).

    ## Example
    ```
     0: cs:Connected ro:Primary/Secondary ds:Diskless/UpToDate C r-----
    ```

    ## Fix
    Diskless/Failed: replace or re-attach the disk (`drbdadm attach r0`); Inconsistent: let
    the resync finish before relying on this node; Outdated: fail over to the UpToDate peer.
    """

    id = "STATE102"
    name = "primary-disk-not-uptodate"
    severity = Severity.ERROR

    def check(self, node, minor, res, label, ctx):
        if minor.role == "Primary" and minor.disk in BAD_LOCAL_DISK:
            yield Finding(minor, f"{minor_where(minor, label, node)} is Primary on a {minor.disk} local disk",
                          hint=f"Diskless/Failed: `drbdadm attach {label}` after fixing the disk; Inconsistent: "
                               "wait for the resync; Outdated: move the services to the UpToDate peer")
