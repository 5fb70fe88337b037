from __future__ import annotations

from elastix_halint.builtin.heartbeat._helpers import initdead_ms, seconds
from elastix_halint.lint.rule import Finding, Rule, Severity


class DrbdWaitVsInitdead(Rule):
    """DRBD's boot-time wait for the peer is longer than Heartbeat's `initdead`.

    ## What it checks
    For each DRBD resource of the node: `wfc-timeout` and `degr-wfc-timeout` (when not 0,
    which DRBD124 covers) compared with ha.cf's `initdead`, or when it is not set with
    Heartbeat's default (config.c: deadtime above 10 s, 12 s below 6 s, else twice deadtime).

    ## Why it matters
    The drbd init script runs before heartbeat and blocks the boot for up to wfc-timeout
    (degr-wfc-timeout after a degraded shutdown) waiting for the peer; Heartbeat then waits
    initdead again. `initdead` already is the "wait for the peer to boot" of the cluster: a
    longer DRBD wait only delays a lone surviving node by wfc-timeout + initdead before it
    serves calls (drbd.conf(5) "wfc-timeout"; ha.cf(5) "initdead").

    ## Example
    ```
    startup { wfc-timeout 600; }      # ha.cf: initdead 120
    ```

    ## Fix
    Keep wfc-timeout and degr-wfc-timeout at or below initdead, e.g. `wfc-timeout 120;
    degr-wfc-timeout 120;` with `initdead 120`.
    """

    id = "HB118"
    name = "drbd-wait-vs-initdead"
    severity = Severity.INFO
    scope = "node"
    needs = ("hacf", "drbd")

    def check_node(self, node, ctx):
        t = node.hacf.times
        init = initdead_ms(t)
        if init is None:
            return
        for res in node.drbd.resources:
            for name in ("wfc-timeout", "degr-wfc-timeout"):
                opt = res.effective("startup", name)
                try:
                    wait = int(opt.value) * 1000 if opt is not None and opt.value else 0
                except ValueError:
                    continue
                if wait > init:
                    yield Finding(opt, f"resource {res.name}: {name} {opt.value}s is longer than Heartbeat's "
                                       f"initdead {seconds(init)}: a lone node waits {seconds(wait + init)} before it "
                                       "takes the resources", related=(t.initdead,) if t.initdead else (),
                                  hint=f"set {name} to at most {init // 1000}")
