from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import FileRule, report_once, resource_label
from elastix_halint.lint.rule import Finding, Severity


class AsyncProtocol(FileRule):
    """Protocol A or B on a two-node failover pair.

    ## What it checks
    `protocol` other than C in a resource with two `on` hosts, no `proxy` section and no
    stacked host (asynchronous replication to a third site is what A is for).

    ## Why it matters
    With A a write counts as done once it is in the local TCP send buffer (B: in the peer's
    memory); when the primary crashes the last writes are lost and the secondary takes over
    with older data — lost MySQL transactions and voicemail (drbd.conf(5) "protocol"; DRBD
    User's Guide 8.3 "Replication modes").

    ## Example
    ```
    resource r0 { protocol A; ... }
    ```

    ## Fix
    `protocol C;` (A only for long-distance replication, ideally with DRBD Proxy).
    """

    id = "DRBD120"
    name = "async-protocol"
    severity = Severity.WARNING

    @report_once
    def check_file(self, model, ctx):
        for res in model.units(complete=False):
            value = res.protocol_value
            if value not in ("A", "B") or not self._failover_pair(res):
                continue
            yield Finding(res.protocol.values[0].span if res.protocol.values else res.protocol,
                          f"{resource_label(res)} replicates with protocol {value}: writes acknowledged before they reach the peer "
                          f"are lost when the primary fails",
                          hint="use `protocol C;` for a failover pair")

    @staticmethod
    def _failover_pair(res) -> bool:
        if res.merged("proxy").options or any(h.keyword == "stacked-on-top-of" or h.section.section("proxy") for h in res.hosts):
            return False
        return not res.hosts or len([h for h in res.hosts if h.keyword == "on"]) == 2
