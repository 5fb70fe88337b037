"""A node's root reached through a :class:`~elastix_halint.remote.shell.NodeShell` (ssh, or a
local ``sh`` in tests): the same questions as :class:`NodeRoot`, answered by the node's own
``stat``, ``readlink``, ``cat`` and ``sha256sum``/``openssl dgst`` (``scripts/nodefs.sh``).

Answers are kept for the life of the object, so one command asks the node each question once:
questions are asked in batches (one round trip each, :meth:`RemoteRoot.prefetch`), a directory
listed whole answers for its missing children too, and a tree listed whole (``walk``) answers
everything under it. :meth:`RemoteRoot.forget` drops the answers after the node changed.
"""

from __future__ import annotations

import hashlib
import posixpath
import shlex
import stat
from elastix_halint.model.record import Mutable, Record, field
from elastix_halint.noderoot.root import NodeRoot, entry_kind, same_special
from elastix_halint.remote.errors import RemoteError, no_usable_answer


class RemoteStat(Record):
    """The part of ``os.stat_result`` that halint reads, from a node's ``stat -c``."""

    st_mode: int
    st_uid: int
    st_gid: int
    st_size: int
    st_atime_ns: int
    st_mtime_ns: int

    @property
    def st_mtime(self) -> float:
        return self.st_mtime_ns / 1e9


def _ns(seconds: str, clock: str) -> int:
    """Nanoseconds from ``%X`` and the ``HH:MM:SS.fraction`` of ``%x`` (no fraction: 0)."""
    _, _, fraction = clock.partition(".")
    return int(seconds) * 1_000_000_000 + int((fraction + "000000000")[:9] or 0)


def parse_stat_line(line: str) -> RemoteStat:
    """One line of ``stat -c '%f %u %g %s %X %Y %x %y'``."""
    f = line.split()
    return RemoteStat(int(f[0], 16), int(f[1]), int(f[2]), int(f[3]), _ns(f[4], f[7]), _ns(f[5], f[10]))


def _norm(path: str) -> str:
    return posixpath.normpath("/" + path.lstrip("/"))


def _node_path(name: str) -> str:
    """``./etc/asterisk`` (how nodefs.sh names paths, relative to the root) → ``/etc/asterisk``."""
    return _norm(name[1:] if name.startswith(".") else name)


class _Answers(Mutable):
    entries: dict[str, RemoteStat | None] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    children: dict[str, set[str]] = field(default_factory=dict)
    complete: set[str] = field(default_factory=set)  # directories whose every entry is known
    trees: set[str] = field(default_factory=set)  # trees listed whole
    files: dict[str, bytes | None] = field(default_factory=dict)
    digests: dict[str, str | None] = field(default_factory=dict)
    ids: tuple[int, int] | None = None

    def clear(self) -> None:
        self.__init__()


class RemoteRoot(NodeRoot):
    """``root`` is the node's folder standing for ``/`` (``--ssh DEST:ROOT``)."""

    shell: object = field(default=None, compare=False)
    label: str = "node"
    answers: _Answers = field(default_factory=_Answers, compare=False, repr=False)

    def path(self, abspath: str) -> str:
        rel = abspath.lstrip("/")
        return posixpath.join(self.root, rel) if rel else self.root

    @property
    def where(self) -> str:
        return f"{self.label}:{self.root}"

    # -- asking the node ------------------------------------------------------------------------
    def prefetch(self, *, stat: tuple = (), dirs: tuple = (), trees: tuple = (), pairs: tuple = (),
                 reads: tuple = (), digests: tuple = (), ids: bool = False) -> None:
        """Ask every question not answered yet in one round trip. ``pairs``: (path, other)
        where path may be a directory to compare with other (the replica's copy): its tree, the
        entries at the same places under other, the digests of the files of one size on both
        sides (``links.tree.compare`` reads nothing more)."""
        a = self.answers
        calls = [("nf_stat", p) for p in dict.fromkeys(stat) if p not in a.entries and not self._known_absent(p)]
        calls += [("nf_dir", p) for p in dict.fromkeys(dirs) if p not in a.complete and not self._no_dir(p)]
        calls += [("nf_tree", p) for p in dict.fromkeys(trees) if p not in a.trees and not self._no_dir(p)]
        calls += [("nf_pairs", p, o) for p, o in dict.fromkeys(pairs) if p not in a.trees and not self._no_dir(p)]
        calls += [("nf_read", p) for p in dict.fromkeys(reads) if p not in a.files]
        calls += [("nf_digest", p) for p in dict.fromkeys(digests) if p not in a.digests]
        if ids and a.ids is None:
            calls.append(("nf_ids",))
        if calls:
            self._ask(calls)
        for p in (*trees, *(p for p, _ in pairs)):
            a.trees.add(p)

    def _ask(self, calls: list[tuple[str, ...]]) -> None:
        from elastix_halint.remote import frames, scripts

        body = "\n".join("    " + " ".join([fn, *map(shlex.quote, args)]) for fn, *args in calls)
        text = (f"{scripts.script('nodefs')}\nnf_root={shlex.quote(self.root.rstrip('/'))}\n"
                f"nf_ask() {{\n{body}\n}}\nnf_main </dev/null\n")
        rc, out, err = self.shell.run_script(text)
        try:
            received = frames.decode(out, "nodefs")
        except frames.StreamError as exc:
            raise no_usable_answer(self.label, err, exc) from None
        self._take(received)

    def _take(self, received) -> None:
        a = self.answers
        pending: list[str] = []
        for frame in received:
            path = _node_path(frame.path) if frame.name not in (b"", b"-") else ""
            if frame.tag == "L":
                pending.extend(frame.text.splitlines())
            elif frame.tag == "N":
                st = parse_stat_line(pending.pop(0))
                a.entries[path] = st
                if stat.S_ISLNK(st.st_mode):
                    a.links[path] = frame.data.decode("utf-8", "surrogateescape")
                if path != "/":
                    a.children.setdefault(posixpath.dirname(path), set()).add(posixpath.basename(path))
            elif frame.tag == "M":
                a.entries[path] = None
            elif frame.tag == "C":
                a.complete.add(path)
                a.children.setdefault(path, set())
            elif frame.tag == "R":
                a.files[path] = None if frame.info == "missing" else frame.data
            elif frame.tag == "H":
                a.digests[path] = None if frame.info == "none" else frame.text
            elif frame.tag == "I":
                uid, gid = frame.text.split()
                a.ids = (int(uid), int(gid))
            elif frame.tag == "X":
                raise RemoteError(f"{self.label}: the root {frame.path} is not a folder on the node")

    def _no_dir(self, path: str) -> bool:
        """Known not to be a directory (missing, or something else)."""
        known = self.answers.entries.get(path, ...)
        return known is None or (known is not ... and not stat.S_ISDIR(known.st_mode)) or self._known_absent(path)

    def forget(self) -> None:
        """Drop every answer: the node's files changed."""
        self.answers.clear()

    def _known_absent(self, path: str) -> bool:
        """Absent for sure: a directory above it is listed whole without the next step down,
        or is missing or not a directory."""
        a = self.answers
        while path != "/":
            parent = posixpath.dirname(path)
            if parent in a.complete and posixpath.basename(path) not in a.children.get(parent, ()):
                return True
            st = a.entries.get(parent, ...)
            if st is None or (st is not ... and not stat.S_ISDIR(st.st_mode)):
                return True
            path = parent
        return False

    # -- NodeRoot's questions -------------------------------------------------------------------
    def lstat(self, path: str):
        path = _norm(path)
        if path not in self.answers.entries and not self._known_absent(path):
            self.prefetch(stat=(path,))
        return self.answers.entries.get(path)

    def readlink(self, path: str) -> str:
        st = self.lstat(path)
        if st is None or not stat.S_ISLNK(st.st_mode):
            raise OSError(f"{path}: not a symbolic link")
        return self.answers.links[_norm(path)]

    def listdir(self, path: str) -> list[str]:
        path = _norm(path)
        if self._no_dir(path):
            return []
        if path not in self.answers.complete:
            self.prefetch(dirs=(path,))
        return sorted(self.answers.children.get(path, ()))

    def read_bytes(self, path: str) -> bytes | None:
        if path not in self.answers.files:
            self.prefetch(reads=(path,))
        return self.answers.files.get(path)

    def walk(self, top: str):
        self.prefetch(trees=(top,))
        return super().walk(top)

    def own_ids(self) -> tuple[int, int]:
        self.prefetch(ids=True)
        return self.answers.ids or (0, 0)

    def same_contents(self, pairs: list[tuple[str, str]]) -> list[bool]:
        """Files by SHA-256 computed on the node (or their bytes, hashed here, when the node
        has neither ``sha256sum`` nor ``openssl``); links by their text."""
        kinds = [(self._kind(a), self._kind(b)) for a, b in pairs]
        files = [p for pair, (ka, kb) in zip(pairs, kinds) if ka == kb == "file" for p in pair]
        self.prefetch(digests=tuple(files))
        missing = [p for p in files if self.answers.digests.get(p) is None]
        if missing:
            self._digest_here(missing)
        out = []
        for (a, b), (ka, kb) in zip(pairs, kinds):
            if ka == kb == "other":
                out.append(same_special(self.lstat(a).st_mode, self.lstat(b).st_mode))
            elif ka != kb or ka == "missing":
                out.append(False)
            elif ka == "symlink":
                out.append(self.readlink(a) == self.readlink(b))
            elif ka == "file":
                da, db = self.answers.digests.get(a), self.answers.digests.get(b)
                out.append(da is not None and da == db)
            else:
                out.append(True)
        return out

    def _kind(self, path: str) -> str:
        st = self.lstat(path)
        return "missing" if st is None else entry_kind(st.st_mode)

    def _digest_here(self, paths: list[str]) -> None:
        calls = [("nf_bytes", p) for p in paths]
        self._ask(calls)
        for p in paths:
            data = self.answers.files.pop(p, None)
            self.answers.digests[p] = hashlib.sha256(data).hexdigest() if data is not None else None
