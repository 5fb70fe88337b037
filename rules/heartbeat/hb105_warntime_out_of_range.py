from __future__ import annotations

from elastix_halint.builtin.heartbeat._helpers import DEFAULT_DEADTIME_MS, DEFAULT_KEEPALIVE_MS, HACF, seconds, time_ms
from elastix_halint.lint.rule import Finding, Rule, Severity


class WarntimeOutOfRange(Rule):
    """`warntime` is not between `keepalive` and `deadtime`.

    ## What it checks
    When `warntime` is set: keepalive < warntime < deadtime.

    ## Why it matters
    A "late heartbeat" warning that fires only after the peer was declared dead (or at every
    heartbeat) tells nothing; warntime is how deadtime is tuned (ha.cf(5) "warntime").

    ## Example
    ```
    keepalive 2
    warntime 30
    deadtime 30
    ```

    ## Fix
    keepalive < warntime < deadtime, e.g. `keepalive 2` / `warntime 10` / `deadtime 30`.
    """

    id = "HB105"
    name = "warntime-out-of-range"
    severity = Severity.WARNING
    kinds = HACF

    def check_file(self, model, ctx):
        t = model.times
        warn = t.warntime
        keep, dead = time_ms(t.keepalive, DEFAULT_KEEPALIVE_MS), time_ms(t.deadtime, DEFAULT_DEADTIME_MS)
        if warn is None or warn.ms is None or keep is None or dead is None:
            return
        if warn.ms >= dead:
            yield Finding(warn.span, f"warntime {seconds(warn.ms)} is not below deadtime {seconds(dead)}: the "
                                     "late-heartbeat warning comes only after the peer is declared dead",
                          hint="keep keepalive < warntime < deadtime")
        elif warn.ms <= keep:
            yield Finding(warn.span, f"warntime {seconds(warn.ms)} is not above keepalive {seconds(keep)}: every "
                                     "heartbeat counts as late", hint="keep keepalive < warntime < deadtime")
