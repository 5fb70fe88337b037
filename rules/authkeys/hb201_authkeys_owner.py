from __future__ import annotations

from elastix_halint.builtin.authkeys._helpers import authkeys_stat
from elastix_halint.lint.rule import Finding, Rule, Severity


class AuthkeysOwner(Rule):
    """authkeys is not owned by root.

    ## What it checks
    The captured owner of /etc/ha.d/authkeys is `root` (silent when not captured).

    ## Why it matters
    authkeys(5): the file "must not be readable or writable by any users other than root";
    its owner can read the key and forge heartbeats or `hb_standby` requests.

    ## Example
    ```
    600 asterisk asterisk /etc/ha.d/authkeys     # facts/stat
    ```

    ## Fix
    `chown root:root /etc/ha.d/authkeys`.
    """

    id = "HB201"
    name = "authkeys-owner"
    severity = Severity.WARNING
    scope = "node"
    needs = ("authkeys", "stat")

    def check_node(self, node, ctx):
        entry = authkeys_stat(node)
        if entry is not None and entry.owner not in ("root", "0"):
            yield Finding(entry, f"/etc/ha.d/authkeys is owned by {entry.owner} on {node.nodename or node.name}, not root",
                          hint="chown root:root /etc/ha.d/authkeys")
