from __future__ import annotations

from elastix_halint.builtin.replica._helpers import link_states, listing_line
from elastix_halint.lint.rule import Finding, Rule, Severity


REPAIR_HINT = ("on the Primary: `halint snapshot`, then `halint links repair --merge-new` (dry run) and "
               "`halint links repair --apply --merge-new`; on the Secondary move the directory aside and link it")


class ReplicaPathReplacedByDirectory(Rule):
    """A replica symlink was replaced by a real directory (typically by a package upgrade).

    ## What it checks
    Each path of the HOWTO's link map that `facts/links` shows as a real directory, where a
    symlink into the replica mount point should be (the `replaced-dir` state of
    `halint links`).

    ## Why it matters
    `yum update asterisk|mysql-server|elastix` replaces a symlinked directory the package owns
    with a real one; from then on this node writes there locally, the peer never sees it, and
    after a failover the data is gone or stale (Elastix 2.3 HA HOWTO symlink step; RPM
    behaviour on directories it owns).

    ## Example
    ```
    directory|/etc/asterisk|'/etc/asterisk'
    ```

    ## Fix
    `halint links repair` (moves the directory aside, merges what is new with `--merge-new`,
    relinks; `halint links undo` reverts). Re-run it after every upgrade.
    """

    id = "NODE107"
    name = "replica-path-replaced-by-directory"
    severity = Severity.ERROR
    scope = "node"
    needs = ("links",)

    def check_node(self, node, ctx):
        for state, entry, listing in link_states(node, ctx):
            if state.status == "replaced-dir":
                yield Finding(listing_line(entry, listing, state.path, node), f"{state.path} on {node.label} is a real directory where the "
                                                   f"link to {state.expected} should be: what is written there stays "
                                                   "on this node only", hint=REPAIR_HINT)
