from __future__ import annotations

from elastix_halint.lint.rule import Finding, Rule, Severity


class NodeNamesMatchUname(Rule):
    """The `node` names of ha.cf are not the nodes' `uname -n`.

    ## What it checks
    On each node, ha.cf declares (case-insensitively) the `uname -n` of every node of the
    cluster; a declared name that matches no node is reported too when every node's name is
    known.

    ## Why it matters
    A node missing from its own ha.cf refuses to start ("Current node [x] not in
    configuration!"); a misspelt peer is never heard from, so each node takes all resources:
    split brain (heartbeat config.c `lookup_node`; http://linux-ha.org/ha.cf/NodeDirective).

    ## Example
    ```
    node voipserver
    node voipbackup.drbd      # but uname -n says voipserver.drbd
    ```

    ## Fix
    Write `node <uname -n>` for each node, exactly as `uname -n` prints it.
    """

    id = "HB102"
    name = "node-names-match-uname"
    severity = Severity.ERROR
    scope = "node"
    needs = ("hacf",)

    def check_node(self, node, ctx):
        hacf = node.hacf
        declared = {a.text.lower(): a for a in hacf.node_args}
        names = [n.nodename for n in ctx.cluster.nodes if n.nodename]
        for name in names:
            if name.lower() in declared:
                continue
            close = _closest(name, declared)
            where = close or (hacf.node_args[0] if hacf.node_args else (hacf.directives[0] if hacf.directives else None))
            listed = ", ".join(a.text for a in hacf.node_args) or "none"
            yield Finding(
                where,
                f"uname -n {name} is not among the node names of this ha.cf ({listed}): "
                + ("Heartbeat refuses to start on this node" if name == node.nodename else "that node is never heard from"),
                hint=f"write `node {name}`",
                suggestion=name if close else None,
            )
        if len(names) == len(ctx.cluster.nodes) >= 2:
            known = {n.lower() for n in names}
            for key, arg in declared.items():
                if key not in known and _closest(arg.text, {k: k for k in known}) is None:
                    yield Finding(arg, f"node {arg.text} is not the uname -n of any node of this cluster "
                                       f"({', '.join(names)})", severity=Severity.WARNING,
                                  hint="remove it or correct the name")


def _closest(name: str, declared: dict):
    """The declared node name that is most likely a misspelling of ``name``."""
    import difflib

    match = difflib.get_close_matches(name.lower(), list(declared), n=1, cutoff=0.8)
    return declared[match[0]] if match else None
