from __future__ import annotations

from elastix_halint.builtin.runtime._helpers import MinorRule, minor_where
from elastix_halint.lint.rule import Finding, Severity


class IoSuspended(MinorRule):
    """I/O to a DRBD device is suspended.

    ## What it checks
    The first state flag in /proc/drbd is `s` (suspended) instead of `r`.

    ## Why it matters
    `fencing resource-and-stonith` or `on-no-data-accessible suspend-io` froze all I/O:
    Asterisk and MySQL hang until someone resumes it (drbd.conf(5) "fencing").

    ## Example
    ```
     0: cs:WFConnection ro:Primary/Unknown ds:UpToDate/DUnknown C s-----
    ```

    ## Fix
    Resolve the fencing (is the peer really down/outdated?), then `drbdadm resume-io r0`.
    """

    id = "STATE107"
    name = "io-suspended"
    severity = Severity.ERROR

    def check(self, node, minor, res, label, ctx):
        if minor.flags is not None and minor.flags.suspended:
            yield Finding(minor, f"I/O of {minor_where(minor, label, node)} is suspended: applications writing to it hang",
                          hint=f"resolve the fencing, then `drbdadm resume-io {label}`")
