from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import HeartbeatNodeRule, report_once
from elastix_halint.lint.rule import Finding, Severity
from elastix_halint.model.drbd import Resource


_LOCAL_FS = frozenset({"ext2", "ext3", "ext4", "xfs", "reiserfs", "btrfs", "jfs", "vfat"})


def _resource_devices(res: Resource, node) -> set[str]:
    """The /dev/drbdN of ``res`` on ``node`` (all hosts' when the node's name is unknown)."""
    name = node.nodename or node.name
    hosts = [h for h in res.hosts if name in h.names] or list(res.hosts)
    return {v.device for h in hosts for v in h.volumes if v.device} | {
        f"/dev/drbd{v.minor}" for h in hosts for v in h.volumes if v.minor is not None}


def _drbd_filesystems(node, res: Resource):
    """haresources ``Filesystem::DEV::MOUNT::TYPE`` resources on a device of ``res``."""
    devices = _resource_devices(res, node)
    for hres in node.haresources.resources:
        if hres.agent == "Filesystem" and len(hres.args) >= 3 and hres.args[0] in devices:
            yield hres


class DualPrimaryLocalFilesystem(HeartbeatNodeRule):
    """Dual-primary DRBD under an ordinary (non-cluster) file system.

    ## What it checks
    `allow-two-primaries` (or `become-primary-on both`) in a resource whose device Heartbeat
    mounts (haresources `Filesystem::/dev/drbdN::MOUNT::TYPE`) as ext2/ext3/ext4/xfs/reiserfs/
    btrfs.

    ## Why it matters
    With two primaries both kernels may mount the device; a local file system mounted twice is
    corrupted within minutes ("If you use this option with any other file system, you are going
    to crash your nodes and to corrupt your data!", drbd.conf(5) "allow-two-primaries"; DRBD
    User's Guide "single-primary mode … any conventional file system (ext3, ext4, XFS etc.)").

    ## Example
    ```
    net { allow-two-primaries; }
    # haresources: node1 drbddisk::r0 Filesystem::/dev/drbd0::/replica::ext3 ...
    ```

    ## Fix
    Remove `allow-two-primaries`: Heartbeat failover needs single-primary mode.
    """

    id = "DRBD115"
    name = "dual-primary-local-filesystem"
    severity = Severity.ERROR

    @report_once
    def check_node(self, node, ctx):
        for res in node.drbd.resources:
            opt = res.net.get("allow-two-primaries")
            become = res.startup.get("become-primary-on")
            if opt is not None and opt.normalised is True:
                cause = opt
            elif become is not None and "both" in (become.normalised or ()):
                cause = become
            else:
                continue
            for fs in _drbd_filesystems(node, res):
                fstype = fs.args[2]
                if fstype.lower() in _LOCAL_FS:
                    yield Finding(cause.name_span, f"resource `{res.name}` may have two primaries, but haresources "
                                                   f"mounts {fs.args[0]} as {fstype} (not a cluster file system)",
                                  related=(fs,), hint="remove allow-two-primaries; Heartbeat fails over single-primary DRBD")
