from __future__ import annotations

from elastix_halint.builtin.runtime._helpers import MinorRule, minor_where
from elastix_halint.lint.rule import Finding, Severity


class WaitingForConnection(MinorRule):
    """A resource is waiting for its peer (WFConnection / Unconnected).

    ## What it checks
    `cs:WFConnection`, `cs:Unconnected`, `cs:WFReportParams` or `cs:BrokenPipe`/
    `cs:NetworkFailure`/`cs:ProtocolError`/`cs:TearDown`/`cs:Timeout` in /proc/drbd.

    ## Why it matters
    The peer is down, unreachable (firewall on TCP 7788, wrong address) or itself StandAlone
    after a split brain: nothing replicates until it connects ("The other might … be … in
    WFConnection", DRBD User's Guide 8.3, s-resolve-split-brain).

    ## Example
    ```
     0: cs:WFConnection ro:Primary/Unknown ds:UpToDate/DUnknown C r-----
    ```

    ## Fix
    Check the peer: is DRBD up (`service drbd status`), is it StandAlone (then resolve the
    split brain there), can it reach this node's replication address and port?
    """

    id = "STATE101"
    name = "drbd-waiting-for-peer"
    severity = Severity.WARNING
    STATES = ("WFConnection", "Unconnected", "WFReportParams", "BrokenPipe", "NetworkFailure", "ProtocolError",
              "TearDown", "Timeout")

    def check(self, node, minor, res, label, ctx):
        if minor.cs in self.STATES:
            yield Finding(minor, f"{minor_where(minor, label, node)} is {minor.cs}: waiting for the peer, not replicating",
                          hint=f"check the peer: `cat /proc/drbd` there (StandAlone? then `drbdadm connect {label}` "
                               "after resolving the split brain), the replication link and TCP port")
