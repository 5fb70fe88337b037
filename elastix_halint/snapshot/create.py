"""``halint snapshot``: the replicated tree and the link map into one verified-on-write archive.

Two passes: the scan hashes every file (so the manifest, the first member, carries digests),
then the archive pass streams the same files and checks that each is still the file that was
hashed. Without ``--force`` a file that vanishes or changes ends the command with exit code 2
and no archive; with ``--force`` the archive is kept under its final name but marked
incomplete (header flag, ``changed`` entries, trailer list), and ``verify`` says so.
"""

from __future__ import annotations

import itertools
import os
import socket
import tarfile
import tempfile
import time
from dataclasses import dataclass, field

from elastix_halint.errors import InputError, UsageError
from elastix_halint.noderoot import linkmap as linkmaps
from elastix_halint.noderoot.processes import running
from elastix_halint.noderoot.root import NodeRoot
from elastix_halint.snapshot import compress, lock, manifest
from elastix_halint.snapshot.atomic import AtomicFile
from elastix_halint.snapshot.manifest import DIR, FILE, Header
from elastix_halint.snapshot.progress import Progress
from elastix_halint.snapshot.scan import Fingerprint, scan
from elastix_halint.snapshot.tarpax import TarWriter, header_bytes, meta_tarinfo

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
        where = root.path(spec.path)
        record = {"path": spec.path, "target": spec.target, "state": "missing", "actual": None}
        if os.path.islink(where):
            record.update(state="link", actual=os.readlink(where))
        elif os.path.isdir(where):
            record["state"] = "dir"
        elif os.path.lexists(where):
            record["state"] = "file"
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


def archive_name(out_dir: str, kind: str, stamp: float) -> str:
    host = socket.gethostname().split(".")[0] or "node"
    base = f"halint-snapshot-{host}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(stamp))}"
    candidate, n = os.path.join(out_dir, base + compress.SUFFIX[kind]), 1
    while os.path.lexists(candidate):
        candidate, n = os.path.join(out_dir, f"{base}-{n}{compress.SUFFIX[kind]}"), n + 1
    return candidate


def _inside(path: str, folder: str) -> bool:
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([path, folder]) == folder


def snapshot(opts: SnapshotOptions, warn) -> SnapshotOutcome:
    if opts.compress not in compress.KINDS:
        raise UsageError(f"--compress must be one of {', '.join(compress.KINDS)}")
    root = NodeRoot(opts.root)
    links = linkmaps.load(opts.links, opts.replica or linkmaps.DEFAULT_MOUNT)
    replica = (opts.replica or links.mount).rstrip("/") or "/"
    replica_abs = root.path(replica)
    if os.path.islink(replica_abs) or not os.path.isdir(replica_abs):
        raise InputError(f"the replica {replica} is not a directory under the root {opts.root}")
    out_dir = opts.out or root.path(DEFAULT_OUT)
    if _inside(out_dir, replica_abs):
        raise UsageError(f"--out {out_dir} is inside the replica; the archive would contain itself")
    problems, role, mounted = preflight(root, replica)
    if problems and not opts.force:
        raise SnapshotError("refusing to snapshot: " + "; ".join(problems) + " (or pass --force)")
    for problem in problems:
        warn(f"warning: {problem} (continuing because of --force)")
    os.makedirs(out_dir, mode=0o700, exist_ok=True)
    with lock.held(root.path(lock.LOCK_PATH), "halint snapshot", warn):
        return _write(opts, root, links, replica, replica_abs, out_dir, role, mounted, warn)


def _write(opts, root, links, replica, replica_abs, out_dir, role, mounted, warn) -> SnapshotOutcome:
    from elastix_halint import __version__

    started = time.time()
    try:
        scanned = scan(replica_abs, replica, opts.excludes)
    except OSError as exc:  # e.g. EACCES on a file of the replica when not run as root
        raise SnapshotError(_os_message(exc, "")) from None
    for path, why in scanned.skipped:
        warn(f"warning: {path}: {why}")
    _stop_on_changes(scanned.changed, opts.force, warn, "while hashing")
    header = Header(
        tool="halint", version=__version__, hostname=socket.gethostname(),
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)), replica=replica,
        drbd_role=role, replica_mounted=mounted, linkmap=links.to_json(), links=link_states(root, links),
        incomplete=bool(scanned.changed), compress=opts.compress, excludes=list(opts.excludes),
    )
    final = archive_name(out_dir, opts.compress, started)
    late_changes: list = []
    try:
        with AtomicFile(final) as fh:
            stream = compress.open_writer(fh, opts.compress)
            tar = TarWriter(stream)
            digest = _add_manifest(tar, header, scanned.entries, int(started))
            _add_bytes(tar, manifest.LINKS_MEMBER, manifest.links_script(header, scanned.entries), int(started))
            total = scanned.total_bytes
            files = sum(1 for e in scanned.entries if e.type == FILE)
            with Progress("snapshot", total, files, Progress.wanted(opts.quiet)) as bar:
                for index, entry in enumerate(scanned.entries):
                    if entry.type == DIR:
                        tar.add(header_bytes(entry))
                    elif entry.type == FILE:  # symlinks, extra hardlink names: manifest only
                        _add_file(tar, entry, scanned.abspath(entry), scanned.fingerprint(index), late_changes)
                        bar.advance(entry.size)
            trailer = manifest.encode_line({"manifest_sha256": digest, "changed": [p for p, _ in late_changes]})
            _add_bytes(tar, manifest.TRAILER_MEMBER, trailer, int(started))
            tar.close()
            stream.close()
            _stop_on_changes(late_changes, opts.force, warn, "while archiving")
    except OSError as exc:
        raise SnapshotError(_os_message(exc, final)) from None
    incomplete = bool(scanned.changed or late_changes)
    if incomplete:
        warn(f"warning: the snapshot is marked INCOMPLETE: {len(scanned.changed) + len(late_changes)} file(s) changed while read")
    return SnapshotOutcome(final, len(scanned.entries), scanned.total_bytes, incomplete=incomplete)


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


def _meta_header(name: str, size: int, mtime: int) -> bytes:
    return meta_tarinfo(name, size, mtime).tobuf(tarfile.PAX_FORMAT)


def _add_bytes(tar: TarWriter, name: str, data: bytes, mtime: int) -> None:
    import io

    tar.add(_meta_header(name, len(data), mtime), len(data), io.BytesIO(data))


def _add_manifest(tar, header: Header, entries, mtime: int) -> str:
    """Stream the manifest member through a spooled temp file (flat memory for huge trees)."""
    import hashlib

    digest = hashlib.sha256()
    with tempfile.SpooledTemporaryFile(max_size=2 << 20) as spool:
        # One line at a time: a tuple of every encoded line would hold the whole manifest.
        records = itertools.chain([header], entries)
        for line in (manifest.encode_line(record.to_json()) for record in records):
            spool.write(line)
            digest.update(line)
        size = spool.tell()
        spool.seek(0)
        tar.add(_meta_header(manifest.MANIFEST_MEMBER, size, mtime), size, spool)
    return digest.hexdigest()


class _Guarded:
    """Reads exactly ``size`` bytes from ``fd`` (None: a vanished file), zero-padding a file
    that shrank meanwhile: tarfile insists on full blocks."""

    def __init__(self, fd: int | None, size: int):
        self.fd, self.left, self.short = fd, size, fd is None

    def read(self, n: int) -> bytes:
        n = min(n, self.left)
        parts, got = [], 0
        while got < n and not self.short:
            data = os.read(self.fd, n - got)
            if not data:
                self.short = True
                break
            parts.append(data)
            got += len(data)
        if got < n:
            parts.append(bytes(n - got))
        self.left -= n
        return b"".join(parts)


def _add_file(tar: TarWriter, entry, abspath: str, expected: Fingerprint, late_changes: list) -> None:
    try:
        fd = os.open(abspath, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        fd = None
    if fd is None:
        late_changes.append((entry.path, "vanished before it was archived"))
        tar.add(header_bytes(entry), entry.size, _Guarded(None, entry.size))
        return
    try:
        before = Fingerprint.of(os.fstat(fd))
        guarded = _Guarded(fd, entry.size)
        tar.add(header_bytes(entry), entry.size, guarded)
        if before != expected or Fingerprint.of(os.fstat(fd)) != expected or guarded.short:
            late_changes.append((entry.path, "changed between hashing and archiving"))
    finally:
        os.close(fd)
