"""Runtime rules (STATE100–STATE110) over a node's captured /proc/drbd.

Each finding points at the minor's line of /proc/drbd and says what to do, in drbdadm 8.3
syntax (`drbdadm -- --discard-my-data connect r0`), which 8.4 still accepts. DRBD 9 prints no
per-minor state in /proc/drbd, so these rules stay silent there. Not implemented: STATE111
(needs the kernel log: `Split-Brain detected` lines); STATE101's "for how long" (one capture
has no duration: every WFConnection is reported).
"""

from __future__ import annotations

from elastix_halint.builtin.drbd_cluster import managed_resources, resource_of_minor
from elastix_halint.builtin.haresources import node_label
from elastix_halint.lint.rule import Finding, Rule, Severity

SPLIT_BRAIN_HINT = ("if it was a split brain (kernel log: \"Split-Brain detected\"), pick the node whose changes "
                    "are lost: `drbdadm secondary {r}; drbdadm -- --discard-my-data connect {r}` there, "
                    "`drbdadm connect {r}` on the survivor; otherwise fix the cause in the kernel log and "
                    "`drbdadm connect {r}`")
BAD_LOCAL_DISK = ("Inconsistent", "Outdated", "Diskless", "Failed", "DUnknown", "Negotiating", "Attaching")
BAD_PEER_DISK = ("Inconsistent", "Outdated", "DUnknown")


class _MinorRule(Rule):
    """A rule over each configured minor of a node's /proc/drbd: subclasses define ``check``."""

    scope = "node"
    needs = ("procdrbd",)

    def check_node(self, node, ctx):
        for minor in node.facts.procdrbd.minors:
            if minor.unconfigured:
                continue
            res, _vol = resource_of_minor(node, minor.minor)
            label = res.name if res is not None else str(minor.minor)
            yield from self.check(node, minor, res, label, ctx)

    def check(self, node, minor, res, label, ctx):  # pragma: no cover - overridden
        return ()


def _where(minor, label: str, node) -> str:
    return f"minor {minor.minor} (resource {label}) on {node_label(node)}" if label != str(minor.minor) \
        else f"minor {minor.minor} on {node_label(node)}"


class StandAlone(_MinorRule):
    """A resource is StandAlone: DRBD gave up connecting to its peer.

    ## What it checks
    `cs:StandAlone` for a minor in /proc/drbd.

    ## Why it matters
    Nothing replicates and the peer's copy ages with every write. DRBD goes StandAlone after
    "Split-Brain detected, dropping connection!", an authentication or protocol mismatch, or
    `drbdadm disconnect` ("After split brain has been detected, one node will always have the
    resource in a StandAlone connection state", DRBD User's Guide 8.3, s-resolve-split-brain).

    ## Example
    ```
     0: cs:StandAlone ro:Primary/Unknown ds:UpToDate/DUnknown   r-----
    ```

    ## Fix
    Read the kernel log. After a split brain, on the node whose changes are to be thrown away:
    `drbdadm secondary r0; drbdadm -- --discard-my-data connect r0`; on the other:
    `drbdadm connect r0`.
    """

    id = "STATE100"
    name = "drbd-standalone"
    severity = Severity.ERROR

    def check(self, node, minor, res, label, ctx):
        if minor.cs == "StandAlone":
            yield Finding(minor, f"{_where(minor, label, node)} is StandAlone: not replicating, the peer's data ages",
                          hint=SPLIT_BRAIN_HINT.format(r=label))


class WaitingForConnection(_MinorRule):
    """A resource is waiting for its peer (WFConnection / Unconnected).

    ## What it checks
    `cs:WFConnection`, `cs:Unconnected`, `cs:WFReportParams` or `cs:BrokenPipe`/
    `cs:NetworkFailure`/`cs:ProtocolError`/`cs:TearDown`/`cs:Timeout` in /proc/drbd.

    ## Why it matters
    The peer is down, unreachable (firewall on TCP 7788, wrong address) or itself StandAlone
    after a split brain: nothing replicates until it connects ("The other might … be … in
    WFConnection", DRBD User's Guide 8.3, s-resolve-split-brain).

    ## Example
    ```
     0: cs:WFConnection ro:Primary/Unknown ds:UpToDate/DUnknown C r-----
    ```

    ## Fix
    Check the peer: is DRBD up (`service drbd status`), is it StandAlone (then resolve the
    split brain there), can it reach this node's replication address and port?
    """

    id = "STATE101"
    name = "drbd-waiting-for-peer"
    severity = Severity.WARNING
    STATES = ("WFConnection", "Unconnected", "WFReportParams", "BrokenPipe", "NetworkFailure", "ProtocolError",
              "TearDown", "Timeout")

    def check(self, node, minor, res, label, ctx):
        if minor.cs in self.STATES:
            yield Finding(minor, f"{_where(minor, label, node)} is {minor.cs}: waiting for the peer, not replicating",
                          hint=f"check the peer: `cat /proc/drbd` there (StandAlone? then `drbdadm connect {label}` "
                               "after resolving the split brain), the replication link and TCP port")


class PrimaryDiskNotUpToDate(_MinorRule):
    """The Primary serves from a local disk that is not UpToDate.

    ## What it checks
    `ro:Primary/…` with a local disk state other than `UpToDate` (Inconsistent, Outdated,
    Diskless, Failed, DUnknown…).

    ## Why it matters
    Diskless means every read and write goes over the network to the peer (after an I/O error
    with `on-io-error detach`); Inconsistent or Outdated means the services run on data that
    is not the latest (drbd.conf(5) "on-io-error"; /proc/drbd disk states).

    ## Example
    ```
     0: cs:Connected ro:Primary/Secondary ds:Diskless/UpToDate C r-----
    ```

    ## Fix
    Diskless/Failed: replace or re-attach the disk (`drbdadm attach r0`); Inconsistent: let
    the resync finish before relying on this node; Outdated: fail over to the UpToDate peer.
    """

    id = "STATE102"
    name = "primary-disk-not-uptodate"
    severity = Severity.ERROR

    def check(self, node, minor, res, label, ctx):
        if minor.role == "Primary" and minor.disk in BAD_LOCAL_DISK:
            yield Finding(minor, f"{_where(minor, label, node)} is Primary on a {minor.disk} local disk",
                          hint=f"Diskless/Failed: `drbdadm attach {label}` after fixing the disk; Inconsistent: "
                               "wait for the resync; Outdated: move the services to the UpToDate peer")


class PeerDiskNotUpToDate(_MinorRule):
    """The peer's disk is not UpToDate although the nodes are connected.

    ## What it checks
    `cs:Connected` with a peer disk state `Inconsistent`, `Outdated` or `DUnknown`.

    ## Why it matters
    The standby cannot take over with current data: a failover now is an outage or runs on
    stale data (drbd.conf(5) "fencing"; DRBD User's Guide 8.3 dopd section).

    ## Example
    ```
     0: cs:Connected ro:Primary/Secondary ds:UpToDate/Outdated C r-----
    ```

    ## Fix
    Find why it did not resync (`drbdadm disconnect r0; drbdadm connect r0` on the peer
    starts one) and keep the services where they are until it is UpToDate.
    """

    id = "STATE103"
    name = "peer-disk-not-uptodate"
    severity = Severity.WARNING

    def check(self, node, minor, res, label, ctx):
        if minor.cs == "Connected" and minor.peer_disk in BAD_PEER_DISK:
            yield Finding(minor, f"{_where(minor, label, node)} is connected but the peer's disk is {minor.peer_disk}: "
                                 "the standby cannot take over with current data",
                          hint=f"on the peer: `drbdadm disconnect {label}; drbdadm connect {label}` to resync")


class OutOfSyncBlocks(_MinorRule):
    """Connected and idle, but blocks are known to be out of sync.

    ## What it checks
    `oos:` greater than 0 while `cs:Connected` (not resyncing).

    ## Why it matters
    Blocks that differ between the nodes (found by `drbdadm verify`, or left by a
    disconnect) stay different until a resync: a failover would expose them ("oos: known
    out-of-sync kB", /proc/drbd; drbd.conf(5) "NOTES ON DATA INTEGRITY").

    ## Example
    ```
        ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:b oos:2048
    ```

    ## Fix
    `drbdadm disconnect r0; drbdadm connect r0` resyncs the out-of-sync blocks.
    """

    id = "STATE104"
    name = "out-of-sync-blocks"
    severity = Severity.WARNING

    def check(self, node, minor, res, label, ctx):
        oos = minor.out_of_sync_kib
        if minor.cs == "Connected" and oos:
            yield Finding(minor.counters_span or minor, f"{_where(minor, label, node)}: {oos} KiB known out of sync "
                                                        "while connected and not resyncing",
                          hint=f"`drbdadm disconnect {label}; drbdadm connect {label}` to resync them")


class BothPrimary(_MinorRule):
    """Both nodes are Primary without `allow-two-primaries`.

    ## What it checks
    `ro:Primary/Primary` for a resource whose `net` section does not allow two primaries.

    ## Why it matters
    Two nodes write independently to what should be one disk: a split brain in progress; one
    side's writes will be discarded (DRBD User's Guide 8.3, s-resolve-split-brain).

    ## Example
    ```
     0: cs:StandAlone ro:Primary/Primary ds:UpToDate/UpToDate   r-----
    ```

    ## Fix
    Stop the services on the node whose changes are to be lost, then resolve the split brain:
    `drbdadm secondary r0; drbdadm -- --discard-my-data connect r0` there.
    """

    id = "STATE105"
    name = "both-primary"
    severity = Severity.ERROR

    def check(self, node, minor, res, label, ctx):
        if minor.role == "Primary" and minor.peer_role == "Primary":
            two = res.effective("net", "allow-two-primaries") if res is not None else None
            if two is None or two.normalised is False:
                yield Finding(minor, f"{_where(minor, label, node)} is Primary on both nodes without "
                                     "allow-two-primaries: a split brain in progress",
                              hint=SPLIT_BRAIN_HINT.format(r=label))


class NoPrimary(_MinorRule):
    """Both nodes are Secondary for a resource Heartbeat should keep Primary somewhere.

    ## What it checks
    `ro:Secondary/Secondary` for a resource haresources starts with `drbddisk::R`.

    ## Why it matters
    No node serves the replica: drbddisk failed to promote (usually because the data is
    Outdated/Inconsistent or after a split brain), or Heartbeat is stopped on both nodes;
    the services that need the replica are down (DRBD User's Guide 8.3, Heartbeat chapter).

    ## Example
    ```
     0: cs:Connected ro:Secondary/Secondary ds:UpToDate/UpToDate C r-----
    ```

    ## Fix
    Check `cl_status`/`/var/log/ha-log` for why drbddisk failed; start Heartbeat, or
    `hb_takeover` on the node that should serve.
    """

    id = "STATE106"
    name = "no-primary"
    severity = Severity.WARNING

    def check(self, node, minor, res, label, ctx):
        if minor.role == "Secondary" and minor.peer_role == "Secondary" and res is not None:
            if any(res.name in managed_resources(n) for n in ctx.cluster.nodes):
                yield Finding(minor, f"{_where(minor, label, node)} is Secondary on both nodes although Heartbeat "
                                     "should keep it Primary: nobody serves the replica",
                              hint="see /var/log/ha-log for why drbddisk did not promote; start heartbeat or "
                                   "`hb_takeover` on the node that should serve")


class IoSuspended(_MinorRule):
    """I/O to a DRBD device is suspended.

    ## What it checks
    The first state flag in /proc/drbd is `s` (suspended) instead of `r`.

    ## Why it matters
    `fencing resource-and-stonith` or `on-no-data-accessible suspend-io` froze all I/O:
    Asterisk and MySQL hang until someone resumes it (drbd.conf(5) "fencing").

    ## Example
    ```
     0: cs:WFConnection ro:Primary/Unknown ds:UpToDate/DUnknown C s-----
    ```

    ## Fix
    Resolve the fencing (is the peer really down/outdated?), then `drbdadm resume-io r0`.
    """

    id = "STATE107"
    name = "io-suspended"
    severity = Severity.ERROR

    def check(self, node, minor, res, label, ctx):
        if minor.flags is not None and minor.flags.suspended:
            yield Finding(minor, f"I/O of {_where(minor, label, node)} is suspended: applications writing to it hang",
                          hint=f"resolve the fencing, then `drbdadm resume-io {label}`")


class ResyncPaused(_MinorRule):
    """A resync is paused or stalled.

    ## What it checks
    The resync-paused flags of /proc/drbd (`a` sync-after dependency, `p` paused by the peer,
    `u` paused by the user) or a progress line saying `(stalled)`.

    ## Why it matters
    The Secondary stays Inconsistent and cannot take over until the resync finishes
    (/proc/drbd flags `aftr_isp`/`peer_isp`/`user_isp`, "(stalled)").

    ## Example
    ```
     0: cs:PausedSyncS ro:Primary/Secondary ds:UpToDate/Inconsistent C r--u--
    ```

    ## Fix
    `drbdadm resume-sync r0` (user pause); check the resync-after resource or the link when
    stalled.
    """

    id = "STATE108"
    name = "resync-paused"
    severity = Severity.WARNING

    def check(self, node, minor, res, label, ctx):
        flags = minor.flags
        why = []
        if flags is not None:
            why += [text for on, text in ((flags.paused_user, "by the user"), (flags.paused_peer, "by the peer"),
                                          (flags.paused_after, "waiting for a resync-after resource")) if on]
        if minor.sync is not None and minor.sync.stalled:
            why.append("stalled")
        if why:
            yield Finding(minor, f"the resync of {_where(minor, label, node)} is paused ({', '.join(why)}): the "
                                 "target stays Inconsistent", hint=f"`drbdadm resume-sync {label}` for a user pause; "
                                                                   "check the link when stalled")


class ModuleVersionsDiffer(Rule):
    """The two nodes run different DRBD kernel module versions.

    ## What it checks
    The `version:` line of both nodes' /proc/drbd: a different major.minor (8.3 against 8.4)
    is reported, and an error when their protocol ranges (`proto:86-96`) do not overlap.

    ## Why it matters
    Mismatched modules limit the features both sides agree on, and a non-overlapping protocol
    range cannot connect at all ("incompatible communication protocols"); 8.3 utilities
    against an 8.4 module fail in drbdadm (/proc/drbd version line `api:…/proto:…`).

    ## Example
    ```
    version: 8.3.13 (api:88/proto:86-96)      # peer: version: 8.4.4 (api:1/proto:86-101)
    ```

    ## Fix
    Install the same drbd kernel module and utilities (kmod-drbd83 / kmod-drbd84) on both
    nodes.
    """

    id = "STATE109"
    name = "module-versions-differ"
    severity = Severity.WARNING
    scope = "cluster"
    needs = ("procdrbd", "peer")

    def check_cluster(self, cluster, ctx):
        if len(cluster.nodes) != 2:
            return
        a, b = (n.facts.procdrbd for n in cluster.nodes)
        if not a.major or not b.major or a.major == b.major:
            return
        overlap = None
        if None not in (a.proto_min, a.proto_max, b.proto_min, b.proto_max):
            overlap = max(a.proto_min, b.proto_min) <= min(a.proto_max, b.proto_max)
        na, nb = (node_label(n) for n in cluster.nodes)
        text = f"DRBD {a.version} on {na} but {b.version} on {nb}"
        if overlap is False:
            text += f": their protocol ranges {a.proto_min}-{a.proto_max} and {b.proto_min}-{b.proto_max} do not overlap"
        for proc, other in ((a, b), (b, a)):
            yield Finding(proc, text, severity=Severity.ERROR if overlap is False else None, related=(other,),
                          hint="install the same DRBD module and utilities version on both nodes")


class NoWriteOrdering(_MinorRule):
    """DRBD runs without any write ordering (`wo:n`).

    ## What it checks
    The `wo:` field of /proc/drbd is `n` (none).

    ## Why it matters
    With no barriers, flushes or drain, writes may reach the disk out of order: after a power
    loss the filesystem or MySQL's journal can be corrupt unless the controller cache is
    battery-backed (drbd.conf(5): "The letter after wo: in /proc/drbd indicates which method
    is currently in use").

    ## Example
    ```
        ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:n oos:0
    ```

    ## Fix
    Remove `no-disk-barrier`/`no-disk-flushes`/`no-disk-drain` (8.3) or `disk-… no` (8.4)
    unless the disks have a battery-backed write cache.
    """

    id = "STATE110"
    name = "no-write-ordering"
    severity = Severity.INFO

    def check(self, node, minor, res, label, ctx):
        if minor.write_ordering == "n":
            yield Finding(minor.counters_span or minor, f"{_where(minor, label, node)} uses no write ordering (wo:n)",
                          hint="keep flushes (or drain) unless the write cache is battery-backed")


RULES = [
    StandAlone,
    WaitingForConnection,
    PrimaryDiskNotUpToDate,
    PeerDiskNotUpToDate,
    OutOfSyncBlocks,
    BothPrimary,
    NoPrimary,
    IoSuspended,
    ResyncPaused,
    ModuleVersionsDiffer,
    NoWriteOrdering,
]
