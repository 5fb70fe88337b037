from __future__ import annotations

from elastix_halint.builtin.replica._helpers import link_states, listing_line
from elastix_halint.lint.rule import Finding, Rule, Severity


def _is_primary(node) -> bool:
    proc = node.facts.procdrbd
    return proc is not None and any(m.role == "Primary" for m in proc.minors)


class ReplicaPathNotLinked(Rule):
    """An Elastix data path is not a symlink to its place in the replica.

    ## What it checks
    Each path of the HOWTO's link map (`/etc/asterisk`, `/var/lib/asterisk`,
    `/usr/lib/asterisk`, `/var/spool/asterisk`, `/var/lib/mysql`, `/var/log/asterisk`,
    `/var/www`) in the node's `facts/links`: a link to the wrong place, a real file, a link
    loop, or (on the Primary) a link whose target is missing is an error; a path that does not
    exist at all is a warning. A real directory is NODE107's. States are those of
    `halint links`.

    ## Why it matters
    Data outside the replica is local to one node: after a failover calls use stale dialplans,
    voicemail and CDRs, and the two nodes diverge silently (Elastix 2.3 HA HOWTO, "DRBD
    Install and Configuration": the directories are moved into /replica and linked back).

    ## Example
    ```
    symbolic link|/var/lib/mysql|'/var/lib/mysql' -> '/data/mysql'
    ```

    ## Fix
    Move the content into the replica once, on the Primary, and link the path on both nodes
    (`ln -s /replica/var/lib/mysql /var/lib/mysql`); `halint links repair` does it.
    """

    id = "NODE106"
    name = "replica-path-not-linked"
    severity = Severity.ERROR
    scope = "node"
    needs = ("links",)

    def check_node(self, node, ctx):
        primary = _is_primary(node)
        for state, entry, listing in link_states(node, ctx):
            if state.status in ("ok", "replaced-dir") or state.status == "dangling" and not primary:
                continue
            severity = Severity.WARNING if state.status == "missing" else None
            yield Finding(listing_line(entry, listing, state.path, node), f"{state.path} on {node.label} should link to {state.expected}: "
                                               f"{state.detail} ({state.status})",
                          severity=severity, hint=f"link it: `ln -s {state.expected} {state.path}` "
                                                  "(or `halint links repair`)")
