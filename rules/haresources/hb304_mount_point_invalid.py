from __future__ import annotations

from elastix_halint.builtin.haresources._helpers import HARESOURCES
from elastix_halint.lint.rule import Finding, Rule, Severity


FILESYSTEMS = (
    "ext2", "ext3", "ext4", "xfs", "reiserfs", "jfs", "btrfs", "gfs", "gfs2", "ocfs2", "nfs", "nfs4", "vfat",
    "cifs", "zfs", "auto",
)


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
                yield Finding(fs.part_span(mnt), f"mount point {mnt!r} is not an absolute path", hint="e.g. /replica")
            elif mnt in _missing_paths(ctx.node):
                yield Finding(fs.part_span(mnt), f"mount point {mnt} does not exist on {ctx.node.label}",
                              hint=f"mkdir {mnt} on both nodes")
            if fstype not in FILESYSTEMS:
                from elastix_halint.parsing.larkkit import suggest

                meant = suggest(fstype, FILESYSTEMS)
                yield Finding(fs.part_span("::" + fstype), f"{fstype!r} is not a file system type", suggestion=meant,
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
        yield Finding(mounts[0].part_span(mounts[0].args[1]),
                      f"the replicated directories point elsewhere ({e.path} -> {e.target}), not under "
                      f"{', '.join(points)} on {node.label}: the services would not use the replicated data",
                      related=(e,), hint="mount the file system where the Elastix symlinks point")
