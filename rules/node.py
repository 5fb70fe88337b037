"""Node fact rules (NODE100–NODE104): /etc/hosts, host names and services at boot.

NODE106/NODE107 (replica symlinks) are in rules/replica.py. Not implemented, for want of
captured data: NODE105 (needs /etc/fstab), NODE108 (needs the mount table and the mount
point's content on the Secondary), NODE109 (needs both nodes' clocks at one instant), NODE110
(needs fstab, mounts, swap and LVM/MD membership of the backing device).
"""

from __future__ import annotations

from elastix_halint.builtin.drbd_cluster import address_entry, floating_ips, managed_resources
from elastix_halint.builtin.haresources import NOT_SERVICES, node_label
from elastix_halint.lint.rule import Finding, Rule, Severity, Span

HOSTS_PATH = "/etc/hosts"
# Started by Heartbeat's own scripts or needed at boot: never a "service Heartbeat starts".
CLUSTER_SERVICES = {"drbd", "heartbeat", "drbdlinks"}


def node_names(cluster) -> list[str]:
    """The cluster's node names: each node's `uname -n`, else its ha.cf `node` names.

    None for a lone machine with no DRBD or Heartbeat configuration: it is not a cluster node,
    and its host name on the loopback line is not a cluster problem."""
    if len(cluster.nodes) < 2 and not any(n.is_cluster_node for n in cluster.nodes):
        return []
    names = [n.nodename for n in cluster.nodes if n.nodename]
    if len(names) < len(cluster.nodes):
        for node in cluster.nodes:
            names += list(getattr(node.hacf, "nodes", ()) or ())
    return list(dict.fromkeys(names))


def _name_forms(name: str) -> set[str]:
    """A node name and its short form (``voipbackup`` of ``voipbackup.drbd``), lower-cased."""
    low = name.lower()
    return {low, low.split(".", 1)[0]}


def _hosts_span(node) -> Span | None:
    result = node.file(HOSTS_PATH)
    return Span.point(result.source.path, 1) if result is not None else None


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
        for name in node_names(ctx.cluster):
            for form in _name_forms(name):
                if not form.startswith("localhost"):
                    forms.setdefault(form, name)
        for entry in node.hosts.entries:
            if not entry.is_loopback:
                continue
            for word in entry.names:
                name = forms.get(word.text.lower())
                if name is not None:
                    yield Finding(word, f"/etc/hosts of {node_label(node)} maps cluster node name {word.text} to the "
                                        f"loopback address {entry.address}: tools resolving {name} reach localhost",
                                  hint=f"remove {word.text} from the {entry.address} line; map it to the node's real IP")


class NodeNameUnresolvable(Rule):
    """A cluster node name does not resolve to that node's address in /etc/hosts.

    ## What it checks
    Each node's `uname -n` has a non-loopback line in both nodes' /etc/hosts, and the first
    address it gets there (what `gethostbyname` returns) is one of that node's own addresses
    (its `ip addr`, not the floating IP).

    ## Why it matters
    Heartbeat tools (`hb_takeover`, `cl_status`), dopd and logging use the node names; with
    no static entry they depend on DNS, which may be down during the very failover that needs
    it, and a wrong entry sends them to another machine (DRBD User's Guide 8.3, network
    preparation).

    ## Example
    ```
    192.168.1.243 voipserver.drbd        # and no line for voipbackup.drbd
    ```

    ## Fix
    List both nodes with their fixed addresses in /etc/hosts on both nodes.
    """

    id = "NODE101"
    name = "node-name-unresolvable"
    severity = Severity.WARNING
    scope = "node"
    needs = ("hosts",)

    def check_node(self, node, ctx):
        vips = floating_ips(ctx.cluster)
        for name in node_names(ctx.cluster):
            real = [e for e in node.hosts.entries_for(name) if not e.is_loopback]
            if not real:
                where = _hosts_span(node)
                if where is not None:
                    yield Finding(where, f"{name} has no non-loopback line in /etc/hosts of {node_label(node)}: it "
                                         "resolves only through DNS (or to localhost)",
                                  hint=f"add `<address of {name}> {name}` to /etc/hosts on both nodes")
                continue
            first = node.hosts.entries_for(name)[0]
            if first.is_loopback:
                continue  # NODE100's finding
            owner = ctx.cluster.node(name)
            word = next(w for w in first.names if w.text.lower() == name.lower())
            if first.address in vips:
                yield Finding(word, f"/etc/hosts of {node_label(node)} maps {name} to the floating IP {first.address}",
                              related=(vips[first.address],), hint=f"map {name} to its fixed address")
            elif owner is not None and owner.facts.ipaddrs is not None and address_entry(owner, first.address) is None:
                yield Finding(word, f"/etc/hosts of {node_label(node)} maps {name} to {first.address}, which is not "
                                    f"an address of {name}", hint=f"map {name} to one of its own addresses")


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


def _services(node, ctx):
    """The haresources entries that are init scripts (this node's haresources, else the peer's)."""
    model = node.haresources
    if model is None:
        peer = ctx.peer(node)
        model = peer.haresources if peer is not None else None
    for res in getattr(model, "resources", ()) or ():
        if res.agent not in NOT_SERVICES and not res.implicit_ipaddr and res.agent not in CLUSTER_SERVICES:
            yield res


class HaServiceEnabledAtBoot(Rule):
    """A service Heartbeat starts is also started at boot.

    ## What it checks
    Every init-script resource of haresources (mysqld, asterisk, httpd…) is off at boot on
    each node (`chkconfig --list` runlevels 2–5, or `systemctl list-unit-files`).

    ## Why it matters
    Started at boot it runs on both nodes outside Heartbeat's control, before the replica is
    mounted: MySQL creates an empty datadir on the local disk, Asterisk answers with a default
    configuration, and Heartbeat's `start` later sees "already running" and never restarts
    it on the replicated data (Pacemaker Explained: "make sure the computer is not configured
    to start any services at boot time — that should be controlled by the cluster").

    ## Example
    ```
    mysqld  0:off 1:off 2:on 3:on 4:on 5:on 6:off
    ```

    ## Fix
    `chkconfig mysqld off` (or `systemctl disable mysqld`) on both nodes; on Elastix also
    check that `amportal`/`/etc/rc.local` does not start Asterisk.
    """

    id = "NODE103"
    name = "ha-service-enabled-at-boot"
    severity = Severity.ERROR
    scope = "node"
    needs = ("boot",)

    def check_node(self, node, ctx):
        boot = node.facts.boot
        for res in _services(node, ctx):
            service = boot.get(res.agent)
            if service is not None and service.enabled:
                yield Finding(service, f"{res.agent} is started by Heartbeat (haresources) but also enabled at boot on "
                                       f"{node_label(node)} ({service.state})", related=(res,),
                              hint=f"`chkconfig {res.agent} off` / `systemctl disable {res.agent}` on both nodes")


class ClusterServiceDisabledAtBoot(Rule):
    """drbd or heartbeat does not start at boot.

    ## What it checks
    `heartbeat` is enabled at boot when the node has an ha.cf or haresources; `drbd` is when
    haresources starts a DRBD resource with `drbddisk` (not in Pacemaker mode, where the
    cluster starts DRBD itself). A service the boot listing does not name is left alone.

    ## Why it matters
    drbddisk can only promote a resource that is up, and a node whose heartbeat does not start
    does not rejoin after a reboot: the cluster silently runs without a standby (DRBD User's
    Guide 8.3, "Integrating DRBD with Heartbeat clusters").

    ## Example
    ```
    heartbeat  0:off 1:off 2:off 3:off 4:off 5:off 6:off
    ```

    ## Fix
    `chkconfig drbd on; chkconfig heartbeat on` (drbd's start order before heartbeat's).
    """

    id = "NODE104"
    name = "cluster-service-disabled-at-boot"
    severity = Severity.WARNING
    scope = "node"
    needs = ("boot",)

    def check_node(self, node, ctx):
        boot = node.facts.boot
        wanted = []
        if node.hacf is not None or node.haresources is not None:
            wanted.append(("heartbeat", "Heartbeat"))
        if managed_resources(node) and not (node.hacf is not None and node.hacf.pacemaker):
            wanted.append(("drbd", "drbddisk in haresources"))
        for name, why in wanted:
            service = boot.get(name)
            if service is not None and not service.enabled:
                yield Finding(service, f"{name} is not started at boot on {node_label(node)} ({service.state}), but "
                                       f"{why} needs it: after a reboot this node does not rejoin the cluster",
                              hint=f"`chkconfig {name} on` / `systemctl enable {name}`")


RULES = [
    NodeNameOnLoopback,
    NodeNameUnresolvable,
    UnameDiffersFromHostname,
    HaServiceEnabledAtBoot,
    ClusterServiceDisabledAtBoot,
]
