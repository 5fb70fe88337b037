from __future__ import annotations

from elastix_halint.builtin.heartbeat._helpers import DEFAULT_DEADTIME_MS, DEFAULT_KEEPALIVE_MS, HACF, seconds, time_ms
from elastix_halint.lint.rule import Finding, Rule, Severity


class DeadtimeVsKeepalive(Rule):
    """`deadtime` is not more than twice `keepalive`.

    ## What it checks
    deadtime > 2 × keepalive, with Heartbeat's defaults (keepalive 1s, deadtime 30s) for a
    value not set; the same for `deadping` when it is set.

    ## Why it matters
    Heartbeat refuses the configuration ("Dead time [..] is too small compared to keeplive")
    and does not start (heartbeat config.c).

    ## Example
    ```
    keepalive 5
    deadtime 10
    ```

    ## Fix
    Keep keepalive < warntime < deadtime, e.g. `keepalive 2`, `warntime 10`, `deadtime 30`.
    """

    id = "HB103"
    name = "deadtime-vs-keepalive"
    severity = Severity.ERROR
    kinds = HACF

    def check_file(self, model, ctx):
        t = model.times
        keep, dead = time_ms(t.keepalive, DEFAULT_KEEPALIVE_MS), time_ms(t.deadtime, DEFAULT_DEADTIME_MS)
        yield from self._deadping(t, keep)
        if keep is None or dead is None or dead > 2 * keep or (t.keepalive is None and t.deadtime is None):
            return
        where = t.deadtime or t.keepalive
        yield Finding(where.span, f"deadtime {seconds(dead)} is not more than twice keepalive {seconds(keep)}: "
                                  "Heartbeat refuses this configuration", hint="raise deadtime (e.g. 30) or lower keepalive (e.g. 2)")

    def _deadping(self, t, keep):
        ping = t.deadping
        if ping is not None and ping.ms is not None and keep is not None and ping.ms <= 2 * keep:
            yield Finding(ping.span, f"deadping {seconds(ping.ms)} is not more than twice keepalive {seconds(keep)}: "
                                     "Heartbeat refuses this configuration (Ping dead time too small)",
                          hint="raise deadping (it defaults to deadtime)")
