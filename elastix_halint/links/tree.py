"""Compare the tree an upgrade wrote (where a link should be) with the replica's copy.

Used for the status table (size, file count, how many files differ or are absent) and for the
merge plan (which directories to create and which files to copy into the replica)."""

from __future__ import annotations

import filecmp
import os
import stat

from elastix_halint.model.record import Mutable, field


def entry_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    return "symlink" if stat.S_ISLNK(mode) else "other"


def lstat_or_none(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def same_content(a: str, b: str) -> bool:
    """Same kind and same bytes (files) or same link text (symlinks); directories match."""
    sa, sb = lstat_or_none(a), lstat_or_none(b)
    if sa is None or sb is None or entry_kind(sa.st_mode) != entry_kind(sb.st_mode):
        return False
    kind = entry_kind(sa.st_mode)
    if kind == "file":
        return sa.st_size == sb.st_size and filecmp.cmp(a, b, shallow=False)
    if kind == "symlink":
        return os.readlink(a) == os.readlink(b)
    return kind == "dir"


def walk(top: str) -> list[tuple[str, os.stat_result]]:
    """Every entry under ``top`` (relative paths, parents before children), ``""`` is ``top``."""
    out = []
    stack = [""]
    while stack:
        rel = stack.pop()
        full = os.path.join(top, rel) if rel else top
        st = os.lstat(full)
        out.append((rel, st))
        if stat.S_ISDIR(st.st_mode):
            with os.scandir(full) as it:
                names = sorted(e.name for e in it)
            stack.extend(os.path.join(rel, n) if rel else n for n in reversed(names))
    return out


class TreeComparison(Mutable):
    size: int = 0  # bytes in regular files of the upgraded copy
    files: int = 0  # non-directory entries of the upgraded copy
    new_dirs: list[str] = field(default_factory=list)  # to create in the replica, parents first
    absent: list[str] = field(default_factory=list)  # files only in the upgraded copy
    differ: list[str] = field(default_factory=list)  # on both sides, different content
    blocked: list[str] = field(default_factory=list)  # cannot be merged (type clash, special file)

    def summary(self) -> dict:
        return {"size": self.size, "files": self.files, "differ": len(self.differ), "absent": len(self.absent)}


def compare(upgraded: str, replica: str) -> TreeComparison:
    """What of ``upgraded`` is absent from or different in ``replica`` (both host paths)."""
    result = TreeComparison()
    blocked_dirs: list[str] = []
    for rel, st in walk(upgraded):
        kind = entry_kind(st.st_mode)
        if kind != "dir":
            result.files += 1
            result.size += st.st_size if kind == "file" else 0
        if any(rel == b or rel.startswith(b + "/") for b in blocked_dirs):
            if kind != "dir":
                result.absent.append(rel)
            continue
        other = os.path.join(replica, rel) if rel else replica
        ost = lstat_or_none(other)
        if ost is None:
            if kind == "dir":
                result.new_dirs.append(rel)
            elif kind == "other":
                result.blocked.append(rel)
                result.absent.append(rel)
            else:
                result.absent.append(rel)
        elif kind == "dir" and entry_kind(ost.st_mode) != "dir":
            result.blocked.append(rel)
            blocked_dirs.append(rel)
        elif not same_content(os.path.join(upgraded, rel) if rel else upgraded, other):
            result.differ.append(rel)
    return result
