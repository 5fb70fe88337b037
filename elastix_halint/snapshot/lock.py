"""One snapshot or restore at a time per node root (borg/restic style lock file).

The lock file holds JSON: host, pid, start time and the command. A lock left by a dead process
on this same host is stale and taken over with a message; any other holder ends the command
with exit code 3 (``LockedError``) and a line saying who holds it.

Where: ``<root>/var/lock/halint.lock`` when the node has that folder (where the node keeps its
locks, so every halint on it sees the same one). A snapshot must leave the tree it reads exactly
as it was, so the folder is never created: a root without it (a copy of a node, a test tree)
gets its lock in this machine's ``/run/lock`` (else the temp folder), named after the root's
real path, which snapshot and restore of that root share.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from contextlib import contextmanager

from elastix_halint.errors import HalintError

LOCK_PATH = "/var/lock/halint.lock"
MACHINE_LOCK_DIRS = ("/run/lock",)  # tried in order, then tempfile.gettempdir()


class LockedError(HalintError):
    """Another halint snapshot/restore holds the lock: exit code 3."""

    exit_code = 3


def lock_path(root) -> str:
    """The lock file for the node root ``root`` (a NodeRoot); see the module docstring."""
    node_dir = root.path(os.path.dirname(LOCK_PATH))
    if os.path.isdir(node_dir):
        return os.path.join(node_dir, os.path.basename(LOCK_PATH))
    return machine_lock(os.path.realpath(root.root))


def machine_lock(key: str) -> str:
    """A lock file of this machine for ``key`` (a node reached over ssh and its root)."""
    import hashlib

    return os.path.join(machine_lock_dir(), f"halint-{hashlib.sha256(os.fsencode(key)).hexdigest()[:16]}.lock")


def machine_lock_dir() -> str:
    import tempfile

    for folder in MACHINE_LOCK_DIRS:
        if os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK):
            return folder
    return tempfile.gettempdir()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_holder(path: str) -> dict | None:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


def describe(holder: dict | None, path: str) -> str:
    if holder is None:
        return f"{path} exists but cannot be read; remove it if no halint is running"
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(holder.get("started", 0)))
    return (
        f"locked by {holder.get('command', 'halint')} (pid {holder.get('pid')} on host "
        f"{holder.get('host')}, since {started}); lock file {path}"
    )


def _try_create(path: str, record: bytes) -> bool:
    # The record is written under a temporary name and linked into place, so the lock never
    # exists empty: a kill -9 between create and write used to leave one that every later
    # run refused as unreadable. Where hard links are refused (vfat, some FUSE), create it in place.
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    try:
        try:
            os.write(fd, record)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError:
            return _create_in_place(path, record)
        return True
    finally:
        os.unlink(tmp)


def _create_in_place(path: str, record: bytes) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as fh:
        fh.write(record)
    return True


def is_stale(holder: dict) -> bool:
    """A lock left by a process of this host that is no longer running."""
    try:
        pid = int(holder.get("pid", 0))
    except (TypeError, ValueError):
        return False
    return holder.get("host") == socket.gethostname() and pid > 0 and not _pid_alive(pid)


@contextmanager
def held(path: str, command: str, notice=None):
    """Hold the lock at ``path`` for the body; ``notice(msg)`` hears about stale take-overs.
    The folder must exist: creating it would change the tree a snapshot reads."""
    host = socket.gethostname()
    record = json.dumps({"host": host, "pid": os.getpid(), "started": time.time(), "command": command}).encode()
    if not _try_create(path, record):
        holder = _read_holder(path)
        if not (holder is not None and is_stale(holder)):
            raise LockedError(describe(holder, path))
        (notice or (lambda m: sys.stderr.write(m + "\n")))(
            f"halint: taking over a stale lock of pid {holder.get('pid')} (no longer running)"
        )
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        if not _try_create(path, record):  # someone else took it over first
            raise LockedError(describe(_read_holder(path), path))
    try:
        yield
    finally:
        try:
            if _read_holder(path) == json.loads(record):
                os.unlink(path)
        except OSError:
            pass
