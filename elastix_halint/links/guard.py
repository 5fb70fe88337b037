"""Checks before changing a node: the replica must be mounted and this node DRBD Primary, and a
snapshot taken after the upgrade is strongly advised."""

from __future__ import annotations

import fnmatch

from elastix_halint.errors import HalintError
from elastix_halint.links.plan import RepairPlan
from elastix_halint.noderoot.root import NodeRoot

SNAPSHOT_DIR = "/var/backups/halint"
SNAPSHOT_PATTERNS = ("*.tar.zst", "*.tar.gz", "*.tar")


class Refused(HalintError):
    """Not safe to change this node now (exit 2); --force overrides."""


def refusals(root: NodeRoot, mount: str) -> list[str]:
    reasons = []
    if not root.is_mounted(mount):
        reasons.append(f"the replica {mount} is not mounted on this node")
    if not _is_primary(root):
        reasons.append("this node is not DRBD Primary (per /proc/drbd)")
    return reasons


def _is_primary(root: NodeRoot) -> bool:
    try:
        return root.is_drbd_primary()
    except ImportError:  # the /proc/drbd parser is not installed: unknown counts as "no"
        return False


def require_safe(root: NodeRoot, mount: str, force: bool, what: str) -> None:
    reasons = refusals(root, mount)
    if reasons and not force:
        raise Refused(f"refusing to {what}: {'; '.join(reasons)} (use --force to override)")


def upgrade_time(root: NodeRoot, plan: RepairPlan) -> float | None:
    """When the upgrade wrote the replaced directories/files (their newest mtime)."""
    times = []
    for link in plan.links:
        if link.state.status.startswith("replaced-"):
            st = root.lstat(link.state.path)
            if st is not None:
                times.append(st.st_mtime)
    return max(times) if times else None


def snapshot_hint(root: NodeRoot, plan: RepairPlan, over_ssh: str | None = None) -> str | None:
    """A suggestion to run ``halint snapshot`` when no snapshot on the node is newer than the
    upgrade (``over_ssh``: the node's --ssh value; its snapshots may be on this machine)."""
    since = upgrade_time(root, plan)
    if since is None:
        return None
    archives = [n for n in root.listdir(SNAPSHOT_DIR) if any(fnmatch.fnmatchcase(n, p) for p in SNAPSHOT_PATTERNS)]
    for name in archives:
        st = root.lstat(f"{SNAPSHOT_DIR}/{name}")
        if st is not None and st.st_mtime > since:
            return None
    if over_ssh:
        return (f"no snapshot in the node's {SNAPSHOT_DIR} is newer than the upgrade; unless you took one with "
                f"`halint snapshot --ssh {over_ssh} --out DIR`, consider that first")
    return f"no snapshot in {SNAPSHOT_DIR} is newer than the upgrade; consider `halint snapshot` first"
