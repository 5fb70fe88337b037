from __future__ import annotations

from elastix_halint.builtin.authkeys._helpers import authkeys_stat
from elastix_halint.lint.rule import Finding, Rule, Severity


class AuthkeysReadable(Rule):
    """authkeys can be read by group or others (mode not 600).

    ## What it checks
    The captured mode of /etc/ha.d/authkeys (facts/stat, or the live file with `--root /`):
    any group/other read bit is an error (Heartbeat refuses the file), any other bit besides
    owner read/write a warning. Nothing is said when the mode was not captured (a git
    checkout of the configuration has no meaningful modes).

    ## Why it matters
    Heartbeat refuses to start: "Bad permissions on keyfile [/etc/ha.d/authkeys], 600
    recommended." (heartbeat auth.c, `S_IROTH | S_IRGRP`); and a readable key lets anyone on
    the node forge cluster messages (authkeys(5)).

    ## Example
    ```
    644 root root /etc/ha.d/authkeys        # facts/stat
    ```

    ## Fix
    `chmod 600 /etc/ha.d/authkeys` on both nodes.
    """

    id = "HB200"
    name = "authkeys-readable"
    severity = Severity.ERROR
    scope = "node"
    needs = ("authkeys", "stat")

    def check_node(self, node, ctx):
        entry = authkeys_stat(node)
        if entry is None or entry.mode & 0o077 == 0:  # 600, 400: only root
            return
        refused = entry.mode & 0o044
        yield Finding(
            entry,
            f"/etc/ha.d/authkeys has mode {entry.mode:04o} on {node.nodename or node.name}"
            + (": Heartbeat refuses to start (Bad permissions on keyfile, 600 recommended)" if refused
               else ": others than root may change or run it; 600 is expected"),
            severity=None if refused else Severity.WARNING,
            hint="chmod 600 /etc/ha.d/authkeys",
        )
