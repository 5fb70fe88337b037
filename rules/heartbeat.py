"""Heartbeat ``ha.cf`` rules (HB100–HB118).

File-scope rules read the ha.cf model and, when the file belongs to a node, that node's other
parts and facts through ``ctx.node`` (loose files get an anonymous node without facts, so the
fact-based parts of a check simply stay silent).
"""

from __future__ import annotations

import ipaddress
import re

from elastix_halint.lint.rule import Edit, Finding, Rule, Severity, Span
from elastix_halint.model.hacf_keywords import COMM_MEDIA

HACF = ("hacf",)
DEFAULT_KEEPALIVE_MS = 1000
DEFAULT_DEADTIME_MS = 30000
DEFAULT_UDPPORT = 694
MIN_INITDEAD_MS = 10000
# OCR/typing damage in interface names: "ethl" for eth1, "ethO" for eth0.
_OCR_IFACE = re.compile(r"^(eth|em|bond|wlan|ens)([0-9lIO|]*[lIO|][0-9lIO|]*)$")
_OCR_TABLE = str.maketrans({"l": "1", "I": "1", "|": "1", "O": "0"})


# -- helpers shared by the ha.cf rules (also imported by the haresources rules) ---------------

def seconds(ms: int) -> str:
    return f"{ms / 1000:g}s" if ms % 1000 == 0 or ms >= 1000 else f"{ms}ms"


def file_span(ctx) -> Span | None:
    """The first line of the checked file: where a "missing from this file" finding points."""
    return Span.point(ctx.file.source.path, 1) if ctx.file is not None else None


def physical(ifname: str) -> str:
    """The NIC behind an alias (``eth0:0``) or VLAN (``eth0.100``): they share its cable."""
    return re.split(r"[:.]", ifname, maxsplit=1)[0]


def interfaces(node) -> set[str] | None:
    """Interface names of a node (also those without an address), None when not captured."""
    facts = getattr(node, "facts", None)
    if facts is None or facts.ipaddrs is None:
        return None
    names = {a.ifname for a in facts.ipaddrs} | {a.label for a in facts.ipaddrs if a.label}
    source = facts.sources.get("ipaddrs")
    listed = getattr(getattr(source, "model", None), "interfaces", ()) or ()
    return names | set(listed)


def interface_of(node, address: str) -> str | None:
    """The interface carrying ``address`` on ``node`` (from its captured ``ip addr``)."""
    for a in getattr(node.facts, "ipaddrs", None) or ():
        if a.address == address:
            return a.ifname
    return None


def subnet_interface(node, address: str) -> str | None:
    """The interface whose subnet holds ``address`` (where Heartbeat's IPaddr would put it)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    for a in getattr(node.facts, "ipaddrs", None) or ():
        try:
            net = ipaddress.ip_interface(f"{a.address}/{a.prefix}").network
        except ValueError:
            continue
        if ip.version == net.version and ip in net and net.prefixlen < net.max_prefixlen:
            return a.ifname
    return None


def drbd_addresses(node):
    """``(resource, address)`` of every DRBD host section naming this node."""
    name = (node.nodename or "").lower()
    for res in getattr(node.drbd, "resources", ()) if node.drbd is not None else ():
        for host in res.hosts:
            if host.address is not None and name and name in (n.lower() for n in host.names):
                yield res, host.address


def floating_ips(node):
    """``(resource, ip, interface or None)`` of the IPaddr resources of the node's haresources."""
    for res in node.haresources.resources if node.haresources is not None else ():
        if res.agent in ("IPaddr", "IPaddr2") and res.args:
            fields = res.args[0].split("/")
            yield res, fields[0], fields[2] if len(fields) > 2 and fields[2] else None


def uses_drbd(node) -> bool:
    if node is None:
        return False
    if node.drbd is not None and node.drbd.resources:
        return True
    return node.haresources is not None and any(r.agent == "drbddisk" for r in node.haresources.resources)


def default_initdead(dead_ms: int) -> int:
    """Heartbeat's initdead when ha.cf does not set it (config.c)."""
    if dead_ms > 10000:
        return dead_ms
    return 12000 if dead_ms < 6000 else 2 * dead_ms


def time_ms(tv, default: int | None) -> int | None:
    return tv.ms if tv is not None else default


# -- HB100..HB102 -----------------------------------------------------------------------------

class IllegalDirective(Rule):
    """A directive Heartbeat does not know.

    ## What it checks
    Every directive name of ha.cf against Heartbeat's directive table (ha.cf(5)); a misspelt
    one (`keepalive2`, `dead_time`, `auto_fail_back`) gets its did-you-mean.

    ## Why it matters
    Heartbeat stops at the first unknown name with "Illegal directive [X] in /etc/ha.d/ha.cf"
    and does not start at all: no failover (heartbeat config.c `parse_config`).

    ## Example
    ```
    dead_time 30
    ```

    ## Fix
    Use the directive meant (`deadtime 30`); `halint lint --fix` renames a clear typo.
    """

    id = "HB100"
    name = "illegal-directive"
    severity = Severity.ERROR
    kinds = HACF

    def check_file(self, model, ctx):
        for d in model.unknown:
            fix = Edit(d.name_span, d.suggestion) if d.suggestion else None
            meant = f"; did you mean {d.suggestion!r}?" if d.suggestion else ""
            yield Finding(
                d.name_span,
                f"{d.name!r} is not an ha.cf directive: Heartbeat refuses to start (Illegal directive){meant}",
                hint=f"rename it to {d.suggestion}" if d.suggestion else "remove the line or use a directive of ha.cf(5)",
                fix=fix,
                suggestion=d.suggestion,
            )


class NoMediumOrNode(Rule):
    """ha.cf has no communication medium or no node.

    ## What it checks
    At least one `bcast`, `mcast`, `mcast6`, `ucast`, `ucast6` or `serial` line, and at least
    one `node` line (not needed with `autojoin any`, which adds the local node itself).

    ## Why it matters
    Heartbeat exits with "No heartbeat media defined" or "no nodes defined": the cluster never
    starts (heartbeat config.c; ha.cf(5) REQUIRED DIRECTIVES).

    ## Example
    ```
    keepalive 2
    deadtime 30
    node alpha
    node beta
    ```

    ## Fix
    Add a path, e.g. `bcast eth1`, and a `node` line for each node's `uname -n`.
    """

    id = "HB101"
    name = "no-medium-or-node"
    severity = Severity.ERROR
    kinds = HACF

    def check_file(self, model, ctx):
        where = model.directives[0] if model.directives else file_span(ctx)
        if not any(d.name in COMM_MEDIA for d in model.directives):
            yield Finding(where, "no heartbeat medium (bcast, mcast, ucast or serial): Heartbeat does not start "
                                 "(No heartbeat media defined)", hint="add e.g. `bcast eth1` and a second path")
        autojoin = model.last_word("autojoin")
        if not model.nodes and not (autojoin and autojoin.text == "any"):
            yield Finding(where, "no `node` directive: Heartbeat does not start (no nodes defined)",
                          hint="add `node NAME` for the `uname -n` of each node")


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


# -- HB103..HB106: timings ----------------------------------------------------------------------

class DeadtimeVsKeepalive(Rule):
    """`deadtime` is not more than twice `keepalive`.

    ## What it checks
    deadtime > 2 × keepalive, with Heartbeat's defaults (keepalive 1s, deadtime 30s) for a
    value not set; the same for `deadping` when it is set.

    ## Why it matters
    Heartbeat refuses the configuration ("Dead time [..] is too small compared to keeplive")
    and does not start (heartbeat config.c).

    ## Example
    ```
    keepalive 5
    deadtime 10
    ```

    ## Fix
    Keep keepalive < warntime < deadtime, e.g. `keepalive 2`, `warntime 10`, `deadtime 30`.
    """

    id = "HB103"
    name = "deadtime-vs-keepalive"
    severity = Severity.ERROR
    kinds = HACF

    def check_file(self, model, ctx):
        t = model.times
        keep, dead = time_ms(t.keepalive, DEFAULT_KEEPALIVE_MS), time_ms(t.deadtime, DEFAULT_DEADTIME_MS)
        yield from self._deadping(t, keep)
        if keep is None or dead is None or dead > 2 * keep or (t.keepalive is None and t.deadtime is None):
            return
        where = t.deadtime or t.keepalive
        yield Finding(where.span, f"deadtime {seconds(dead)} is not more than twice keepalive {seconds(keep)}: "
                                  "Heartbeat refuses this configuration", hint="raise deadtime (e.g. 30) or lower keepalive (e.g. 2)")

    def _deadping(self, t, keep):
        ping = t.deadping
        if ping is not None and ping.ms is not None and keep is not None and ping.ms <= 2 * keep:
            yield Finding(ping.span, f"deadping {seconds(ping.ms)} is not more than twice keepalive {seconds(keep)}: "
                                     "Heartbeat refuses this configuration (Ping dead time too small)",
                          hint="raise deadping (it defaults to deadtime)")


class InitdeadTooShort(Rule):
    """`initdead` is shorter than `deadtime`, or than twice `deadtime` / 10 s.

    ## What it checks
    When `initdead` is set: initdead < deadtime is an error; initdead < 2 × deadtime or
    < 10 s is a warning. When it is not set (and deadtime is), Heartbeat's default (deadtime
    itself above 10 s) is judged the same way.

    ## Why it matters
    Heartbeat refuses initdead < deadtime ("Initial dead time [..] is smaller than deadtime").
    At boot, switch ports (spanning tree) and the peer's own boot take time: a short initdead
    declares the peer dead and both nodes start the resources (heartbeat config.c; sample
    ha.cf "It should be at least twice the normal dead time").

    ## Example
    ```
    deadtime 30
    initdead 30
    ```

    ## Fix
    `initdead` ≥ 2 × deadtime and ≥ 10 s, e.g. `deadtime 30` / `initdead 120`.
    """

    id = "HB104"
    name = "initdead-too-short"
    severity = Severity.WARNING
    kinds = HACF

    def check_file(self, model, ctx):
        t = model.times
        init, dead = t.initdead, time_ms(t.deadtime, DEFAULT_DEADTIME_MS)
        if init is None and dead is not None and t.deadtime is not None and default_initdead(dead) < 2 * dead:
            yield Finding(t.deadtime.directive, f"initdead is not set, so Heartbeat waits only "
                                                f"{seconds(default_initdead(dead))} for the peer at boot (less than twice "
                                                f"deadtime): both nodes may start the resources",
                          hint=f"add `initdead {max(2 * dead, MIN_INITDEAD_MS) // 1000}`")
        if init is None or init.ms is None or dead is None:
            return
        if init.ms < dead:
            yield Finding(init.span, f"initdead {seconds(init.ms)} is shorter than deadtime {seconds(dead)}: "
                                     "Heartbeat refuses this configuration", severity=Severity.ERROR,
                          hint=f"set initdead to at least {seconds(max(2 * dead, MIN_INITDEAD_MS))}")
        elif init.ms < 2 * dead or init.ms < MIN_INITDEAD_MS:
            yield Finding(init.span, f"initdead {seconds(init.ms)} is less than "
                                     + (f"twice deadtime ({seconds(2 * dead)})" if init.ms < 2 * dead else "10s")
                                     + ": at boot the peer may be declared dead and both nodes start the resources",
                          hint=f"set initdead to at least {seconds(max(2 * dead, MIN_INITDEAD_MS))}")


class WarntimeOutOfRange(Rule):
    """`warntime` is not between `keepalive` and `deadtime`.

    ## What it checks
    When `warntime` is set: keepalive < warntime < deadtime.

    ## Why it matters
    A "late heartbeat" warning that fires only after the peer was declared dead (or at every
    heartbeat) tells nothing; warntime is how deadtime is tuned (ha.cf(5) "warntime").

    ## Example
    ```
    keepalive 2
    warntime 30
    deadtime 30
    ```

    ## Fix
    keepalive < warntime < deadtime, e.g. `keepalive 2` / `warntime 10` / `deadtime 30`.
    """

    id = "HB105"
    name = "warntime-out-of-range"
    severity = Severity.WARNING
    kinds = HACF

    def check_file(self, model, ctx):
        t = model.times
        warn = t.warntime
        keep, dead = time_ms(t.keepalive, DEFAULT_KEEPALIVE_MS), time_ms(t.deadtime, DEFAULT_DEADTIME_MS)
        if warn is None or warn.ms is None or keep is None or dead is None:
            return
        if warn.ms >= dead:
            yield Finding(warn.span, f"warntime {seconds(warn.ms)} is not below deadtime {seconds(dead)}: the "
                                     "late-heartbeat warning comes only after the peer is declared dead",
                          hint="keep keepalive < warntime < deadtime")
        elif warn.ms <= keep:
            yield Finding(warn.span, f"warntime {seconds(warn.ms)} is not above keepalive {seconds(keep)}: every "
                                     "heartbeat counts as late", hint="keep keepalive < warntime < deadtime")


class DeadtimeTooLow(Rule):
    """`deadtime` is very short.

    ## What it checks
    deadtime below 10 s.

    ## Why it matters
    "Setting this value too low will cause the system to falsely declare itself dead"
    (ha.cf(5) "deadtime"): an I/O spike (MySQL, Asterisk recordings) delays a heartbeat and
    the standby takes over while the primary still runs: spurious failover or split brain.

    ## Example
    ```
    keepalive 1
    deadtime 4
    ```

    ## Fix
    Measure with `warntime` and keep deadtime well above the worst late heartbeat (≥ 10 s,
    the HOWTO uses 30).
    """

    id = "HB106"
    name = "deadtime-too-low"
    severity = Severity.INFO
    kinds = HACF

    def check_file(self, model, ctx):
        dead = model.times.deadtime
        if dead is not None and dead.ms is not None and dead.ms < MIN_INITDEAD_MS:
            yield Finding(dead.span, f"deadtime {seconds(dead.ms)} is under 10s: a load spike can make the peer "
                                     "look dead (spurious failover)", hint="use warntime to measure, then deadtime ≥ 10s")


# -- HB107..HB110: communication paths ----------------------------------------------------------

def _shared_with(node, nic: str) -> list[str]:
    """What else runs over NIC ``nic`` of ``node``: the DRBD link, the floating IP."""
    uses = []
    for res, addr in drbd_addresses(node):
        iface = interface_of(node, addr.ip)
        if iface and physical(iface) == nic:
            uses.append(f"the DRBD replication link of {res.name} ({addr.ip})")
    for _res, ip, iface in floating_ips(node):
        where = iface or subnet_interface(node, ip)
        if where and physical(where) == nic:
            uses.append(f"the floating IP {ip}")
    return uses


class SingleCommunicationPath(Rule):
    """Heartbeat has only one communication path.

    ## What it checks
    All `bcast`/`mcast`/`ucast`/`serial` media use one network interface (aliases and VLANs
    of a NIC count as that NIC). When node facts are present the message says what else
    shares it (the DRBD replication link, the floating IP). A bonding interface (`bond0`)
    counts as redundant.

    ## Why it matters
    One cable, NIC or switch failure and each node thinks the other is dead: both take the
    resources and both become DRBD Primary (split brain). dopd needs a second path too (DRBD
    User's Guide 8.3, dopd section). Using the DRBD link for heartbeats is fine as one of two.

    ## Example
    ```
    bcast eth1        # the only path, and also the DRBD link
    ```

    ## Fix
    Add an independent path: `bcast eth0` (LAN), `ucast eth0 <peer LAN IP>` or
    `serial /dev/ttyS0` with a null-modem cable.
    """

    id = "HB107"
    name = "single-communication-path"
    severity = Severity.WARNING
    kinds = HACF

    def check_file(self, model, ctx):
        media = [m for m in model.media if m.interface]
        paths = {(m.kind == "serial", physical(m.interface)) for m in media}
        if len(paths) != 1:
            return
        serial, nic = next(iter(paths))
        if nic.startswith("bond"):  # a bond is several NICs: redundant when its slaves use two switches
            return
        shared = [] if serial or ctx.node is None else _shared_with(ctx.node, nic)
        extra = f", which also carries {' and '.join(shared)}: a single point of failure" if shared else ""
        yield Finding(media[0].span, f"the only Heartbeat path is {media[0].kind} on {nic}{extra}; if it fails each "
                                     "node declares the other dead and both take the resources",
                      hint="add a second, independent path (bcast on the LAN NIC, ucast, or serial)")


class UdpportAfterMedium(Rule):
    """`udpport` comes after a `bcast`/`ucast` line it was meant for.

    ## What it checks
    Every bcast/ucast medium uses the port of the last `udpport` in the file; a medium
    declared before that `udpport` line uses the port in force at its own line (694 when none).

    ## Why it matters
    Directives are read in order: "You have to configure udpport (in ha.cf) before you configure
    ucast or bcast" (ha.cf(5)); the earlier media talk on another port than the later ones and
    than the peer expects, and clusters sharing a LAN see each other's packets.

    ## Example
    ```
    bcast eth0
    udpport 696
    ```

    ## Fix
    Move `udpport` above every `bcast`/`ucast` line.
    """

    id = "HB108"
    name = "udpport-after-medium"
    severity = Severity.WARNING
    kinds = HACF

    def check_file(self, model, ctx):
        final = model.udpport
        if final is None:
            return
        for m in model.media:
            port = m.port if m.port is not None else DEFAULT_UDPPORT
            if m.kind in ("bcast", "ucast", "ucast6") and port != final:
                yield Finding(m.directive.name_span, f"{m.kind} {m.interface} comes before `udpport {final}` and so "
                                                     f"uses port {port}", hint="move udpport above the media lines")


def _iface_finding(m, known: set[str] | None, node_name: str | None):
    nic = m.interface
    if known is None:
        ocr = _OCR_IFACE.match(nic)
        if ocr:
            meant = ocr.group(1) + ocr.group(2).translate(_OCR_TABLE)
            return Finding(m.span, f"interface {nic!r} of {m.kind} looks like a misprint of {meant!r}",
                           suggestion=meant, fix=Edit(m.span, meant), hint=f"write {meant}")
        return None
    if nic in known or physical(nic) in known:
        return None
    from elastix_halint.parsing.larkkit import suggest

    meant = suggest(nic, sorted(known))
    return Finding(m.span, f"{m.kind} interface {nic} does not exist on {node_name} (interfaces: "
                           f"{', '.join(sorted(known))}): this path never comes up",
                   suggestion=meant, hint=f"use {meant}" if meant else "name an interface of `ip addr`")


class MediumInterfaceMissing(Rule):
    """A medium names an interface the node does not have, or a ucast goes nowhere useful.

    ## What it checks
    Each `bcast`/`mcast`/`ucast` interface exists in the node's captured `ip addr` (without
    facts, a name with OCR damage such as `ethl` is still reported); every `ucast` address
    is not only the node's own address, and is an address of the peer when its facts are known.

    ## Why it matters
    The medium fails to start and the nodes never hear each other; "ucast directives which go
    to the local machine are effectively ignored" (ha.cf(5) "ucast"), so a file whose only
    ucast is the local address gives no path to the peer.

    ## Example
    ```
    bcast ethl        # eth1
    ```

    ## Fix
    Use the interface names of `ip addr`; give ucast the peer's address (both nodes may list
    both addresses, the local one is ignored).
    """

    id = "HB109"
    name = "medium-interface-missing"
    severity = Severity.ERROR
    kinds = HACF

    def check_file(self, model, ctx):
        node = ctx.node
        known = interfaces(node) if node is not None and not node.anonymous else None
        name = node.nodename or node.name if node is not None else None
        for m in model.media:
            if m.interface and m.kind != "serial":
                found = _iface_finding(m, known, name)
                if found:
                    yield found
        if node is not None and node.facts.ipaddrs is not None:
            yield from self._ucast(model, node, ctx.peer(node))

    def _ucast(self, model, node, peer):
        ucasts = [m for m in model.media if m.kind in ("ucast", "ucast6") and m.peer]
        own = node.facts.addresses()
        others = [m for m in model.media if m.kind not in ("ucast", "ucast6")]
        if ucasts and not others and all(m.peer in own for m in ucasts):
            yield Finding(ucasts[0].directive, f"every ucast goes to an address of {node.nodename or node.name} "
                                               "itself; Heartbeat ignores those, so this node sends no heartbeat to the peer",
                          hint="add `ucast IFACE <peer address>`")
        peer_addrs = peer.facts.addresses() if peer is not None and peer.facts.ipaddrs is not None else None
        if peer_addrs is None:
            return
        for m in ucasts:
            if m.peer not in own and m.peer not in peer_addrs:
                yield Finding(m.directive.args[1].span, f"ucast address {m.peer} is neither this node's nor the peer "
                                                        f"{peer.nodename or peer.name}'s address", hint="use the peer's address")


class McastParameters(Rule):
    """`mcast` has an invalid group, port, ttl or loop.

    ## What it checks
    `mcast DEV GROUP PORT TTL LOOP`: GROUP a multicast address (224.0.0.0/4; for mcast6
    ff00::/8), PORT 1–65535, TTL 1–255, LOOP 0 or 1.

    ## Why it matters
    Heartbeat cannot open the medium and that path never carries heartbeats (ha.cf(5) "mcast").

    ## Example
    ```
    mcast eth0 192.168.1.10 694 1 0
    ```

    ## Fix
    e.g. `mcast eth0 239.0.0.43 694 1 0` (an administratively scoped 239.x group).
    """

    id = "HB110"
    name = "mcast-parameters"
    severity = Severity.ERROR
    kinds = HACF

    def check_file(self, model, ctx):
        for m in model.media:
            if m.kind not in ("mcast", "mcast6") or len(m.directive.args) < 5:
                continue
            args = m.directive.args
            yield from _bad_group(m, args[1])
            for arg, value, low, high, what in ((args[2], m.port, 1, 65535, "port"), (args[3], m.ttl, 1, 255, "ttl"),
                                                (args[4], m.loop, 0, 1, "loop")):
                if value is not None and not low <= value <= high:
                    yield Finding(arg, f"mcast {what} {value} is out of range ({low}-{high})",
                                  hint="mcast DEV GROUP PORT TTL LOOP, e.g. mcast eth0 239.0.0.43 694 1 0")


def _bad_group(m, arg):
    try:
        group = ipaddress.ip_address(arg.text)
    except ValueError:
        yield Finding(arg, f"mcast group {arg.text!r} is not an IP address", hint="use e.g. 239.0.0.43")
        return
    if not group.is_multicast or (group.version == 6) != (m.kind == "mcast6"):
        yield Finding(arg, f"{m.kind} group {arg.text} is not a multicast address "
                           + ("(224.0.0.0-239.255.255.255)" if m.kind == "mcast" else "(ff00::/8)"),
                      hint="use an administratively scoped group such as 239.0.0.43")


# -- HB111..HB118: behaviour ------------------------------------------------------------------------

class AutoFailbackMissing(Rule):
    """`auto_failback` is not set (Heartbeat's deprecated `legacy` default).

    ## What it checks
    An `auto_failback` directive is present (and not `legacy`).

    ## Why it matters
    Without it Heartbeat runs the deprecated `legacy` mode and logs "Deprecated 'legacy'
    auto_failback option selected"; the sample ha.cf: "make sure you put an auto_failback
    directive in your ha.cf file" (heartbeat config.c; heartbeat doc/ha.cf).

    ## Example
    ```
    node alpha
    node beta
    # no auto_failback
    ```

    ## Fix
    `auto_failback off` (recommended with DRBD, see HB112).
    """

    id = "HB111"
    name = "auto-failback-missing"
    severity = Severity.WARNING
    kinds = HACF

    def check_file(self, model, ctx):
        value = model.auto_failback
        if value is None and model.pacemaker is not True:
            yield Finding(model.directives[0] if model.directives else file_span(ctx),
                          "no auto_failback directive: Heartbeat uses the deprecated legacy mode",
                          hint="add `auto_failback off`")
        elif value == "legacy":
            yield Finding(model.last_word("auto_failback"), "auto_failback legacy is deprecated",
                          hint="use `auto_failback off`")


def _has_fencing(drbd) -> bool:
    """Whether every DRBD resource has a fencing policy (resource-only or resource-and-stonith)."""
    if drbd is None or not drbd.resources:
        return False
    for res in drbd.resources:
        opt = res.effective("disk", "fencing") or res.effective("net", "fencing")
        if opt is None or opt.value in (None, "dont-care"):
            return False
    return True


class AutoFailbackWithDrbd(Rule):
    """`auto_failback on` in a DRBD cluster.

    ## What it checks
    `auto_failback on` while the node replicates with DRBD (drbd.conf resources or
    `drbddisk` in haresources). Info; a warning when DRBD has no fencing policy.

    ## Why it matters
    Every return of the preferred node moves all services back: a second interruption (calls
    dropped), and a switchover while the returning node may still be SyncTarget: drbddisk
    cannot promote it, or, without fencing, promotes stale data (heartbeat doc/haresources;
    ha.cf(5) "auto_failback").

    ## Example
    ```
    auto_failback on
    ```

    ## Fix
    `auto_failback off`; fail back by hand (`hb_standby`) once /proc/drbd shows
    `cs:Connected ds:UpToDate/UpToDate`.
    """

    id = "HB112"
    name = "auto-failback-with-drbd"
    severity = Severity.INFO
    kinds = HACF

    def check_file(self, model, ctx):
        if model.auto_failback is not True or not uses_drbd(ctx.node):
            return
        fenced = _has_fencing(ctx.node.drbd)
        yield Finding(model.last_word("auto_failback"),
                      "auto_failback on with DRBD: every return of the preferred node moves the services back, "
                      "possibly before DRBD has resynced" + ("" if fenced else ", and DRBD has no fencing to stop a "
                                                              "promotion on outdated data"),
                      severity=None if fenced else Severity.WARNING,
                      hint="use `auto_failback off` and fail back by hand when DRBD is UpToDate/UpToDate")


class CrmWithHaresources(Rule):
    """CRM/Pacemaker mode is on while haresources lists resources.

    ## What it checks
    `crm`/`pacemaker` set to anything but off while the node's haresources has groups.

    ## Why it matters
    In CRM mode Heartbeat ignores haresources (resources must be in the CIB): nothing starts
    and the Elastix HOWTO setup has no services (ha.cf(5) "crm").

    ## Example
    ```
    crm yes
    ```

    ## Fix
    Remove the `crm`/`pacemaker` line (R1 mode) or move the resources into Pacemaker.
    """

    id = "HB113"
    name = "crm-with-haresources"
    severity = Severity.ERROR
    kinds = HACF

    def check_file(self, model, ctx):
        node = ctx.node
        if model.pacemaker and node is not None and node.haresources is not None and node.haresources.groups:
            yield Finding(model.crm, f"{model.crm.name} {model.crm.value} makes Heartbeat ignore haresources: "
                                     f"its {len(node.haresources.groups)} group(s) never start",
                          hint="remove the crm/pacemaker line, or configure the resources in the CIB")


class LoggingNotConfigured(Rule):
    """No logging configured, or `debug` 2 or more.

    ## What it checks
    None of `logfile`, `debugfile`, `logfacility`, `use_logd`; or `debug` ≥ 2.

    ## Why it matters
    Without logs there is no post-mortem of a failover; a high debug level "can have an
    adverse effect … on the system's ability to send heartbeats at rapid rates" (ha.cf(5) "debug").

    ## Example
    ```
    debug 3
    ```

    ## Fix
    `logfacility local0` (and/or `logfile /var/log/ha-log`), `debug 0`.
    """

    id = "HB114"
    name = "logging-not-configured"
    severity = Severity.INFO
    kinds = HACF

    def check_file(self, model, ctx):
        if not any(model.all(n) for n in ("logfile", "debugfile", "logfacility", "use_logd")) and model.directives:
            yield Finding(model.directives[0], "no logfile, logfacility or use_logd: failovers leave no log",
                          hint="add `logfacility local0` or `logfile /var/log/ha-log`")
        debug = model.debug
        if debug is not None and debug >= 2:
            yield Finding(model.last_word("debug"), f"debug {debug} slows heartbeat sending under load",
                          hint="use `debug 0` (or 1) in production")


class WatchdogNowayout(Rule):
    """A `watchdog` device is configured.

    ## What it checks
    The `watchdog` directive.

    ## Why it matters
    With a watchdog driver built with CONFIG_WATCHDOG_NOWAYOUT (softdog nowayout=1) "even an
    orderly shutdown of heartbeat will trigger a reboot" (heartbeat sample ha.cf `watchdog`).

    ## Example
    ```
    watchdog /dev/watchdog
    ```

    ## Fix
    Load softdog with `nowayout=0`, or be ready for a reboot on every `service heartbeat stop`.
    """

    id = "HB116"
    name = "watchdog-nowayout"
    severity = Severity.INFO
    kinds = HACF

    def check_file(self, model, ctx):
        arg = model.last_word("watchdog")
        if arg is not None:
            yield Finding(arg, f"watchdog {arg.text}: if the driver has nowayout set, stopping heartbeat reboots the node",
                          hint="check `modinfo softdog` / load it with nowayout=0")


# STONITH device types whose parameters are host names, not credentials.
_NO_CREDENTIALS = ("null", "ssh", "external/ssh", "meatware", "suicide", "external/sbd")


class StonithCredentialsReadable(Rule):
    """`stonith_host` credentials in a world-readable ha.cf.

    ## What it checks
    A `stonith_host` line with device parameters (passwords) while the captured mode of
    /etc/ha.d/ha.cf lets others read it.

    ## Why it matters
    Anyone on the node can read the power-switch password and power-cycle the nodes: "if you
    … make this file publically readable, you're asking for a denial of service attack"
    (heartbeat sample ha.cf).

    ## Example
    ```
    stonith_host * apcmaster 10.0.0.9 apc <password>     # ha.cf mode 644
    ```

    ## Fix
    `chmod 600 /etc/ha.d/ha.cf`, or use `stonith TYPE FILE` with a root-only file.
    """

    id = "HB117"
    name = "stonith-credentials-readable"
    severity = Severity.WARNING
    kinds = HACF

    def check_file(self, model, ctx):
        stat = getattr(getattr(ctx.node, "facts", None), "stat", None)
        entry = stat.get("/etc/ha.d/ha.cf") if stat else None
        if entry is None or not entry.mode & 0o004:
            return
        for d in model.stonith_host:
            if len(d.args) >= 3 and d.args[1].text not in _NO_CREDENTIALS:
                yield Finding(d.name_span, f"stonith_host parameters (credentials) in an ha.cf of mode "
                                           f"{entry.mode:o}: every local user can read them",
                              related=(entry,), hint="chmod 600 /etc/ha.d/ha.cf")


# -- HB115 (both nodes) ---------------------------------------------------------------------------

_UNORDERED = ("node", "ping", "env")


def _value_key(spec, text: str) -> str:
    """A value as Heartbeat understands it: `30` = `30000ms`, `on` = `yes`, `Local0` = `local0`."""
    from elastix_halint.model.hacf import parse_bool, parse_time_ms

    if spec.value == "time":
        ms = parse_time_ms(text)
        return f"{ms}ms" if ms is not None else text
    if spec.value in ("bool", "bool+"):
        flag = parse_bool(text)
        return text.lower() if flag is None else ("on" if flag else "off")
    return text.lower() if spec.value in ("choice", "facility") else text


def _normal_hacf(model) -> dict[str, tuple]:
    """ha.cf as Heartbeat applies it: last value of options, sorted lists, media with ports."""
    from elastix_halint.model.hacf_keywords import BY_NAME

    out: dict[str, tuple] = {}
    for d in model.directives:
        spec = BY_NAME.get(d.name)
        if d.name in COMM_MEDIA or d.name == "udpport":
            continue
        if spec is not None and spec.form == "option" and not spec.repeat:
            out[d.name] = (_value_key(spec, d.args[-1].text),) if d.args else ()
        else:
            out[d.name] = out.get(d.name, ()) + ((d.value.lower() if d.name in _UNORDERED else d.value),)
    for name in _UNORDERED:
        if name in out:
            out[name] = tuple(sorted(w for v in out[name] for w in v.split()))
    media = []
    for m in model.media:
        port = m.port if m.port is not None or m.kind not in ("bcast", "ucast", "ucast6") else DEFAULT_UDPPORT
        # ucast peers legitimately differ (each node names the other).
        media.append(f"{m.kind} {m.interface} port={port}" + (f" {m.group} ttl={m.ttl} loop={m.loop}" if m.group else ""))
    out["(media)"] = tuple(sorted(media))
    return out


def _directive_for(model, key: str):
    if key == "(media)":
        return next((m.directive for m in model.media), None)
    return model.last(key)


def _shown(key: str, values: tuple | None, directive) -> str:
    """A differing value for the message: as written for a one-value option, never a password."""
    if values is None:
        return "not set"
    if key.startswith("stonith"):
        return "set (values not shown)"
    if len(values) == 1 and key != "(media)" and directive is not None and directive.args:
        return directive.args[-1].text
    return " / ".join(values) if values else "(empty)"


class HacfDiffersBetweenNodes(Rule):
    """ha.cf is not the same on both nodes.

    ## What it checks
    The two nodes' ha.cf compared as Heartbeat reads them (comments, blanks and the order of
    order-free directives do not matter; ucast peer addresses may differ); the first
    difference is named with the other node's line.

    ## Why it matters
    Different timings or media give asymmetric dead detection: one node declares the other
    dead while it still answers ("This allows the ha.cf directives on all machines to be
    identical", ha.cf(5) "ucast").

    ## Example
    ```
    deadtime 30       # node1
    deadtime 10       # node2
    ```

    ## Fix
    Copy one ha.cf to the other node (`scp /etc/ha.d/ha.cf peer:/etc/ha.d/`).
    """

    id = "HB115"
    name = "hacf-differs-between-nodes"
    severity = Severity.WARNING
    scope = "cluster"
    needs = ("hacf", "peer")

    def check_cluster(self, cluster, ctx):
        a, b = cluster.nodes[0], cluster.nodes[1]
        left, right = _normal_hacf(a.hacf), _normal_hacf(b.hacf)
        for key in list(dict.fromkeys([*left, *right])):
            if left.get(key) == right.get(key):
                continue
            mine, theirs = _directive_for(a.hacf, key), _directive_for(b.hacf, key)
            label = "communication media" if key == "(media)" else key
            # Point at the differing line; the other node's line (or its file) is the related one.
            where, other = (mine, theirs) if mine is not None else (theirs, None)
            if other is None:
                other = (b.hacf if mine is not None else a.hacf).directives[:1]
                other = other[0] if other else None
            yield Finding(
                where,
                f"ha.cf differs between nodes: {label} is {_shown(key, left.get(key), mine)} on {a.nodename or a.name} "
                f"but {_shown(key, right.get(key), theirs)} on {b.nodename or b.name}",
                related=(other,) if other is not None else (),
                hint="make ha.cf identical on both nodes",
            )
            return


# -- HB118: DRBD boot wait against Heartbeat's initdead ------------------------------------------

class DrbdWaitVsInitdead(Rule):
    """DRBD's boot-time wait for the peer is longer than Heartbeat's `initdead`.

    ## What it checks
    For each DRBD resource of the node: `wfc-timeout` and `degr-wfc-timeout` (when not 0,
    which DRBD124 covers) compared with ha.cf's `initdead` (or deadtime when not set).

    ## Why it matters
    The drbd init script runs before heartbeat and blocks the boot for up to wfc-timeout
    (degr-wfc-timeout after a degraded shutdown) waiting for the peer; Heartbeat then waits
    initdead again. `initdead` already is the "wait for the peer to boot" of the cluster: a
    longer DRBD wait only delays a lone surviving node by wfc-timeout + initdead before it
    serves calls (drbd.conf(5) "wfc-timeout"; ha.cf(5) "initdead").

    ## Example
    ```
    startup { wfc-timeout 600; }      # ha.cf: initdead 120
    ```

    ## Fix
    Keep wfc-timeout and degr-wfc-timeout at or below initdead, e.g. `wfc-timeout 120;
    degr-wfc-timeout 120;` with `initdead 120`.
    """

    id = "HB118"
    name = "drbd-wait-vs-initdead"
    severity = Severity.INFO
    scope = "node"
    needs = ("hacf", "drbd")

    def check_node(self, node, ctx):
        t = node.hacf.times
        init = t.initdead.ms if t.initdead is not None else time_ms(t.deadtime, DEFAULT_DEADTIME_MS)
        if init is None:
            return
        for res in node.drbd.resources:
            for name in ("wfc-timeout", "degr-wfc-timeout"):
                opt = res.effective("startup", name)
                try:
                    wait = int(opt.value) * 1000 if opt is not None and opt.value else 0
                except ValueError:
                    continue
                if wait > init:
                    yield Finding(opt, f"resource {res.name}: {name} {opt.value}s is longer than Heartbeat's "
                                       f"initdead {seconds(init)}: a lone node waits {seconds(wait + init)} before it "
                                       "takes the resources", related=(t.initdead,) if t.initdead else (),
                                  hint=f"set {name} to at most {init // 1000}")
