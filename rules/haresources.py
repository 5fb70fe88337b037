"""Heartbeat ``haresources`` rules (HB300–HB312).

A group ``NODE RES1 RES2 ...`` starts left to right and stops right to left. The rules read
the haresources model and, through ``ctx.node``/``ctx.cluster``, the node's drbd.conf, ha.cf,
/etc/hosts and captured facts. Services enabled at boot are NODE103's (rules/node.py).
HB305 only catches misspelt Heartbeat scripts (whether a script is installed is not captured);
HB306 (LSB behaviour of init scripts) needs running the scripts and is not implemented.
"""

from __future__ import annotations

import ipaddress
import re

from elastix_halint.lint.rule import Edit, Finding, Rule, Severity, Span
from elastix_halint.model.haresources import BACKSLASH_EOF, BACKSLASH_SPACE, COMMENT_IN_CONTINUATION, STRAY_BACKSLASH
from elastix_halint.builtin.heartbeat import interfaces, physical

HARESOURCES = ("haresources",)
IP_AGENTS = ("IPaddr", "IPaddr2")
# Resource agents that are not services using the replicated data.
NETWORK_AGENTS = {"IPaddr", "IPaddr2", "IPv6addr", "IPsrcaddr", "SendArp", "IProute", "portblock"}
STORAGE_AGENTS = {"drbddisk", "Filesystem", "LVM", "Raid1", "LinuxSCSI", "ServeRAID"}
NOTIFY_AGENTS = {"MailTo", "AudibleAlarm", "WinPopup", "Delay"}
NOT_SERVICES = NETWORK_AGENTS | STORAGE_AGENTS | NOTIFY_AGENTS
# Services that bind the floating IP when they start (SIP bindaddr, Listen, named's interfaces).
BINDS_VIP = {"asterisk", "httpd", "apache", "apache2", "nginx", "lighttpd", "haproxy", "squid", "named"}
# Services that keep their data on the replicated file system in DRBD setups.
DATA_SERVICES = {
    "mysqld", "mysql", "mariadb", "asterisk", "httpd", "apache", "apache2", "postgresql", "nfs", "nfsd",
    "nfs-kernel-server", "nfslock", "smb", "samba", "slapd", "vsftpd", "proftpd", "postfix", "dovecot", "cyrus-imapd",
    "named", "dhcpd", "squid", "drbdlinks", "amportal", "elastix-updaterd", "mongod", "redis", "tomcat",
}
# Heartbeat's own resource.d scripts (heartbeat 2.x/3.x, drbd's drbddisk): names are case-sensitive.
STANDARD_AGENTS = (
    "IPaddr", "IPaddr2", "IPv6addr", "IPsrcaddr", "SendArp", "Filesystem", "drbddisk", "drbdupper", "MailTo",
    "AudibleAlarm", "Delay", "LVM", "LinuxSCSI", "Raid1", "ServeRAID", "WAS", "WinPopup", "Xinetd", "ICP",
    "portblock", "apache", "db2", "hto-mapfuncs", "OCF",
)
FILESYSTEMS = (
    "ext2", "ext3", "ext4", "xfs", "reiserfs", "jfs", "btrfs", "gfs", "gfs2", "ocfs2", "nfs", "nfs4", "vfat",
    "cifs", "zfs", "auto",
)
_DRBD_MINOR = re.compile(r"^/dev/drbd(\d+)$")
# Whole disks and partitions (not LVM volumes, md arrays or network file systems).
_PLAIN_DISK = re.compile(r"^/dev/((s|h|v|xv)d[a-z]+\d*|nvme\d+n\d+(p\d+)?|cciss/c\d+d\d+(p\d+)?|disk/by-[a-z]+/.+)$")
_BY_RES = re.compile(r"^/dev/drbd/by-res/([^/]+)(?:/\d+)?$")


def part_span(res, part: str) -> Span:
    """The span of ``part`` inside the resource word (the whole word when it spans lines)."""
    s = res.span
    at = res.text.find(part)
    if at < 0 or not part or s.line != s.end_line:
        return s
    return Span(s.file, s.line, s.column + at, s.line, s.column + at + len(part))


def node_label(node) -> str:
    return node.nodename or node.name


# -- DRBD look-ups ------------------------------------------------------------------------------

def _my_hosts(res, node):
    name = (node.nodename or "").lower()
    mine = [h for h in res.hosts if name and name in (n.lower() for n in h.names)]
    return mine or list(res.hosts)


def drbd_devices(res, node) -> set[str]:
    """The device paths (/dev/drbdN and /dev/drbd/by-res/R) of a resource on ``node``."""
    devices = {f"/dev/drbd/by-res/{res.name}"}
    for host in _my_hosts(res, node):
        for vol in host.volumes:
            if vol.device:
                devices.add(vol.device)
            if vol.minor is not None:
                devices.add(f"/dev/drbd{vol.minor}")
    return devices


def backing_disks(res, node) -> set[str]:
    return {v.disk for h in _my_hosts(res, node) for v in h.volumes if v.disk}


def device_resource(device: str, node) -> str | None:
    """The DRBD resource that provides ``device`` (by-res names it; /dev/drbdN via drbd.conf)."""
    m = _BY_RES.match(device)
    if m:
        return m.group(1)
    for res in _resources(node):
        if device in drbd_devices(res, node):
            return res.name
    return None


def _resources(node):
    drbd = getattr(node, "drbd", None)
    return drbd.resources if drbd is not None else ()


def is_drbd_device(device: str) -> bool:
    return bool(_DRBD_MINOR.match(device) or device.startswith("/dev/drbd/"))


ALL_RESOURCES = "*"  # a bare `drbddisk` promotes every resource


def drbddisk_names(group) -> list[tuple[int, str, object]]:
    """``(position, resource name or ALL_RESOURCES, Resource)`` of each drbddisk of a group."""
    return [(i, r.args[0] if r.args and r.args[0] else ALL_RESOURCES, r)
            for i, r in enumerate(group.resources) if r.agent == "drbddisk"]


def provides(name: str, provider: str | None) -> bool:
    """Whether drbddisk ``name`` promotes resource ``provider`` (None: not known)."""
    return provider is None or name in (provider, ALL_RESOURCES)


# -- IPaddr arguments ---------------------------------------------------------------------------

def ip_fields(res):
    """``(ip, prefix or None, interface or None, broadcast or None)``; None when unreadable."""
    if res.agent not in IP_AGENTS or not res.args:
        return None
    parts = res.args[0].split("/") + [None] * 3
    ip, mask, iface, bcast = (p or None for p in parts[:4])
    try:
        ipaddress.IPv4Address(ip)
    except (ValueError, TypeError):
        return None  # not an address: PARSE002 of the parser
    return ip, _prefix(mask), iface, bcast


def ip_resources(model):
    """``(resource, ip_fields)`` of every readable IPaddr/IPaddr2 resource of the file."""
    for res in model.resources:
        fields = ip_fields(res)
        if fields is not None:
            yield res, fields


def _prefix(mask: str | None) -> int | None:
    if mask is None:
        return None
    if mask.isdigit():
        return int(mask) if int(mask) <= 32 else None
    try:
        return ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
    except ValueError:
        return None  # non-contiguous or not a mask


def subnets_holding(node, ip: str, iface: str | None = None):
    """The node's own addresses whose subnet contains ``ip`` (on ``iface`` when given)."""
    want = ipaddress.IPv4Address(ip)
    out = []
    for a in node.facts.ipaddrs or ():
        if a.family != "inet" or a.address == ip or (iface and physical(a.ifname) != physical(iface)):
            continue
        net = ipaddress.IPv4Interface(f"{a.address}/{a.prefix}").network
        if want in net and net.prefixlen < 32:
            out.append((a, net))
    return out


# -- HB300 ---------------------------------------------------------------------------------------

def _normal_groups(model) -> list[tuple[str, tuple[str, ...]]]:
    return sorted((g.node_key, tuple(r.canonical for r in g.resources)) for g in model.groups)


class HaresourcesDifferBetweenNodes(Rule):
    """haresources is not the same on both nodes.

    ## What it checks
    The two nodes' groups as ResourceManager reads them (comments, blanks, continuation
    lines and group order do not matter; resource order inside a group does); the first
    differing group or resource is named with the other node's line.

    ## Why it matters
    "The haresources files MUST BE IDENTICAL on all nodes … If your files are different then
    almost certainly something won't work right" (heartbeat doc/haresources): the nodes
    disagree on what to take over, so a failover starts other resources or none.

    ## Example
    ```
    node1 drbddisk::r0 Filesystem::/dev/drbd0::/replica::ext3 IPaddr::10.0.0.5 mysqld asterisk
    node1 drbddisk::r0 Filesystem::/dev/drbd0::/replica::ext3 IPaddr::10.0.0.5 mysqld   # other node
    ```

    ## Fix
    Copy /etc/ha.d/haresources from one node to the other.
    """

    id = "HB300"
    name = "haresources-differ-between-nodes"
    severity = Severity.ERROR
    scope = "cluster"
    needs = ("haresources", "peer")

    def check_cluster(self, cluster, ctx):
        a, b = cluster.nodes[0], cluster.nodes[1]
        if _normal_groups(a.haresources) == _normal_groups(b.haresources):
            return
        mine, theirs, label, left, right = _first_difference(a.haresources, b.haresources)
        where, other = (mine, theirs) if mine is not None else (theirs, None)
        if other is None:  # present on one node only: relate it to the other node's file
            groups = (b if mine is not None else a).haresources.groups
            other = groups[0] if groups else None
        yield Finding(where,
                      f"haresources differs between nodes: {label} is {left} on {node_label(a)} but {right} on "
                      f"{node_label(b)}",
                      related=(other,) if other is not None else (),
                      hint="make haresources identical on both nodes")


def _words(group) -> tuple[str, ...]:
    return tuple(r.canonical for r in group.resources)


def _first_difference(left, right):
    """``(left node, right node, what, left text, right text)`` of the first difference."""
    rest = list(right.groups)
    unmatched = []
    for g in left.groups:
        twin = next((o for o in rest if o.node_key == g.node_key and _words(o) == _words(g)), None)
        if twin is not None:
            rest.remove(twin)
        else:
            unmatched.append(g)
    if not unmatched:
        extra = rest[0]
        return None, extra, f"the group of {extra.node} starting {extra.key.text if extra.key else ''}", "absent", "present"
    g = unmatched[0]
    other = next((o for o in rest if o.node_key == g.node_key and o.key and g.key and o.key.canonical == g.key.canonical),
                 next((o for o in rest if o.node_key == g.node_key), None))
    label = f"the group of {g.node} starting {g.key.text if g.key else ''}"
    if other is None:
        return g, None, label, "present", "absent"
    for i in range(max(len(g.resources), len(other.resources))):
        mine = g.resources[i] if i < len(g.resources) else None
        theirs = other.resources[i] if i < len(other.resources) else None
        if mine is None or theirs is None or mine.canonical != theirs.canonical:
            return (mine or g, theirs or other, f"resource {i + 1} of {label}",
                    mine.text if mine else "(end of group)", theirs.text if theirs else "(end of group)")
    return g, other, label, "different", "different"  # pragma: no cover - groups differ somewhere


# -- HB301, HB310, HB311 (file) -----------------------------------------------------------------

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


class DuplicateGroupKey(Rule):
    """Two groups start with the same resource.

    ## What it checks
    The first resource of every group (ResourceManager's key, a bare IP read as
    `IPaddr::IP`) is unique in the file.

    ## Why it matters
    "The first resource on the line must be unique in the haresources file" (ResourceManager):
    Heartbeat addresses groups by that key, so the second group is started and stopped as the
    first one.

    ## Example
    ```
    node1 IPaddr::10.0.0.5 mysqld
    node2 IPaddr::10.0.0.5 httpd
    ```

    ## Fix
    Merge the groups or give each a different first resource.
    """

    id = "HB310"
    name = "duplicate-group-key"
    severity = Severity.ERROR
    kinds = HARESOURCES

    def check_file(self, model, ctx):
        seen = {}
        for g in model.groups:
            if g.key is None:
                continue
            first = seen.setdefault(g.key.canonical, g.key)
            if first is not g.key:
                yield Finding(g.key, f"{g.key.text} already starts the group of line {first.span.line}; group keys "
                                     "must be unique", related=(first,), hint="merge the two groups")


_CONTINUATION_HINTS = {
    BACKSLASH_SPACE: "remove the blanks after the backslash (or the backslash, to end the group here)",
    BACKSLASH_EOF: "remove the backslash from the last line",
    COMMENT_IN_CONTINUATION: "move the comment to a line of its own, before the group",
    STRAY_BACKSLASH: "remove the lone backslash",
}


class BrokenContinuation(Rule):
    """A backslash that does not do what it looks like.

    ## What it checks
    Blanks after a continuation backslash (not a continuation: the group is split), a
    backslash on the last line, a `#` on a continued line (not stripped: the words become
    resources), a lone `\\` mid-line (a resource named `\\`).

    ## Why it matters
    ResourceManager joins lines with `sed '/\\\\$/N'`: only a backslash that ends the line
    continues it; the rest of the group becomes a new group whose "node" is a resource name,
    and the resources after it never start (ResourceManager `ipres()`).

    ## Example
    ```
    node1 drbddisk::r0 \\   <- a blank after the backslash
        Filesystem::/dev/drbd0::/replica::ext3 mysqld
    ```

    ## Fix
    End continued lines with the backslash itself; keep comments on lines of their own.
    """

    id = "HB311"
    name = "broken-continuation"
    severity = Severity.WARNING
    kinds = HARESOURCES

    def check_file(self, model, ctx):
        # "\\ " at a line end is both a backslash-space and a lone-backslash resource: say it once.
        spaced = {n.span for n in model.notes if n.kind == BACKSLASH_SPACE}
        for note in model.notes:
            if note.kind == STRAY_BACKSLASH and note.span in spaced:
                continue
            yield Finding(note.span, note.message, hint=_CONTINUATION_HINTS.get(note.kind, "remove the backslash"))


# -- HB302, HB303, HB312: groups against drbd.conf ------------------------------------------------

class ResourceOrder(Rule):
    """Resources of a group start in an order that cannot work.

    ## What it checks
    In each group: the `drbddisk::R` that provides a `Filesystem::/dev/drbdN` comes before
    it; services (anything that is not an IP, storage or notification agent) come after the
    group's Filesystem; services that bind the floating IP (asterisk, httpd, nginx, named…)
    come after its IPaddr (a warning).

    ## Why it matters
    Resources start left to right and stop right to left (heartbeat doc/haresources).
    Filesystem before drbddisk mounts a Secondary ("wrong medium type") and the group fails;
    a service started before the mount writes to the empty mount point, data that the mount
    later hides and that never reaches the peer.

    ## Example
    ```
    node1 Filesystem::/dev/drbd0::/replica::ext3 drbddisk::r0 mysqld
    ```

    ## Fix
    `node1 drbddisk::r0 Filesystem::/dev/drbd0::/replica::ext3 IPaddr::... mysqld asterisk httpd`.
    """

    id = "HB302"
    name = "resource-order"
    severity = Severity.ERROR
    kinds = HARESOURCES

    def check_file(self, model, ctx):
        for g in model.groups:
            yield from self._group(g, ctx.node)

    def _group(self, g, node):
        res = g.resources
        disks = drbddisk_names(g)
        mounts = [(i, r) for i, r in enumerate(res) if r.agent == "Filesystem" and r.args]
        for i, fs in mounts:
            if not is_drbd_device(fs.args[0]):
                continue
            provider = device_resource(fs.args[0], node)
            later = [(j, name, d) for j, name, d in disks if j > i and provides(name, provider)]
            if later and not any(j < i and provides(name, provider) for j, name, _d in disks):
                yield Finding(fs, f"{fs.text} comes before {later[0][2].text}: it mounts {fs.args[0]} while DRBD is "
                                  "still Secondary, and the group fails", related=(later[0][2],),
                              hint="put drbddisk first, then Filesystem")
        if mounts:
            first_mount = mounts[0][0]
            for i, r in enumerate(res[:first_mount]):
                if r.agent not in NOT_SERVICES and not r.implicit_ipaddr and r.agent not in STANDARD_AGENTS:
                    known = r.agent in DATA_SERVICES
                    yield Finding(r, f"{'service' if known else 'script'} {r.text} starts before {res[first_mount].text} "
                                     f"mounts {res[first_mount].args[1] if len(res[first_mount].args) > 1 else 'the file system'}"
                                     + (": it runs on the empty mount point" if known else
                                        ": if it uses the replicated data it sees the empty mount point"),
                                  severity=None if known else Severity.WARNING, related=(res[first_mount],),
                                  hint="move the services after the Filesystem resource")
        ips = [i for i, r in enumerate(res) if r.agent in IP_AGENTS]
        if ips:
            for i, r in enumerate(res[:ips[-1]]):
                if r.agent in BINDS_VIP and i < ips[-1]:
                    yield Finding(r, f"{r.text} starts before {res[ips[-1]].text}: it cannot bind the floating IP "
                                     "that is not up yet", severity=Severity.WARNING, related=(res[ips[-1]],),
                                  hint="move the IPaddr resource before the services")


class FilesystemNotOnDrbd(Rule):
    """A Filesystem resource does not mount the DRBD device of its group.

    ## What it checks
    `Filesystem::DEV::…` in a group with `drbddisk::R`, or where DEV is a DRBD backing disk:
    DEV must be R's device (`/dev/drbdN` of drbd.conf, or `/dev/drbd/by-res/R`), not the
    backing partition (`/dev/sda3`) and not another resource's device.

    ## Why it matters
    Mounting the backing device bypasses replication: writes never reach the peer and DRBD's
    view of the disk is corrupted ("Never access such a device while DRBD is running on top
    of it", drbd.conf(5) "disk").

    ## Example
    ```
    node1 drbddisk::r0 Filesystem::/dev/sda3::/replica::ext3
    ```

    ## Fix
    Mount the DRBD device: `Filesystem::/dev/drbd0::/replica::ext3`.
    """

    id = "HB303"
    name = "filesystem-not-on-drbd"
    severity = Severity.ERROR
    kinds = HARESOURCES

    def check_file(self, model, ctx):
        node = ctx.node
        for g in model.groups:
            names = [name for _i, name, _r in drbddisk_names(g)]
            stacked = any(r.agent in ("LVM", "Raid1") for r in g.resources)
            for fs in (r for r in g.resources if r.agent == "Filesystem" and r.args):
                found = self._check(fs, fs.args[0], names, node, stacked)
                if found:
                    yield found

    def _check(self, fs, device, names, node, stacked=False):
        where = part_span(fs, device)
        for res in _resources(node):
            if device in backing_disks(res, node):
                return Finding(where, f"{device} is the backing disk of DRBD resource {res.name}: mounting it bypasses "
                                      f"replication", hint=f"mount {_device_of(res, node)} instead")
        if not names:
            return None
        wanted = [res for res in _resources(node) if res.name in names or ALL_RESOURCES in names]
        if is_drbd_device(device):
            if not wanted or any(device in drbd_devices(r, node) for r in wanted):
                return None
            return Finding(where, f"{device} is not the device of {', '.join(r.name for r in wanted)} "
                                  f"({', '.join(_device_of(r, node) for r in wanted)}), which this group promotes",
                           hint=f"mount {_device_of(wanted[0], node)}")
        if not _PLAIN_DISK.match(device) or stacked:
            return None  # NFS, LVM on top of DRBD, OCR-damaged /dev/drbdO0 (PARSE002)...
        meant = _device_of(wanted[0], node) if wanted else "/dev/drbdN"
        promoted = "drbddisk" if names[0] == ALL_RESOURCES else f"drbddisk::{names[0]}"
        return Finding(where, f"{device} is a plain disk, not a DRBD device, although the group promotes "
                              f"{promoted}: writes would not be replicated", hint=f"mount {meant}")


def _device_of(res, node) -> str:
    devices = sorted(d for d in drbd_devices(res, node) if not d.startswith("/dev/drbd/by-res/"))
    return devices[0] if devices else f"/dev/drbd/by-res/{res.name}"


class DrbddiskUnknownResource(Rule):
    """`drbddisk::R` names a resource drbd.conf does not define.

    ## What it checks
    Each `drbddisk::R` against the resources of the node's drbd.conf (with its includes).

    ## Why it matters
    drbddisk runs `drbdadm primary R`; for an unknown R it fails ("'R' not defined in your
    config"), the group stops there and the failover leaves /replica unmounted
    (heartbeat drbddisk resource script).

    ## Example
    ```
    node1 drbddisk::rO Filesystem::/dev/drbd0::/replica::ext3     # drbd.conf: resource r0
    ```

    ## Fix
    Use the resource name of drbd.conf (`drbddisk::r0`).
    """

    id = "HB312"
    name = "drbddisk-unknown-resource"
    severity = Severity.ERROR
    kinds = HARESOURCES

    def check_file(self, model, ctx):
        defined = [r.name for r in _resources(ctx.node)]
        if not defined:
            return
        from elastix_halint.parsing.larkkit import suggest

        for g in model.groups:
            for _i, name, res in drbddisk_names(g):
                if name != ALL_RESOURCES and name not in defined:
                    meant = suggest(name, defined)
                    yield Finding(part_span(res, name), f"drbddisk::{name}: drbd.conf defines no resource {name!r} "
                                                        f"(resources: {', '.join(defined)})",
                                  suggestion=meant, hint=f"use drbddisk::{meant}" if meant else "use a resource of drbd.conf")


class ResourceScriptNotFound(Rule):
    """A resource names a misspelt Heartbeat script (`IPAddr`, `FileSystem`).

    ## What it checks
    Each resource's script name against Heartbeat's own resource.d scripts (IPaddr,
    Filesystem, drbddisk, MailTo…): a name that differs only in case, or by a typo when the
    resource has `::` arguments, is reported with the right name. Whether a custom script
    exists in /etc/ha.d/resource.d or /etc/init.d on both nodes is not captured in a bundle
    and is not checked.

    ## Why it matters
    Script names are file names and case-sensitive: ResourceManager stops with "ERROR:
    Cannot locate resource script IPAddr", the group fails to start and so does the failover
    (ResourceManager `scriptpath()`).

    ## Example
    ```
    node1 IPAddr::192.168.1.245/24/eth0 drbddisk::r0 FileSystem::/dev/drbd0::/replica::ext3
    ```

    ## Fix
    Write the script as Heartbeat names it: `IPaddr`, `Filesystem`.
    """

    id = "HB305"
    name = "resource-script-not-found"
    severity = Severity.ERROR
    kinds = HARESOURCES

    def check_file(self, model, ctx):
        for res in model.resources:
            meant = _standard_agent(res)
            if meant:
                case = " (script names are case-sensitive)" if meant.lower() == res.agent.lower() else ""
                yield Finding(part_span(res, res.agent), f"there is no Heartbeat resource script {res.agent!r}; "
                                                         f"the script is {meant!r}{case}",
                              suggestion=meant, fix=Edit(part_span(res, res.agent), meant), hint=f"write {meant}")


def _standard_agent(res) -> str | None:
    if res.agent in STANDARD_AGENTS or res.implicit_ipaddr:
        return None
    for agent in STANDARD_AGENTS:
        if agent.lower() == res.agent.lower():
            return agent
    if res.args:
        import difflib

        close = difflib.get_close_matches(res.agent, STANDARD_AGENTS, n=1, cutoff=0.85)
        return close[0] if close else None
    return None


# -- HB304: mount point -------------------------------------------------------------------------

class MountPointInvalid(Rule):
    """The Filesystem mount point or type cannot work on the nodes.

    ## What it checks
    `Filesystem::DEV::MOUNTPOINT::FSTYPE`: the mount point is an absolute path that exists on
    the node (captured stat/links), the Elastix symlinks captured on the node point into it,
    and FSTYPE is a file system type name.

    ## Why it matters
    The Filesystem start fails (no such directory, unknown type), the whole group fails and
    the failover with it; or the mount works but the symlinked Elastix directories point
    somewhere else and the services use local, unreplicated data (heartbeat Filesystem usage
    `Filesystem::device::directory::fstype[::options]`).

    ## Example
    ```
    node1 drbddisk::r0 Filesystem::/dev/drbd0::/replica::ext33
    ```

    ## Fix
    `Filesystem::/dev/drbd0::/replica::ext3` with `/replica` created on both nodes.
    """

    id = "HB304"
    name = "mount-point-invalid"
    severity = Severity.ERROR
    kinds = HARESOURCES

    def check_file(self, model, ctx):
        mounts = [r for r in model.resources if r.agent == "Filesystem" and len(r.args) >= 3]
        for fs in mounts:
            mnt, fstype = fs.args[1], fs.args[2]
            if not mnt.startswith("/"):
                yield Finding(part_span(fs, mnt), f"mount point {mnt!r} is not an absolute path", hint="e.g. /replica")
            elif mnt in _missing_paths(ctx.node):
                yield Finding(part_span(fs, mnt), f"mount point {mnt} does not exist on {node_label(ctx.node)}",
                              hint=f"mkdir {mnt} on both nodes")
            if fstype not in FILESYSTEMS:
                from elastix_halint.parsing.larkkit import suggest

                meant = suggest(fstype, FILESYSTEMS)
                yield Finding(part_span(fs, "::" + fstype), f"{fstype!r} is not a file system type", suggestion=meant,
                              hint=f"use {meant}" if meant else "e.g. ext3, ext4 or xfs")
        yield from _links_outside(mounts, ctx.node)


def _missing_paths(node) -> set[str]:
    out: set[str] = set()
    for fact in ("stat", "links"):
        source = getattr(node, "facts", None) and node.facts.sources.get(fact)
        out |= set(getattr(getattr(source, "model", None), "missing", ()) or ())
    return out


def _links_outside(mounts, node):
    """Elastix symlinks whose target is under no Filesystem mount point of haresources."""
    links = getattr(getattr(node, "facts", None), "links", None)
    points = [fs.args[1].rstrip("/") for fs in mounts if fs.args[1].startswith("/")]
    if not links or not points:
        return
    outside = [e for e in links.values() if e.is_symlink and e.target and e.target.startswith("/")
               and not any(e.target == p or e.target.startswith(p + "/") for p in points)]
    if outside and len(outside) == sum(1 for e in links.values() if e.is_symlink):
        e = outside[0]
        yield Finding(part_span(mounts[0], mounts[0].args[1]),
                      f"the replicated directories point elsewhere ({e.path} -> {e.target}), not under "
                      f"{', '.join(points)} on {node_label(node)}: the services would not use the replicated data",
                      related=(e,), hint="mount the file system where the Elastix symlinks point")


# -- HB307, HB308, HB309: floating IP -------------------------------------------------------------

class FloatingIpNoInterface(Rule):
    """The floating IP has no interface or subnet to go on.

    ## What it checks
    `IPaddr[2]::IP[/MASK[/IFACE[/BCAST]]]` against each node's `ip addr`: IFACE (without its
    `:N` alias) exists; without IFACE, or with IFACE but no MASK, an interface has an address
    in a subnet containing IP; a MASK that differs from that subnet's (other than /32) is a
    warning. Without facts only the address itself is checked (not the network or broadcast
    address of its subnet; a dotted mask must be contiguous).

    ## Why it matters
    "The given IP address is directed to an interface which has a route to the given
    address" (heartbeat doc/haresources): IPaddr finds no interface and the floating IP never
    comes up, so phones cannot reach the PBX after a failover.

    ## Example
    ```
    node1 IPaddr::10.9.9.5       # no interface of node1 is in 10.9.9.0/x
    ```

    ## Fix
    Give the interface and mask (`IPaddr::192.168.1.245/24/eth0`) or add an address in that
    subnet to the node.
    """

    id = "HB307"
    name = "floating-ip-no-interface"
    severity = Severity.ERROR
    kinds = HARESOURCES

    def check_file(self, model, ctx):
        node = ctx.node
        with_facts = node is not None and not node.anonymous and node.facts.ipaddrs is not None
        for res, fields in ip_resources(model):
            yield from _address_itself(res, *fields)
            if with_facts:
                yield from _against_node(res, node, *fields)


def _address_itself(res, ip, prefix, iface, bcast):
    mask = res.args[0].split("/")[1] if "/" in res.args[0] else None
    if mask and prefix is None and not mask.isdigit():
        yield Finding(part_span(res, mask), f"netmask {mask} is not a contiguous mask", hint="use a prefix length such as 24")
    if prefix is not None and prefix < 31:
        net = ipaddress.IPv4Network(f"{ip}/{prefix}", strict=False)
        if ipaddress.IPv4Address(ip) in (net.network_address, net.broadcast_address):
            yield Finding(part_span(res, ip), f"{ip} is the {'network' if ipaddress.IPv4Address(ip) == net.network_address else 'broadcast'} "
                                              f"address of {net}", hint="use a host address of the subnet")


def _against_node(res, node, ip, prefix, iface, bcast):
    name = node_label(node)
    if iface:
        known = interfaces(node) or set()
        if physical(iface) not in known:
            from elastix_halint.parsing.larkkit import suggest

            meant = suggest(physical(iface), sorted(known))
            yield Finding(part_span(res, "/" + iface), f"interface {iface} of {res.agent} does not exist on {name} "
                                                       f"(interfaces: {', '.join(sorted(known))})",
                          suggestion=meant, hint="use an interface of `ip addr`")
            return
        if prefix is not None:
            return  # interface and mask given: IPaddr needs no route
    holders = subnets_holding(node, ip, iface)
    if not holders:
        yield Finding(part_span(res, ip), f"no address of {name}{' on ' + iface if iface else ''} is in a subnet "
                                          f"containing {ip}: IPaddr finds no interface for it",
                      hint="give /MASK/INTERFACE or put the node on that subnet")
        return
    a, net = holders[0]
    if prefix is not None and prefix not in (32, net.prefixlen):
        yield Finding(part_span(res, "/" + str(res.args[0].split("/")[1])),
                      f"/{prefix} differs from the /{net.prefixlen} of {a.ifname} ({a.address}) on {name}",
                      severity=Severity.WARNING, related=(a,), hint=f"use /{net.prefixlen}")


class FloatingIpBroadcast(Rule):
    """The broadcast address of IPaddr does not match its netmask.

    ## What it checks
    `IPaddr::IP/MASK/IFACE/BCAST`: BCAST is the highest address of IP/MASK (MASK taken from
    the node's interface when not written).

    ## Why it matters
    A wrong broadcast gives wrong ARP/broadcast behaviour on the floating IP; the gratuitous
    ARP after failover may not refresh the phones' and switch's caches (heartbeat
    doc/haresources: "defaults to the highest address on the subnet").

    ## Example
    ```
    IPaddr::192.168.1.245/24/eth0/192.168.0.255
    ```

    ## Fix
    Give the subnet's broadcast (`192.168.1.255` for /24) or leave it out.
    """

    id = "HB308"
    name = "floating-ip-broadcast"
    severity = Severity.WARNING
    kinds = HARESOURCES

    def check_file(self, model, ctx):
        for res, (ip, prefix, iface, bcast) in ip_resources(model):
            if bcast is None:
                continue
            if prefix is None and ctx.node is not None and ctx.node.facts.ipaddrs:
                holders = subnets_holding(ctx.node, ip, iface)
                prefix = holders[0][1].prefixlen if holders else None
            if prefix is None:
                continue
            expected = str(ipaddress.IPv4Network(f"{ip}/{prefix}", strict=False).broadcast_address)
            if bcast != expected:
                yield Finding(part_span(res, "/" + bcast), f"broadcast {bcast} does not match {ip}/{prefix} "
                                                           f"(its broadcast is {expected})", hint=f"use {expected}")


class FloatingIpIsFixed(Rule):
    """The floating IP is a node's own address or a DRBD address.

    ## What it checks
    Every IPaddr address against each node's fixed addresses: its primary address in
    `ip addr` (not an alias or secondary, which is how the floating IP itself shows on the
    active node), the DRBD `address` lines, and /etc/hosts lines naming a cluster node.

    ## Why it matters
    "Do not include 'administrative' or fixed IP addresses in this file" (heartbeat
    doc/haresources): on failover the peer takes the address away from the node that owns
    it, and releasing it stops that node's own traffic or DRBD replication.

    ## Example
    ```
    voipserver.drbd IPaddr::192.168.1.243/24/eth0     # voipserver's own eth0 address
    ```

    ## Fix
    Use a free address of the subnet for the floating IP (the HOWTO's 192.168.1.245).
    """

    id = "HB309"
    name = "floating-ip-is-fixed"
    severity = Severity.ERROR
    kinds = HARESOURCES

    def check_file(self, model, ctx):
        for res, fields in ip_resources(model):
            owner = _fixed_owner(fields[0], ctx)
            if owner:
                text, related = owner
                yield Finding(part_span(res, fields[0]), f"floating IP {fields[0]} is {text}", related=related,
                              hint="use a free address of the subnet for the floating IP")


def _fixed_owner(ip: str, ctx):
    """Which node owns ``ip`` as a fixed address, and the evidence (ip addr, drbd.conf, hosts)."""
    nodes = ctx.cluster.nodes
    for node in nodes:
        for a in _primary_addresses(node):
            if a.address == ip:
                return f"{node_label(node)}'s own address on {a.ifname}", (a,)
    for node in nodes:
        for res in _resources(node):
            for host in res.hosts:
                if host.address is not None and host.address.ip == ip:
                    return f"the DRBD address of {'/'.join(host.names) or host.keyword} in resource {res.name}", (host.address,)
    names = {n.nodename.lower() for n in nodes if n.nodename}
    for node in nodes:
        hosts = getattr(node, "hosts", None)
        for entry in getattr(hosts, "entries", ()) if hosts is not None else ():
            if entry.address == ip and any(n.text.lower() in names for n in entry.names):
                return f"the address /etc/hosts gives to node {entry.names[0].text}", (entry,)
    return None


def _primary_addresses(node):
    """The first IPv4 address of each interface, when it is not an alias or secondary."""
    seen = set()
    for a in getattr(node.facts, "ipaddrs", None) or ():
        if a.family != "inet" or a.ifname in seen:
            continue
        seen.add(a.ifname)
        if not a.secondary and a.label in (None, a.ifname):
            yield a
