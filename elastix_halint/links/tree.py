"""Compare the tree an upgrade wrote (where a link should be) with the replica's copy.

Used for the status table (size, file count, how many files differ or are absent) and for the
merge plan (which directories to create and which files to copy into the replica). Everything is
read through the :class:`NodeRoot`, so a node reached over ssh is compared the same way (its
files' contents by digests computed on the node, see docs/links.md)."""

from __future__ import annotations

import posixpath
import stat

from elastix_halint.model.record import Mutable, field
from elastix_halint.noderoot.root import NodeRoot, entry_kind, lstat_or_none, same_content

__all__ = ["TreeComparison", "compare", "entry_kind", "lstat_or_none", "same_content"]


class TreeComparison(Mutable):
    size: int = 0  # bytes in regular files of the upgraded copy
    files: int = 0  # non-directory entries of the upgraded copy
    new_dirs: list[str] = field(default_factory=list)  # to create in the replica, parents first
    absent: list[str] = field(default_factory=list)  # files only in the upgraded copy
    differ: list[str] = field(default_factory=list)  # on both sides, different content
    blocked: list[str] = field(default_factory=list)  # cannot be merged (type clash, special file)

    def summary(self) -> dict:
        return {"size": self.size, "files": self.files, "differ": len(self.differ), "absent": len(self.absent)}


def _join(top: str, rel: str) -> str:
    return posixpath.join(top, rel) if rel else top


def compare(root: NodeRoot, upgraded: str, replica: str) -> TreeComparison:
    """What of node path ``upgraded`` is absent from or different in node path ``replica``."""
    result = TreeComparison()
    blocked_dirs: list[str] = []
    both: list[str] = []  # on both sides as files or links of one kind: contents decide
    entries = root.walk(upgraded)
    # Only the replica's counterparts are read, not the replica's whole tree (it can hold years
    # of recordings): one batch for a node over ssh.
    root.prefetch(stat=tuple(_join(replica, rel) for rel, _ in entries))
    for rel, st in entries:
        kind = entry_kind(st.st_mode)
        if kind != "dir":
            result.files += 1
            result.size += st.st_size if kind == "file" else 0
        if any(rel == b or rel.startswith(b + "/") for b in blocked_dirs):
            if kind != "dir":
                result.absent.append(rel)
            continue
        ost = root.lstat(_join(replica, rel))
        if ost is None:
            if kind == "dir":
                result.new_dirs.append(rel)
            elif kind == "other" and stat.S_ISSOCK(st.st_mode):
                pass  # a server's socket (mysql.sock): it means nothing once moved; not merged
            elif kind == "other":
                result.blocked.append(rel)
                result.absent.append(rel)
            else:
                result.absent.append(rel)
        elif kind == "dir" and entry_kind(ost.st_mode) != "dir":
            result.blocked.append(rel)
            blocked_dirs.append(rel)
        elif kind != entry_kind(ost.st_mode) or (kind == "file" and st.st_size != ost.st_size):
            result.differ.append(rel)
        elif kind != "dir":
            both.append(rel)
    same = root.same_contents([(_join(upgraded, rel), _join(replica, rel)) for rel in both])
    differ = set(result.differ) | {rel for rel, equal in zip(both, same) if not equal}
    result.differ = [rel for rel, _ in entries if rel in differ]  # in walk order
    return result
