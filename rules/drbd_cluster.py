"""Cross-node DRBD rules (DRBD200–DRBD209): both nodes' drbd.conf against each other and
against each node's facts (`uname -n`, `ip addr`, partition sizes, haresources, ha.cf).

Not implemented, for want of captured data: DRBD203 (filesystem size of the backing device needs
`dumpe2fs -h`), DRBD208 (firewall needs `iptables -L`). DRBD206 and DRBD207 are the file rules
DRBD106/DRBD107/DRBD108 of rules/drbd.py (same IP:port or minor twice on a host, both hosts
with one address, two `on` sections for one host): repeating them here would report every
collision twice.

The helpers at the top are shared with rules/node.py, rules/replica.py and rules/runtime.py.
"""

from __future__ import annotations

import ipaddress
import re

from elastix_halint.builtin.haresources import ALL_RESOURCES, drbddisk_names, ip_fields, node_label
from elastix_halint.lint.rule import Finding, Rule, Severity

# -- shared helpers -----------------------------------------------------------------------------


def resources(node) -> tuple:
    drbd = getattr(node, "drbd", None)
    return drbd.resources if drbd is not None else ()


def host_of(res, node):
    """The `on` section of ``res`` for ``node`` (drbdadm compares with `uname -n` exactly)."""
    name = node.nodename
    if not name:
        return None
    for host in res.hosts:
        if name in host.names:
            return host
    return None


def volumes_of(res, node) -> dict:
    """Volume number → Volume of ``node``'s `on` section of ``res`` (empty when none)."""
    host = host_of(res, node)
    return {v.number: v for v in host.volumes} if host is not None else {}


def resource_of_minor(node, minor: int):
    """The resource (and volume) whose device on ``node`` is /dev/drbd``minor``."""
    for res in resources(node):
        mine = host_of(res, node)
        hosts = [mine] if mine is not None else list(res.hosts)
        for host in hosts:
            for vol in host.volumes:
                if vol.minor == minor or vol.device == f"/dev/drbd{minor}":
                    return res, vol
    return None, None


def managed_resources(node) -> dict:
    """DRBD resource name → (preferred node as written, drbddisk Resource) from haresources
    (a bare `drbddisk` promotes every resource of the node's drbd.conf)."""
    found: dict = {}
    model = getattr(node, "haresources", None)
    for group in getattr(model, "groups", ()) or ():
        for _pos, name, res in drbddisk_names(group):
            names = [r.name for r in resources(node)] if name == ALL_RESOURCES else [name]
            for each in names:
                found.setdefault(each, (group.node, res))
    return found


def floating_ips(cluster) -> dict:
    """Floating IP → its haresources Resource, from every node's haresources."""
    found: dict = {}
    for node in cluster.nodes:
        model = getattr(node, "haresources", None)
        for res in getattr(model, "resources", ()) or ():
            fields = ip_fields(res)
            if fields is not None:
                found.setdefault(fields[0], res)
    return found


def normal_ip(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text.split("%")[0]))
    except ValueError:
        return text


def address_entry(node, ip: str):
    """The `ip addr` line of ``node`` carrying ``ip`` (None when it is not there)."""
    want = normal_ip(ip)
    for a in node.facts.ipaddrs or ():
        if normal_ip(a.address) == want:
            return a
    return None


def size_text(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.2f} {unit} ({n} bytes)"
    return f"{n} bytes"


# -- DRBD200 ------------------------------------------------------------------------------------


def _option_value(opt) -> object:
    return opt.normalised if opt.normalised is not None else opt.text


def _signature(model) -> dict:
    """What drbdadm acts on, keyed so the two nodes' files compare item by item (file order).

    Key → (where, statement as shown, value, model node to point at). Options compare by their
    canonical (8.4) name and normalised value, so `syncer { rate 100M; }` equals
    `resync-rate 100M`. The shared-secret is compared but never shown."""
    sig: dict = {}
    if model.global_ is not None:
        for opt in model.global_.options:
            sig[("global", opt.name)] = ("global", _statement(opt), _option_value(opt), opt)
    for res in model.resources:
        where = f"resource {res.name}"
        sig[(res.name,)] = (where, f"resource {res.name}", True, res.name_span)
        if res.protocol is not None:
            sig[(res.name, "protocol")] = (where, f"protocol {res.protocol_value}", res.protocol_value, res.protocol)
        for merged in res.settings.values():
            for opt in merged.options:
                if opt.canonical_name == "protocol":
                    continue  # res.protocol above: 8.3 writes it in the resource, 8.4 in net
                key = (res.name, opt.canonical_section, opt.canonical_name)
                sig[key] = (where, _statement(opt), _option_value(opt), opt)
        for host in res.hosts:
            hname = " ".join(host.names) or host.keyword
            hkey = (res.name, "host", hname)
            anchor = host.section.args[0].span if host.section.args else host.span
            sig[hkey] = (where, f"on {hname}", True, anchor)
            if host.address is not None:
                sig[hkey + ("address",)] = (f"{where}, on {hname}", f"address {host.address}", str(host.address),
                                            host.address)
            for vol in host.volumes:
                for name in ("device", "disk", "meta-disk"):
                    opt = vol.option(name)
                    if opt is not None:
                        sig[hkey + (vol.number, name)] = (f"{where}, on {hname}", _statement(opt), opt.text, opt)
    return sig


def _statement(opt) -> str:
    if opt.secret:
        return opt.name
    return f"{opt.section} {{ {opt.name} {opt.text}; }}".replace(" ;", ";") if opt.section != "resource" \
        else f"{opt.name} {opt.text}"


def _differences(mine: dict, theirs: dict) -> list:
    keys = list(mine) + [k for k in theirs if k not in mine]
    return [k for k in keys if (k in mine) != (k in theirs) or (k in mine and mine[k][2] != theirs[k][2])]


class DrbdConfDiffers(Rule):
    """drbd.conf (with its includes) means something different on the two nodes.

    ## What it checks
    Both nodes' drbd.conf as drbdadm reads them (includes followed, `common` merged into each
    resource, 8.3 and 8.4 spellings of an option taken as one): every resource, option, `on`
    section, address and disk. Each node gets one finding at its first differing statement,
    with the peer's statement as the related location. A difference only in what each node
    applies on its own (`global`, `startup`, `handlers`) is a warning; files that differ only in
    comments are reported as info.

    ## Why it matters
    Net options are negotiated when the nodes connect: a different `protocol`,
    `cram-hmac-alg`, `shared-secret` or `after-sb-*` makes the handshake fail ("incompatible
    communication protocols", "Authentication of peer failed") and the resource stays
    StandAlone; different `on` sections give each node a different idea of its peer.
    drbd.conf(5): "The file /etc/drbd.conf should be the same on both nodes of the cluster".

    ## Example
    ```
    # voipserver.drbd                      # voipbackup.drbd
    after-sb-1pri discard-secondary;       after-sb-1pri disconnect;
    ```

    ## Fix
    Edit the file on one node and copy it to the other (`scp /etc/drbd.conf peer:/etc/`),
    then `drbdadm adjust all` on both.
    """

    id = "DRBD200"
    name = "drbd-conf-differs"
    severity = Severity.ERROR
    scope = "cluster"
    needs = ("drbd", "peer")

    def check_cluster(self, cluster, ctx):
        if len(cluster.nodes) != 2:
            return
        a, b = cluster.nodes
        sig_a, sig_b = _signature(a.drbd), _signature(b.drbd)
        diffs_a, diffs_b = _differences(sig_a, sig_b), _differences(sig_b, sig_a)
        if not diffs_a:
            yield from self._comments_only(a, b)
            return
        for node, peer, diffs, mine, theirs in ((a, b, diffs_a, sig_a, sig_b), (b, a, diffs_b, sig_b, sig_a)):
            serious = [k for k in diffs if not _local_only(k)]
            key = (serious or diffs)[0]
            here, there = mine.get(key), theirs.get(key)
            more = f" (and {len(diffs) - 1} more difference{'s' if len(diffs) > 2 else ''})" if len(diffs) > 1 else ""
            if here is None:
                where, text = _anchor(node, key, mine), f"`{there[1]}` is in {node_label(peer)}'s drbd.conf, not in " \
                                                        f"{node_label(node)}'s"
            elif there is None:
                where, text = here[3], f"`{here[1]}` is in {node_label(node)}'s drbd.conf, not in {node_label(peer)}'s"
            elif "shared-secret" in key:
                where, text = here[3], (f"the shared-secrets of {node_label(node)} and {node_label(peer)} differ: the "
                                        "peers fail to authenticate")
            else:
                where, text = here[3], f"`{here[1]}` on {node_label(node)}, but `{there[1]}` on {node_label(peer)}"
            yield Finding(where, f"{(here or there)[0]}: {text}{more}", severity=None if serious else Severity.WARNING,
                          related=(there[3],) if there is not None else (), hint=_HINT)

    def _comments_only(self, a, b):
        ca = [c.text for c in a.drbd.comments]
        cb = [c.text for c in b.drbd.comments]
        if ca == cb:
            return
        first = next((c for c, t in zip(a.drbd.comments, cb + [None] * len(ca)) if c.text != t), None)
        where = first or (a.drbd.resources[0].name_span if a.drbd.resources else None)
        if where is not None:
            yield Finding(where, f"drbd.conf of {node_label(a)} and {node_label(b)} differ only in comments",
                          severity=Severity.INFO, hint="keep one copy of the file on both nodes")


# Settings each node applies on its own (not negotiated, not naming the peer): a difference there
# is a warning, e.g. a handler path that is /usr/lib64 on one node's architecture.
LOCAL_SECTIONS = frozenset({"global", "startup", "handlers"})


def _local_only(key) -> bool:
    return key[0] == "global" or len(key) == 3 and key[1] in LOCAL_SECTIONS


_HINT = "keep drbd.conf identical: edit it on one node, copy it to the other, then `drbdadm adjust all` on both"


def _anchor(node, key, mine):
    """Where a statement missing on ``node`` belongs: its enclosing resource, else the first one."""
    res_entry = mine.get(key[:1])
    if res_entry is not None:
        return res_entry[3]
    for entry in mine.values():
        return entry[3]
    return None


# -- DRBD201 ------------------------------------------------------------------------------------


class OnHostNotUname(Rule):
    """No `on` section of a resource names this node's `uname -n`.

    ## What it checks
    For each node whose `uname -n` is known, every resource of its drbd.conf has an `on`
    section with exactly that name (case-sensitive, as drbdadm compares). A resource with
    `floating` sections is left alone.

    ## Why it matters
    drbdadm ignores the resource on that node ("'r0' not defined in your config (for this
    host)", or "missing section 'on <nodename>'"): DRBD never starts there and Heartbeat's
    drbddisk fails on takeover. Renaming a node after the install (Elastix machines named
    `localhost.localdomain`, or renamed in the web UI) breaks DRBD at the next boot.
    drbd.conf(5) "on host-name … must match the Linux host name (uname -n)".

    ## Example
    ```
    on voipserver { ... }        # uname -n says voipserver.drbd
    ```

    ## Fix
    Write the `on` name exactly as `uname -n` prints it, or set the host name back
    (`/etc/sysconfig/network` HOSTNAME=, `hostname NAME`).
    """

    id = "DRBD201"
    name = "on-host-not-uname"
    severity = Severity.ERROR
    scope = "node"
    needs = ("drbd",)

    def check_node(self, node, ctx):
        name = node.nodename
        if not name:
            return
        cluster_names = {n.nodename for n in ctx.cluster.nodes if n.nodename}
        peer_names = cluster_names - {name}
        managed = {r for n in ctx.cluster.nodes for r in managed_resources(n)}
        named = [r for r in node.drbd.resources if any(h.keyword == "on" and h.names for h in r.hosts)]
        # A drbd.conf shared by several clusters holds resources of other hosts, which drbdadm
        # skips on purpose: only resources that involve this cluster count, unless none does.
        ours = [r for r in named if r.name in managed or any(set(h.names) & cluster_names for h in r.hosts)]
        for res in ours or named:
            if any(h.floating for h in res.hosts) or host_of(res, node) is not None:
                continue
            hosts = [h for h in res.hosts if h.keyword == "on" and h.names]
            strangers = [h for h in hosts if not set(h.names) & peer_names]
            target = strangers[0] if len(strangers) == 1 else None
            where = target.section.args[0].span if target is not None and target.section.args else res.name_span
            listed = ", ".join(n for h in hosts for n in h.names)
            close = [n for h in hosts for n in h.names if n.lower() == name.lower()]
            why = f" (`{close[0]}` differs only in case)" if close else ""
            yield Finding(where, f"resource {res.name} has no `on {name}` section for this node's `uname -n`; its "
                                 f"`on` sections: {listed}{why}: drbdadm ignores {res.name} on {name}",
                          hint=f"write `on {name}` (exactly `uname -n`) or set the host name back",
                          suggestion=name if target is not None else None)


# -- DRBD202 ------------------------------------------------------------------------------------


def partition_of(node, disk: str | None):
    """The Partition of ``disk`` (/dev/sda3, /dev/mapper/vg-lv, /dev/vg/lv) in the node's facts."""
    table = node.facts.partitions
    if not disk or not table or not disk.startswith("/dev/") or disk.startswith("/dev/disk/"):
        return None
    rest = disk[len("/dev/"):]
    candidates = [rest, rest.rsplit("/", 1)[-1]]
    if rest.count("/") == 1 and not rest.startswith(("mapper/", "cciss/")):
        candidates.append(rest.replace("-", "--").replace("/", "-"))  # /dev/vg/lv → dm name vg-lv
    for name in candidates:
        part = table.get(name) or table.get(name.replace("/", "!"))
        if part is not None:
            return part
    return None


def _role(node, vol) -> str | None:
    proc = node.facts.procdrbd
    if proc is None or vol.minor is None and not (vol.device or "").startswith("/dev/drbd"):
        return None
    minor = vol.minor if vol.minor is not None else _minor_of(vol.device)
    entry = proc.by_minor().get(minor) if minor is not None else None
    return entry.role if entry is not None else None


def _minor_of(device: str | None) -> int | None:
    m = re.fullmatch(r"/dev/drbd(\d+)", device or "")
    return int(m.group(1)) if m else None


def is_intended_secondary(node, peer, res_name: str, vol, peer_vol) -> str | None:
    """Why ``node`` is the sync target of ``res_name`` (its /proc/drbd role, or haresources'
    preferred node being the peer), or None when that cannot be told."""
    mine, theirs = _role(node, vol), _role(peer, peer_vol)
    if mine == "Secondary" and theirs in ("Primary", None) or theirs == "Primary" and mine != "Primary":
        return f"{node_label(node)} is Secondary in /proc/drbd"
    for n in (node, peer):
        preferred = managed_resources(n).get(res_name)
        if preferred is not None:
            if preferred[0].lower() == (peer.nodename or peer.name).lower():
                return f"haresources prefers {preferred[0]}"
            return None
    return None


class BackingDiskSizesDiffer(Rule):
    """The backing disks of a resource differ in size between the nodes.

    ## What it checks
    The `disk` of each resource volume on both nodes, looked up in each node's partition facts
    (`/proc/partitions`, `lsblk -b -J` or `sfdisk -d`). Any difference is a warning; it is an
    error when the smaller disk is on the node meant to be the sync target (Secondary in
    /proc/drbd, or the peer of the node haresources prefers). A `disk { size …; }` no larger
    than the smaller disk silences it.

    ## Why it matters
    DRBD uses the smaller of the two; a Secondary smaller than the agreed size refuses to
    connect ("The peer's disk size is too small!") or to attach ("Low.dev. smaller than
    requested DRBD-dev. size"), and a filesystem made on the larger backing partition before
    DRBD is bigger than the DRBD device (DRBD User's Guide 8.3, meta data size;
    mantechnology/wdrbd#1, ganeti/ganeti#136).

    ## Example
    ```
    voipserver.drbd proc/partitions:  8  3  428919435 sda3
    voipbackup.drbd proc/partitions:  8  3  418919435 sda3
    ```

    ## Fix
    Make the partitions identical (copy the partition table: `sfdisk -d /dev/sda | ssh peer
    sfdisk /dev/sda`), or set `disk { size …; }` to the smaller; create the filesystem on
    /dev/drbd0, not on the backing partition.
    """

    id = "DRBD202"
    name = "backing-disk-sizes-differ"
    severity = Severity.WARNING
    scope = "cluster"
    needs = ("drbd", "partitions", "peer")

    def check_cluster(self, cluster, ctx):
        if len(cluster.nodes) != 2:
            return
        a, b = cluster.nodes
        for res in a.drbd.resources:
            other = b.drbd.resource(res.name)
            if other is None:
                continue
            vols_a, vols_b = volumes_of(res, a), volumes_of(other, b)
            for number, vol_a in vols_a.items():
                vol_b = vols_b.get(number)
                if vol_b is None:
                    continue
                yield from self._compare(res, (a, vol_a), (b, vol_b))

    def _compare(self, res, side_a, side_b):
        (a, vol_a), (b, vol_b) = side_a, side_b
        part_a, part_b = partition_of(a, vol_a.disk), partition_of(b, vol_b.disk)
        if part_a is None or part_b is None or part_a.size_bytes == part_b.size_bytes:
            return
        (small, vs, ps), (large, vl, pl) = sorted(((a, vol_a, part_a), (b, vol_b, part_b)), key=lambda s: s[2].size_bytes)
        size = res.effective("disk", "size")
        if size is not None and isinstance(size.normalised, int) and 0 < size.normalised <= ps.size_bytes:
            return
        reason = is_intended_secondary(small, large, res.name, vs, vl)
        severity = Severity.ERROR if reason else None
        consequence = (f"{reason}: it cannot hold what the Primary's larger disk was sized for (\"The peer's disk "
                       f"size is too small!\")") if reason else "DRBD uses the smaller size"
        where = vs.option("disk") or vs
        yield Finding(where, f"backing disk {vs.disk} of resource {res.name} is {size_text(ps.size_bytes)} on "
                             f"{node_label(small)} but {vl.disk} is {size_text(pl.size_bytes)} on {node_label(large)}: "
                             f"{consequence}",
                      severity=severity, related=tuple(x for x in (vl.option("disk"), ps, pl) if x is not None),
                      hint="make both partitions the same size, or set `disk { size …; }` to the smaller one")


# -- DRBD204 / DRBD205 --------------------------------------------------------------------------


class ReplicationAddressNotLocal(Rule):
    """The replication `address` of a node is not one of that node's addresses.

    ## What it checks
    The `address` of each `on` section naming a cluster node against that node's captured
    `ip addr`, in every node's drbd.conf (each copy of the wrong line needs fixing). An address
    that is the haresources floating IP is reported too: it exists only on the node that holds
    the services.

    ## Why it matters
    drbdadm refuses ("… is not a local address", unless `disable-ip-verification`) or the
    bind fails, and the resource stays StandAlone/Unconnected: no replication at all
    (drbd.conf(5) "disable-ip-verification"; drbd-utils `have_ip()`).

    ## Example
    ```
    on voipbackup.drbd { address 10.1.1.12:7788; }   # ip addr: eth1 10.1.1.2/24
    ```

    ## Fix
    Write the node's replication IP (`ip -o addr show eth1`) in its `on` section, on both
    nodes' drbd.conf.
    """

    id = "DRBD204"
    name = "replication-address-not-local"
    severity = Severity.ERROR
    scope = "node"
    needs = ("drbd",)

    def check_node(self, node, ctx):
        vips = floating_ips(ctx.cluster)
        owners = [n for n in ctx.cluster.nodes if n.facts.ipaddrs is not None and n.nodename]
        for res in node.drbd.resources:
            for owner in owners:
                host = host_of(res, owner)
                if host is None or host.address is None or host.address.family not in ("ipv4", "ipv6"):
                    continue
                yield from self._check(res, host.address, owner, vips)

    def _check(self, res, address, owner, vips):
        ip = address.ip
        if ip.startswith("127.") or ip == "::1":
            return  # stacked resources behind a proxy listen on loopback
        vip = vips.get(ip)
        if vip is not None:
            yield Finding(address, f"the replication address {ip} of {node_label(owner)} in resource {res.name} is the "
                                   "floating IP of haresources: it exists only on the active node",
                          related=(vip,), hint="use the node's fixed replication IP (e.g. on eth1)")
        elif address_entry(owner, ip) is None:
            have = ", ".join(f"{a.address} ({a.ifname})" for a in owner.facts.ipaddrs
                             if a.scope not in ("host", "link")) or "none"
            yield Finding(address, f"{ip} (resource {res.name}, on {node_label(owner)}) is not an address of "
                                   f"{node_label(owner)}; its addresses: {have}",
                          hint=f"write {node_label(owner)}'s own replication IP in its `on` section, in both "
                               "nodes' drbd.conf")


def _network(entry):
    try:
        return ipaddress.ip_interface(f"{entry.address}/{entry.prefix}").network
    except ValueError:
        return None


class ReplicationLinkShared(Rule):
    """The replication addresses are not on one subnet, or share the floating IP's interface.

    ## What it checks
    For each resource, the interface carrying this node's `address`: the peer's `address`
    must be inside that interface's subnet, and that interface should not also carry the
    haresources floating IP (the public LAN).

    ## Why it matters
    Routed replication adds latency to every write (protocol C waits for the peer), and
    replication on the public LAN competes with the VoIP RTP streams; when that one link
    fails, DRBD and Heartbeat lose the peer together. DRBD User's Guide 8.3 "Preparing your
    network configuration": a dedicated, back-to-back link is recommended.

    ## Example
    ```
    on voipserver.drbd { address 192.168.1.243:7788; }   # eth0, where IPaddr::192.168.1.245 lives
    ```

    ## Fix
    Replicate over a dedicated link (e.g. eth1, 10.1.1.0/24 crossover) and use those
    addresses in both `on` sections.
    """

    id = "DRBD205"
    name = "replication-link-shared"
    severity = Severity.WARNING
    scope = "node"
    needs = ("drbd", "ipaddrs")

    def check_node(self, node, ctx):
        peer = ctx.peer(node)
        vips = floating_ips(ctx.cluster)
        for res in node.drbd.resources:
            host = host_of(res, node)
            entry = address_entry(node, host.address.ip) if host is not None and host.address else None
            net = _network(entry) if entry is not None else None
            if net is None:
                continue
            peer_host = host_of(res, peer) if peer is not None else _other_host(res, host)
            peer_ip = peer_host.address.ip if peer_host is not None and peer_host.address else None
            if peer_ip and _inside(peer_ip, net) is False:
                yield Finding(host.address, f"the peer's replication address {peer_ip} (resource {res.name}) is not in "
                                            f"{net}, the subnet of {entry.ifname} carrying {host.address.ip}: "
                                            "replication goes through a router",
                              related=(peer_host.address,), hint="put both replication addresses on one dedicated link")
                continue
            shared = [(ip, r) for ip, r in vips.items() if _inside(ip, net)]
            if shared:
                ip, vip = shared[0]
                yield Finding(host.address, f"resource {res.name} replicates over {entry.ifname} ({net}), the network of "
                                            f"the floating IP {ip}: replication competes with VoIP traffic and one "
                                            "link failure cuts both", related=(vip,),
                              hint="replicate over a dedicated link (e.g. eth1 crossover)")


def _other_host(res, host):
    others = [h for h in res.hosts if h is not host]
    return others[0] if len(others) == 1 else None


def _inside(ip: str, net) -> bool | None:
    try:
        return ipaddress.ip_address(ip) in net
    except (ValueError, TypeError):
        return None


# -- DRBD209 ------------------------------------------------------------------------------------


def _dopd(hacf) -> tuple:
    """(respawn of dopd or None, apiauth dopd or None) of an ha.cf."""
    respawn = next((r for r in hacf.respawn if r.command and r.command.endswith("dopd")), None)
    apiauth = next((a for a in hacf.apiauth if a.client == "dopd"), None)
    return respawn, apiauth


def fencing_of(res):
    return res.effective("disk", "fencing") or res.effective("net", "fencing")


class NoFencingWithHeartbeat(Rule):
    """Heartbeat promotes DRBD but nothing stops it promoting outdated data.

    ## What it checks
    For each resource haresources starts with `drbddisk::R`: `fencing` is unset or
    `dont-care` while ha.cf runs no dopd; or a `fence-peer` handler calls
    `drbd-peer-outdater` while ha.cf lacks `respawn hacluster …/dopd` or `apiauth dopd`.

    ## Why it matters
    When only the replication link fails, Heartbeat still sees the peer (or not) and can
    promote a Secondary whose data is stale ("time warp"), or both nodes end up Primary: a
    split brain. dopd marks the peer Outdated so it cannot be promoted (DRBD User's Guide
    8.3 "Using Heartbeat with dopd"; it also needs two Heartbeat paths).

    ## Example
    ```
    resource r0 { net { ... } }            # no disk { fencing resource-only; }
    # haresources: voipserver.drbd drbddisk::r0 ...
    ```

    ## Fix
    `disk { fencing resource-only; }` and `handlers { fence-peer
    "/usr/lib/heartbeat/drbd-peer-outdater -t 5"; }`, plus in ha.cf `respawn hacluster
    /usr/lib/heartbeat/dopd` and `apiauth dopd gid=haclient uid=hacluster`.
    """

    id = "DRBD209"
    name = "no-fencing-with-heartbeat"
    severity = Severity.WARNING
    scope = "node"
    needs = ("drbd", "haresources")

    def check_node(self, node, ctx):
        managed = managed_resources(node)
        hacf = node.hacf
        if not managed or hacf is not None and hacf.pacemaker:
            return
        respawn, apiauth = _dopd(hacf) if hacf is not None else (None, None)
        for res in node.drbd.resources:
            if res.name not in managed:
                continue
            fencing = fencing_of(res)
            handler = res.handlers.get("fence-peer")
            if (fencing is None or fencing.value == "dont-care") and respawn is None:
                yield Finding(fencing or res.name_span,
                              f"resource {res.name} is promoted by Heartbeat ({managed[res.name][1].text}) without "
                              "fencing: after a replication-link failure an outdated node can be promoted",
                              related=(managed[res.name][1],),
                              hint="add `disk { fencing resource-only; }`, a drbd-peer-outdater fence-peer handler "
                                   "and dopd in ha.cf")
            elif handler is not None and "drbd-peer-outdater" in handler.text and hacf is not None:
                lacking = [t for t, v in (("respawn hacluster …/dopd", respawn), ("apiauth dopd", apiauth)) if v is None]
                if lacking:
                    yield Finding(handler, f"the fence-peer handler of {res.name} calls drbd-peer-outdater, which talks "
                                           f"to dopd, but ha.cf has no {' and no '.join(lacking)}: fencing fails",
                                  hint="add `respawn hacluster /usr/lib/heartbeat/dopd` and "
                                       "`apiauth dopd gid=haclient uid=hacluster` to ha.cf")


RULES = [
    DrbdConfDiffers,
    OnHostNotUname,
    BackingDiskSizesDiffer,
    ReplicationAddressNotLocal,
    ReplicationLinkShared,
    NoFencingWithHeartbeat,
]
