from __future__ import annotations

from elastix_halint.lint.rule import Finding, Rule, Severity


def _dopd(hacf) -> tuple:
    """(respawn of dopd or None, apiauth dopd or None) of an ha.cf."""
    respawn = next((r for r in hacf.respawn if r.command and r.command.endswith("dopd")), None)
    apiauth = next((a for a in hacf.apiauth if a.client == "dopd"), None)
    return respawn, apiauth


def fencing_of(res):
    return res.effective("disk", "fencing") or res.effective("net", "fencing")


class NoFencingWithHeartbeat(Rule):
    """Heartbeat promotes DRBD but nothing stops it promoting outdated data.

    ## What it checks
    For each resource haresources starts with `drbddisk::R`: `fencing` is unset or
    `dont-care` while ha.cf runs no dopd; or a `fence-peer` handler calls
    `drbd-peer-outdater` while ha.cf lacks `respawn hacluster …/dopd` or `apiauth dopd`.

    ## Why it matters
    When only the replication link fails, Heartbeat still sees the peer (or not) and can
    promote a Secondary whose data is stale ("time warp"), or both nodes end up Primary: a
    split brain. dopd marks the peer Outdated so it cannot be promoted (DRBD User's Guide
    8.3 "Using Heartbeat with dopd"; it also needs two Heartbeat paths).

    ## Example
    ```
    resource r0 { net { ... } }            # no disk { fencing resource-only; }
    # haresources: voipserver.drbd drbddisk::r0 ...
    ```

    ## Fix
    `disk { fencing resource-only; }` and `handlers { fence-peer
    "/usr/lib/heartbeat/drbd-peer-outdater -t 5"; }`, plus in ha.cf `respawn hacluster
    /usr/lib/heartbeat/dopd` and `apiauth dopd gid=haclient uid=hacluster`.
    """

    id = "DRBD209"
    name = "no-fencing-with-heartbeat"
    severity = Severity.WARNING
    scope = "node"
    needs = ("drbd", "haresources")

    def check_node(self, node, ctx):
        managed = node.managed_resources
        hacf = node.hacf
        if not managed or hacf is not None and hacf.pacemaker:
            return
        respawn, apiauth = _dopd(hacf) if hacf is not None else (None, None)
        for res in node.drbd.resources:
            if res.name not in managed:
                continue
            fencing = fencing_of(res)
            handler = res.handlers.get("fence-peer")
            if (fencing is None or fencing.value == "dont-care") and respawn is None:
                yield Finding(fencing or res.name_span,
                              f"resource {res.name} is promoted by Heartbeat ({managed[res.name][1].text}) without "
                              "fencing: after a replication-link failure an outdated node can be promoted",
                              related=(managed[res.name][1],),
                              hint="add `disk { fencing resource-only; }`, a drbd-peer-outdater fence-peer handler "
                                   "and dopd in ha.cf")
            elif handler is not None and "drbd-peer-outdater" in handler.text and hacf is not None:
                lacking = [t for t, v in (("respawn hacluster …/dopd", respawn), ("apiauth dopd", apiauth)) if v is None]
                if lacking:
                    yield Finding(handler, f"the fence-peer handler of {res.name} calls drbd-peer-outdater, which talks "
                                           f"to dopd, but ha.cf has no {' and no '.join(lacking)}: fencing fails",
                                  hint="add `respawn hacluster /usr/lib/heartbeat/dopd` and "
                                       "`apiauth dopd gid=haclient uid=hacluster` to ha.cf")
