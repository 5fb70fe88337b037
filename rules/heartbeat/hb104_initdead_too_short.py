from __future__ import annotations

from elastix_halint.builtin.heartbeat._helpers import DEFAULT_DEADTIME_MS, HACF, MIN_INITDEAD_MS, default_initdead, seconds, time_ms
from elastix_halint.lint.rule import Finding, Rule, Severity


class InitdeadTooShort(Rule):
    """`initdead` is shorter than `deadtime`, or than twice `deadtime` / 10 s.

    ## What it checks
    When `initdead` is set: initdead < deadtime is an error; initdead < 2 × deadtime or
    < 10 s is a warning. When it is not set (and deadtime is), Heartbeat's default (deadtime
    itself above 10 s) is judged the same way.

    ## Why it matters
    Heartbeat refuses initdead < deadtime ("Initial dead time [..] is smaller than deadtime").
    At boot, switch ports (spanning tree) and the peer's own boot take time: a short initdead
    declares the peer dead and both nodes start the resources (heartbeat config.c; sample
    ha.cf "It should be at least twice the normal dead time").

    ## Example
    ```
    deadtime 30
    initdead 30
    ```

    ## Fix
    `initdead` ≥ 2 × deadtime and ≥ 10 s, e.g. `deadtime 30` / `initdead 120`.
    """

    id = "HB104"
    name = "initdead-too-short"
    severity = Severity.WARNING
    kinds = HACF

    def check_file(self, model, ctx):
        t = model.times
        init, dead = t.initdead, time_ms(t.deadtime, DEFAULT_DEADTIME_MS)
        if init is None and dead is not None and t.deadtime is not None and default_initdead(dead) < 2 * dead:
            yield Finding(t.deadtime.directive, f"initdead is not set, so Heartbeat waits only "
                                                f"{seconds(default_initdead(dead))} for the peer at boot (less than twice "
                                                f"deadtime): both nodes may start the resources",
                          hint=f"add `initdead {max(2 * dead, MIN_INITDEAD_MS) // 1000}`")
        if init is None or init.ms is None or dead is None:
            return
        if init.ms < dead:
            yield Finding(init.span, f"initdead {seconds(init.ms)} is shorter than deadtime {seconds(dead)}: "
                                     "Heartbeat refuses this configuration", severity=Severity.ERROR,
                          hint=f"set initdead to at least {seconds(max(2 * dead, MIN_INITDEAD_MS))}")
        elif init.ms < 2 * dead or init.ms < MIN_INITDEAD_MS:
            yield Finding(init.span, f"initdead {seconds(init.ms)} is less than "
                                     + (f"twice deadtime ({seconds(2 * dead)})" if init.ms < 2 * dead else "10s")
                                     + ": at boot the peer may be declared dead and both nodes start the resources",
                          hint=f"set initdead to at least {seconds(max(2 * dead, MIN_INITDEAD_MS))}")
