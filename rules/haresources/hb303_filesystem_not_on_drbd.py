from __future__ import annotations

import re

from elastix_halint.builtin.haresources._helpers import HARESOURCES
from elastix_halint.lint.rule import Finding, Rule, Severity
from elastix_halint.model.drbd import is_drbd_device
from elastix_halint.model.haresources import ALL_RESOURCES


# Whole disks and partitions (not LVM volumes, md arrays or network file systems).
_PLAIN_DISK = re.compile(r"^/dev/((s|h|v|xv)d[a-z]+\d*|nvme\d+n\d+(p\d+)?|cciss/c\d+d\d+(p\d+)?|disk/by-[a-z]+/.+)$")


def backing_disks(res, node) -> set[str]:
    return {v.disk for h in node.drbd_hosts(res) for v in h.volumes if v.disk}


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
            names = [name for _i, name, _r in g.drbddisk_names]
            stacked = any(r.agent in ("LVM", "Raid1") for r in g.resources)
            for fs in (r for r in g.resources if r.agent == "Filesystem" and r.args):
                found = self._check(fs, fs.args[0], names, node, stacked)
                if found:
                    yield found

    def _check(self, fs, device, names, node, stacked=False):
        where = fs.part_span(device)
        for res in node.drbd_resources:
            if device in backing_disks(res, node):
                return Finding(where, f"{device} is the backing disk of DRBD resource {res.name}: mounting it bypasses "
                                      f"replication", hint=f"mount {_device_of(res, node)} instead")
        if not names:
            return None
        wanted = [res for res in node.drbd_resources if res.name in names or ALL_RESOURCES in names]
        if is_drbd_device(device):
            if not wanted or any(device in node.drbd_devices(r) for r in wanted):
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
    devices = sorted(d for d in node.drbd_devices(res) if not d.startswith("/dev/drbd/by-res/"))
    return devices[0] if devices else f"/dev/drbd/by-res/{res.name}"
