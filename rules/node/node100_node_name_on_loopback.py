from __future__ import annotations

from elastix_halint.lint.rule import Finding, Rule, Severity


def _name_forms(name: str) -> set[str]:
    """A node name and its short form (``voipbackup`` of ``voipbackup.drbd``), lower-cased."""
    low = name.lower()
    return {low, low.split(".", 1)[0]}


class NodeNameOnLoopback(Rule):
    """/etc/hosts puts a cluster node's name on the loopback line.

    ## What it checks
    In each node's /etc/hosts, no 127.x or ::1 line names a cluster node (`uname -n` of
    either node, or its short form). The Elastix 2.3 HA HOWTO's own sample does this:
    `127.0.0.1 localhost voipbackup.drbd localhost.localdomain`.

    ## Why it matters
    Whatever resolves the node's name gets localhost: Heartbeat `ping`/`ucast` helpers,
    dopd/drbd-peer-outdater, MySQL grants and Asterisk bind by name, `hostname -i`. The peer
    then looks alive or dead wrongly and services bind the wrong interface (DRBD User's Guide
    8.3 "Preparing your network configuration" needs the names to resolve to the replication
    addresses; the HOWTO's /etc/hosts sample).

    ## Example
    ```
    127.0.0.1 localhost voipbackup.drbd localhost.localdomain
    ```

    ## Fix
    Keep `127.0.0.1 localhost localhost.localdomain` only, and give each node its real
    address: `192.168.1.243 voipserver.drbd`, `192.168.1.242 voipbackup.drbd` on both nodes.
    """

    id = "NODE100"
    name = "node-name-on-loopback"
    severity = Severity.ERROR
    scope = "node"
    needs = ("hosts",)

    def check_node(self, node, ctx):
        forms = {}
        for name in ctx.cluster.node_names:
            for form in _name_forms(name):
                if not form.startswith("localhost"):
                    forms.setdefault(form, name)
        for entry in node.hosts.entries:
            if not entry.is_loopback:
                continue
            for word in entry.names:
                name = forms.get(word.text.lower())
                if name is not None:
                    yield Finding(word, f"/etc/hosts of {node.label} maps cluster node name {word.text} to the "
                                        f"loopback address {entry.address}: tools resolving {name} reach localhost",
                                  hint=f"remove {word.text} from the {entry.address} line; map it to the node's real IP")
