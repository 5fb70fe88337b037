from __future__ import annotations

from elastix_halint.lint.rule import Finding, Rule, Severity


class UnameDiffersFromHostname(Rule):
    """`uname -n` differs from the host name configured for the next boot.

    ## What it checks
    The running node name (`uname -n`) against the configured one (/etc/hostname).

    ## Why it matters
    After the next reboot the node takes the configured name: drbdadm no longer finds its
    `on` section (DRBD201) and Heartbeat its `node` line (HB102), failures that appear only
    at the next boot, typically during an incident (drbd.conf(5) "on host-name"; ha.cf(5)
    "node").

    ## Example
    ```
    facts/uname-n: voipserver.drbd       etc/hostname: localhost.localdomain
    ```

    ## Fix
    Make the configured name the cluster name (/etc/hostname, /etc/sysconfig/network
    HOSTNAME=), or rename the node everywhere.
    """

    id = "NODE102"
    name = "uname-differs-from-hostname"
    severity = Severity.WARNING
    scope = "node"
    needs = ("uname", "hostname")

    def check_node(self, node, ctx):
        running, configured = node.facts.uname, node.facts.hostname
        if running.nodename != configured.nodename:
            yield Finding(configured, f"the configured host name {configured.nodename} differs from `uname -n` "
                                      f"{running.nodename}: after a reboot DRBD and Heartbeat see another node name",
                          related=(running,), hint=f"set the configured host name to {running.nodename}")
