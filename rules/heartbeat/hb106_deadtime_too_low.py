from __future__ import annotations

from elastix_halint.builtin.heartbeat._helpers import HACF, MIN_INITDEAD_MS, seconds
from elastix_halint.lint.rule import Finding, Rule, Severity


class DeadtimeTooLow(Rule):
    """`deadtime` is very short.

    ## What it checks
    deadtime below 10 s.

    ## Why it matters
    "Setting this value too low will cause the system to falsely declare itself dead"
    (ha.cf(5) "deadtime"): an I/O spike (MySQL, Asterisk recordings) delays a heartbeat and
    the standby takes over while the primary still runs: spurious failover or split brain.

    ## Example
    ```
    keepalive 1
    deadtime 4
    ```

    ## Fix
    Measure with `warntime` and keep deadtime well above the worst late heartbeat (≥ 10 s,
    the HOWTO uses 30).
    """

    id = "HB106"
    name = "deadtime-too-low"
    severity = Severity.INFO
    kinds = HACF

    def check_file(self, model, ctx):
        dead = model.times.deadtime
        if dead is not None and dead.ms is not None and dead.ms < MIN_INITDEAD_MS:
            yield Finding(dead.span, f"deadtime {seconds(dead.ms)} is under 10s: a load spike can make the peer "
                                     "look dead (spurious failover)", hint="use warntime to measure, then deadtime ≥ 10s")
