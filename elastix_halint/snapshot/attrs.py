"""Owners, modes, xattrs and ns mtimes from the manifest, in borg's order.

Per entry: lchown, chmod (not on symlinks: Linux has no lchmod), xattrs *after* chown (chown
clears security.capability), then times with nanoseconds. Non-directories first, then
directories deepest first so creating children never bumps a restored directory mtime.
Every failure is collected and reported, never ignored.
"""

from __future__ import annotations

import os

from elastix_halint.snapshot.manifest import DIR, FILE, HARDLINK, SYMLINK


def apply_one(path: str, entry, failures: list) -> None:
    _apply(path, os.lstat(path), entry, failures, follow_symlinks=False)


def apply_fd(fd: int, entry, failures: list) -> None:
    """The same on an open regular file (restore's staging): no path lookups, no extra pass."""
    _apply(fd, os.fstat(fd), entry, failures)


def _apply(target, st, entry, failures: list, **nofollow) -> None:
    def attempt(what: str, fn, *args, **kw):
        try:
            fn(*args, **kw)
        except OSError as exc:
            failures.append(f"{entry.path}: could not set {what}: {exc.strerror or exc}")

    if (st.st_uid, st.st_gid) != (entry.uid, entry.gid):
        attempt(f"owner {entry.uid}:{entry.gid}", os.chown, target, entry.uid, entry.gid, **nofollow)
    if entry.type != SYMLINK:
        attempt(f"mode {entry.mode:04o}", os.chmod, target, entry.mode)
    for name, value in entry.xattr_bytes().items():
        attempt(f"xattr {name}", os.setxattr, target, name, value, **nofollow)
    attempt("mtime", os.utime, target, ns=(entry.mtime_ns, entry.mtime_ns), **nofollow)


def apply_all(entries, where, failures: list) -> None:
    """Directories and symlinks; ``where(entry)`` gives the on-disk path. Regular files got
    theirs as they were written (``apply_fd``); hardlink names share their first name's inode."""
    dirs = []
    for entry in entries:
        if entry.type == DIR:
            dirs.append(entry)
        elif entry.type not in (FILE, HARDLINK):
            apply_one(where(entry), entry, failures)
    for entry in sorted(dirs, key=lambda e: e.path.count("/"), reverse=True):
        apply_one(where(entry), entry, failures)
