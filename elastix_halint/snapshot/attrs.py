"""Owners, modes, xattrs and ns mtimes from the manifest, in borg's order.

Per entry: lchown, chmod (not on symlinks: Linux has no lchmod), xattrs *after* chown (chown
clears security.capability), then times with nanoseconds. Non-directories first, then
directories deepest first so creating children never bumps a restored directory mtime.
Every failure is collected and reported, never ignored.
"""

from __future__ import annotations

import os

from elastix_halint.snapshot.manifest import DIR, HARDLINK, SYMLINK


def apply_one(path: str, entry, failures: list) -> None:
    def attempt(what: str, fn, *args, **kw):
        try:
            fn(*args, **kw)
        except OSError as exc:
            failures.append(f"{entry.path}: could not set {what}: {exc.strerror or exc}")

    st = os.lstat(path)
    if (st.st_uid, st.st_gid) != (entry.uid, entry.gid):
        attempt(f"owner {entry.uid}:{entry.gid}", os.chown, path, entry.uid, entry.gid, follow_symlinks=False)
    if entry.type != SYMLINK:
        attempt(f"mode {entry.mode:04o}", os.chmod, path, entry.mode)
    for name, value in entry.xattr_bytes().items():
        attempt(f"xattr {name}", os.setxattr, path, name, value, follow_symlinks=False)
    attempt("mtime", os.utime, path, ns=(entry.mtime_ns, entry.mtime_ns), follow_symlinks=False)


def apply_all(entries, where, failures: list) -> None:
    """``where(entry)`` gives the on-disk path; hardlink names share their first name's inode."""
    dirs = []
    for entry in entries:
        if entry.type == DIR:
            dirs.append(entry)
        elif entry.type != HARDLINK:
            apply_one(where(entry), entry, failures)
    for entry in sorted(dirs, key=lambda e: e.path.count("/"), reverse=True):
        apply_one(where(entry), entry, failures)
