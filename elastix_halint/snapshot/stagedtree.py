"""The node's listing of a staged tree (``restore.sh PROVE``), read record by record into what
``restore --ssh`` compares with the manifest: nothing of it is kept but the details of the
entries the proof asks about, in flat arrays by entry. A ``ListedTree`` of it and a scan of
that (an entry for every staged path) held ~80 MiB at 100,000 files, beside the manifest.

What each entry is found to be is what ``scan.scan`` over the listing would make of it, the
walk's rules included: a path counts only when its folder was reached (the top, then folders
on the top's filesystem, not excluded, not vanished), and a regular file with more links is a
hardlink to the first name of its inode in the walk's order.
"""

from __future__ import annotations

import bisect
import stat
from array import array
from typing import NamedTuple

from elastix_halint.snapshot.manifest import DIR, FILE, HARDLINK, SYMLINK
from elastix_halint.snapshot.nodetree import ListedTree
from elastix_halint.snapshot.scan import Excluder


class Found(NamedTuple):
    """What the staged tree holds at an entry's path (the fields the proof compares)."""

    type: str
    target: str | None
    uid: int
    gid: int
    mode: int
    mtime_ns: int
    xattrs: dict | None
    ino: int


def walk_key(node_path: str) -> tuple:
    """The rank of a path in ``scan.walk``'s order: a folder's entries (sorted) come before
    anything inside its subfolders, which follow in the same sorted order."""
    parts = node_path.split("/")
    return tuple((1, name) for name in parts[:-1]) + ((0, parts[-1]),)


class StagedTree(ListedTree):
    """``take_frames`` reads PROVE's listing frames; ``found(path)`` then says what the staged
    tree holds at a node path of ``paths`` (None: nothing the walk would reach or archive)."""

    _COLUMNS = "QQqqqQQ"  # mode, nlink, uid, gid, mtime, ino, dev (as wide as the listing's StatTable)

    def __init__(self, top_abs: str, top_node: str, excludes, paths):
        super().__init__(walkable=False)
        self.top_abs, self.top_node = top_abs, top_node
        self.excluded = Excluder(top_node, excludes)
        # The paths asked about, sorted and each once: an entry's slot in the columns is its place
        # here (bisect). A dict of them and their slot numbers was ~6 MiB more at 100,000 entries.
        ordered = sorted(paths)
        self.paths = [p for i, p in enumerate(ordered) if i == 0 or p != ordered[i - 1]]
        del ordered
        count = len(self.paths)
        self.columns = tuple(array(code, bytes(array(code).itemsize * count)) for code in self._COLUMNS)
        self.seen = bytearray(count)
        self.reached: set[str] = set()  # folders the walk descends into
        self.device = None
        self.firsts: dict = {}  # (dev, ino) of a file with more links -> (walk_key, first name)

    def _node_path(self, path: str) -> str | None:
        if path == self.top_abs:
            return self.top_node
        if path.startswith(self.top_abs) and path[len(self.top_abs)] == "/":
            return self.top_node.rstrip("/") + path[len(self.top_abs):]
        return None

    def _add(self, path: str, st) -> None:
        node_path = self._node_path(path)
        if node_path is None:
            return
        top = node_path == self.top_node
        if not top and (node_path.rpartition("/")[0] or "/") not in self.reached:
            return  # below a folder the walk does not enter
        if st is None or (not top and self.excluded(node_path)):
            return  # vanished, or excluded: neither an entry nor entered
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            if top:
                self.device = st.st_dev
            elif st.st_dev != self.device:
                return  # another filesystem: not descended, no entry
            self.reached.add(node_path)
        elif stat.S_ISREG(mode) and st.st_nlink > 1:
            key, group = walk_key(node_path), (st.st_dev, st.st_ino)
            first = self.firsts.get(group)
            if first is None or key < first[0]:
                self.firsts[group] = (key, node_path)
        i = self._slot(node_path)
        if i is not None:
            for column, value in zip(self.columns, (mode, st.st_nlink, st.st_uid, st.st_gid, st.st_mtime_ns,
                                                    st.st_ino, st.st_dev)):
                column[i] = value
            self.seen[i] = 1

    def _slot(self, node_path: str) -> int | None:
        i = bisect.bisect_left(self.paths, node_path)
        return i if i < len(self.paths) and self.paths[i] == node_path else None

    def found(self, node_path: str) -> Found | None:
        i = self._slot(node_path)
        if i is None or not self.seen[i]:
            return None
        mode, nlink, uid, gid, mtime_ns, ino, dev = (column[i] for column in self.columns)
        abspath = self.top_abs + node_path[len(self.top_node.rstrip("/")):]
        target = None
        if stat.S_ISDIR(mode):
            kind = DIR
        elif stat.S_ISLNK(mode):
            kind, target = SYMLINK, self.targets.get(abspath)
            if target is None:
                return None  # its target could not be read: gone
        elif stat.S_ISREG(mode):
            kind = FILE
            if nlink > 1:
                first = self.firsts[(dev, ino)][1]
                if first != node_path:
                    kind, target = HARDLINK, first
        else:
            return None  # a socket, FIFO or device: not archived
        return Found(kind, target, uid, gid, stat.S_IMODE(mode), mtime_ns, self.xattrs(abspath), ino)
