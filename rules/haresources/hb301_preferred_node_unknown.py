from __future__ import annotations

from elastix_halint.builtin.haresources._helpers import HARESOURCES
from elastix_halint.lint.rule import Finding, Rule, Severity


class PreferredNodeUnknown(Rule):
    """The preferred node of a group is not a cluster node.

    ## What it checks
    The first word of each group (compared lower-cased, as ResourceManager does) is a `node`
    of the node's ha.cf and, when node names are captured, the `uname -n` of a cluster node.

    ## Why it matters
    "They must match the names of the nodes listed in ha.cf, which in turn must match the
    `uname -n`" (heartbeat doc/haresources): otherwise the group has no home and never starts
    where intended, or starts on both nodes.

    ## Example
    ```
    voipserver drbddisk::r0 ...        # uname -n is voipserver.drbd
    ```

    ## Fix
    Start the line with the preferred node's `uname -n`.
    """

    id = "HB301"
    name = "preferred-node-unknown"
    severity = Severity.ERROR
    kinds = HARESOURCES

    def check_file(self, model, ctx):
        node = ctx.node
        hacf = getattr(node, "hacf", None)
        declared = [n.lower() for n in hacf.nodes] if hacf is not None else None
        unames = [n.nodename.lower() for n in ctx.cluster.nodes if n.nodename and not n.anonymous]
        for g in model.groups:
            if declared is not None and g.node_key not in declared:
                yield Finding(g.node_span, f"preferred node {g.node} is not a `node` of ha.cf "
                                           f"({', '.join(hacf.nodes) or 'none'}): this group never starts there",
                              suggestion=_close(g.node, hacf.nodes), hint="use a node name of ha.cf")
            elif unames and len(unames) == len(ctx.cluster.nodes) and g.node_key not in unames:
                yield Finding(g.node_span, f"preferred node {g.node} is not the uname -n of any node "
                                           f"({', '.join(n.nodename for n in ctx.cluster.nodes)})",
                              suggestion=_close(g.node, [n.nodename for n in ctx.cluster.nodes]),
                              hint="use the preferred node's uname -n")


def _close(word: str, names) -> str | None:
    import difflib

    found = difflib.get_close_matches(word.lower(), [n.lower() for n in names], n=1, cutoff=0.75)
    return next((n for n in names if found and n.lower() == found[0]), None)
