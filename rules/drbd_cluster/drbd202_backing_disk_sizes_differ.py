from __future__ import annotations

import re

from elastix_halint.lint.rule import Finding, Rule, Severity


def volumes_of(res, node) -> dict:
    """Volume number → Volume of ``node``'s `on` section of ``res`` (empty when none)."""
    host = node.drbd_host(res)
    return {v.number: v for v in host.volumes} if host is not None else {}


def size_text(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.2f} {unit} ({n} bytes)"
    return f"{n} bytes"


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
        return f"{node.label} is Secondary in /proc/drbd"
    for n in (node, peer):
        preferred = n.managed_resources.get(res_name)
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
        part_a, part_b = a.facts.partition_of(vol_a.disk), b.facts.partition_of(vol_b.disk)
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
                             f"{small.label} but {vl.disk} is {size_text(pl.size_bytes)} on {large.label}: "
                             f"{consequence}",
                      severity=severity, related=tuple(x for x in (vl.option("disk"), ps, pl) if x is not None),
                      hint="make both partitions the same size, or set `disk { size …; }` to the smaller one")
