from __future__ import annotations

from elastix_halint.lint.rule import Finding, Rule, Severity


class ModuleVersionsDiffer(Rule):
    """The two nodes run different DRBD kernel module versions.

    ## What it checks
    The `version:` line of both nodes' /proc/drbd: a different major.minor (8.3 against 8.4)
    is reported, and an error when their protocol ranges (`proto:86-96`) do not overlap.

    ## Why it matters
    Mismatched modules limit the features both sides agree on, and a non-overlapping protocol
    range cannot connect at all ("incompatible communication protocols"); 8.3 utilities
    against an 8.4 module fail in drbdadm (/proc/drbd version line `api:…/proto:…`).

    ## Example
    ```
    version: 8.3.13 (api:88/proto:86-96)      # peer: version: 8.4.4 (api:1/proto:86-101)
    ```

    ## Fix
    Install the same drbd kernel module and utilities (kmod-drbd83 / kmod-drbd84) on both
    nodes.
    """

    id = "STATE109"
    name = "module-versions-differ"
    severity = Severity.WARNING
    scope = "cluster"
    needs = ("procdrbd", "peer")

    def check_cluster(self, cluster, ctx):
        if len(cluster.nodes) != 2:
            return
        a, b = (n.facts.procdrbd for n in cluster.nodes)
        if not a.major or not b.major or a.major == b.major:
            return
        overlap = None
        if None not in (a.proto_min, a.proto_max, b.proto_min, b.proto_max):
            overlap = max(a.proto_min, b.proto_min) <= min(a.proto_max, b.proto_max)
        na, nb = (n.label for n in cluster.nodes)
        text = f"DRBD {a.version} on {na} but {b.version} on {nb}"
        if overlap is False:
            text += f": their protocol ranges {a.proto_min}-{a.proto_max} and {b.proto_min}-{b.proto_max} do not overlap"
        for proc, other in ((a, b), (b, a)):
            yield Finding(proc, text, severity=Severity.ERROR if overlap is False else None, related=(other,),
                          hint="install the same DRBD module and utilities version on both nodes")
