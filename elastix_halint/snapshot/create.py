"""``halint snapshot``: the replicated tree and the link map into one verified-on-write archive.

The scan walks the tree; ``writer`` archives it, hashing each file as it is read (zstd) or
after a hashing scan (gzip, none): see there for the layout. Without ``--force`` a file that
vanishes or changes ends the command with exit code 2 and no archive; with ``--force`` the
archive is kept under its final name but marked incomplete (header flag, ``changed``
entries, trailer list), and ``verify`` says so.
"""

from __future__ import annotations

import os
import socket
import stat
import time
from dataclasses import dataclass, field

from elastix_halint.errors import InputError, UsageError
from elastix_halint.noderoot import linkmap as linkmaps
from elastix_halint.noderoot.processes import running
from elastix_halint.noderoot.root import NodeRoot
from elastix_halint.snapshot import compress, lock
from elastix_halint.snapshot.atomic import AtomicFile
from elastix_halint.snapshot.manifest import FILE, Header
from elastix_halint.snapshot.progress import Progress
from elastix_halint.snapshot.scan import scan
from elastix_halint.snapshot.writer import write_archive

DEFAULT_OUT = "/var/backups/halint"


class SnapshotError(InputError):
    """The snapshot could not be written; the message says why and that no archive was left."""


@dataclass(frozen=True)
class SnapshotOptions:
    root: str = "/"
    replica: str | None = None
    links: str | None = None
    out: str | None = None
    compress: str = "zstd"
    excludes: tuple = ()
    force: bool = False
    quiet: bool = False


@dataclass
class SnapshotOutcome:
    path: str | None
    entries: int = 0
    total_bytes: int = 0
    warnings: list = field(default_factory=list)
    incomplete: bool = False


def drbd_role(root: NodeRoot) -> str | None:
    """'Primary', 'Secondary' or None when /proc/drbd cannot be read or understood."""
    try:
        roles = root.drbd_roles()
    except ImportError:  # the /proc/drbd parser is not installed in this build
        return None
    if not roles:
        return None
    return "Primary" if "Primary" in roles.values() else sorted(roles.values())[0]


def link_states(root: NodeRoot, links: linkmaps.LinkMap) -> list[dict]:
    states = []
    for spec in links.links:
        record = {"path": spec.path, "target": spec.target, "state": "missing", "actual": None}
        st = root.lstat(spec.path)
        if st is not None and stat.S_ISLNK(st.st_mode):
            record.update(state="link", actual=root.readlink(spec.path))
        elif st is not None:
            record["state"] = "dir" if stat.S_ISDIR(st.st_mode) else "file"
        states.append(record)
    return states


def preflight(root: NodeRoot, replica: str) -> tuple[list[str], str | None, bool]:
    """Refusals (empty when fine or forced → then they are warnings), DRBD role, mounted."""
    problems = []
    mounted = root.is_mounted(replica)
    if not mounted:
        problems.append(f"{replica} is not a mount point on this node (is the DRBD device mounted here?)")
    role = drbd_role(root)
    if role != "Primary":
        problems.append(
            f"this node is not DRBD Primary ({role or 'role unknown: /proc/drbd unreadable'}); "
            "run this on the node that has the replica mounted"
        )
    services = running(root)
    if services:
        names = ", ".join(f"{name} (pid {pid})" for pid, name in services)
        problems.append(
            f"{names} running: a copy of a live database may be inconsistent; stop them first "
            "(`service asterisk stop; service mysqld stop`, or put the node in heartbeat standby)"
        )
    return problems, role, mounted


def archive_name(out_dir: str, kind: str, stamp: float, hostname: str | None = None) -> str:
    host = (hostname or socket.gethostname()).split(".")[0] or "node"
    base = f"halint-snapshot-{host}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(stamp))}"
    candidate, n = os.path.join(out_dir, base + compress.SUFFIX[kind]), 1
    while os.path.lexists(candidate):
        candidate, n = os.path.join(out_dir, f"{base}-{n}{compress.SUFFIX[kind]}"), n + 1
    return candidate


def _inside(path: str, folder: str) -> bool:
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([path, folder]) == folder


class LocalNode:
    """What a snapshot reads, on this machine (``--root``). ``remote_snapshot.RemoteNode``
    answers the same questions from a node over ssh; everything else is shared."""

    notes: tuple = ()  # what could not be captured (a remote node without getfattr)
    xattrs_known = True  # the scan sees xattrs (a remote node without getfattr does not)

    def __init__(self, root_dir: str):
        self.root = NodeRoot(root_dir)
        self.where = root_dir
        self.hostname = socket.gethostname()

    def facts(self, paths, replica: str) -> NodeRoot:
        """The node's root as refusals and link states read it (``paths``: those asked about)."""
        return self.root

    def replica_is_dir(self, replica: str) -> bool:
        where = self.root.path(replica)
        return os.path.isdir(where) and not os.path.islink(where)

    def default_out(self) -> str:
        return self.root.path(DEFAULT_OUT)

    def out_inside(self, out_dir: str, replica: str) -> bool:
        return _inside(out_dir, self.root.path(replica))

    def lock(self, warn):
        return lock.held(lock.lock_path(self.root), "halint snapshot", warn)

    def scan(self, replica: str, excludes, digests: bool):
        return scan(self.root.path(replica), replica, excludes, digests=digests)

    def files(self, scanned, hashing: bool):
        return None  # writer.LocalFiles

    def digests(self, scanned, indexes) -> dict:
        """index -> raw SHA-256 of those files of ``scanned`` (None: changed while read)."""
        from elastix_halint.snapshot.scan import hash_file

        return {i: hash_file(scanned.abspath(scanned.entries[i]), scanned.fingerprint(i))[0] for i in indexes}

    def close(self) -> None:
        pass


def snapshot(opts: SnapshotOptions, warn, node=None) -> SnapshotOutcome:
    """Take a snapshot of ``node`` (default: the local ``opts.root``)."""
    if opts.compress not in compress.KINDS:
        raise UsageError(f"--compress must be one of {', '.join(compress.KINDS)}")
    node = node or LocalNode(opts.root)
    try:
        links = linkmaps.load(opts.links, opts.replica or linkmaps.DEFAULT_MOUNT)
        replica = (opts.replica or links.mount).rstrip("/") or "/"
        facts = node.facts([spec.path for spec in links.links] + [replica], replica)
        if not node.replica_is_dir(replica):
            raise InputError(f"the replica {replica} is not a directory under the root {node.where}")
        out_dir = opts.out or node.default_out()
        if node.out_inside(out_dir, replica):
            raise UsageError(f"--out {out_dir} is inside the replica; the archive would contain itself")
        problems, role, mounted = preflight(facts, replica)
        if problems and not opts.force:
            raise SnapshotError("refusing to snapshot: " + "; ".join(problems) + " (or pass --force)")
        for problem in problems:
            warn(f"warning: {problem} (continuing because of --force)")
        os.makedirs(out_dir, mode=0o700, exist_ok=True)
        with node.lock(warn):
            return _write(opts, node, facts, links, replica, out_dir, role, mounted, warn)
    finally:
        node.close()


def _write(opts, node, facts, links, replica, out_dir, role, mounted, warn) -> SnapshotOutcome:
    from elastix_halint import __version__

    started = time.time()
    hash_first = opts.compress != "zstd"  # only zstd frames let files be hashed as archived
    try:
        scanned = node.scan(replica, opts.excludes, hash_first)
    except OSError as exc:  # e.g. EACCES on a file of the replica when not run as root
        raise SnapshotError(_os_message(exc, "")) from None
    for path, why in scanned.skipped:
        warn(f"warning: {path}: {why}")
    for note in node.notes:
        warn(f"warning: {note}")
    _stop_on_changes(scanned.changed, opts.force, warn, "while hashing")
    header = Header(
        tool="halint", version=__version__, hostname=node.hostname,
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)), replica=replica,
        drbd_role=role, replica_mounted=mounted, linkmap=links.to_json(), links=link_states(facts, links),
        incomplete=bool(scanned.changed), compress=opts.compress, excludes=list(opts.excludes),
        notes=list(node.notes),
    )
    final = archive_name(out_dir, opts.compress, started, node.hostname)
    files = sum(1 for e in scanned.entries if e.type == FILE)
    try:
        with AtomicFile(final) as fh:
            with Progress("snapshot", scanned.total_bytes, files, Progress.wanted(opts.quiet)) as bar:
                header, late_changes = write_archive(fh, opts.compress, header, scanned, bar, int(started),
                                                     node.files(scanned, hashing=not hash_first))
            _stop_on_changes(late_changes, opts.force, warn, "while archiving")
    except OSError as exc:
        raise SnapshotError(_os_message(exc, final)) from None
    if header.incomplete:
        warn(f"warning: the snapshot is marked INCOMPLETE: {len(scanned.changed) + len(late_changes)} file(s) changed while read")
    return SnapshotOutcome(final, len(scanned.entries), scanned.total_bytes, incomplete=header.incomplete)


def _stop_on_changes(changed, force: bool, warn, when: str) -> None:
    for path, why in changed:
        warn(f"{'warning' if force else 'error'}: {path}: {why}")
    if changed and not force:
        raise SnapshotError(
            f"{len(changed)} file(s) vanished or changed {when}; no archive was written. Stop the "
            "services that write to the replica and retry, exclude the paths, or pass --force to "
            "keep a snapshot marked incomplete"
        )


def _os_message(exc: OSError, final: str) -> str:
    import errno

    where = exc.filename or final
    reason = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded",
              errno.EACCES: "permission denied", errno.EPERM: "operation not permitted"}.get(exc.errno, exc.strerror or str(exc))
    left = f" (nothing left under {os.path.basename(final)})" if final else ""
    return f"{where}: {reason}; no archive was written{left}"
