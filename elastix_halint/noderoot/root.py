"""Paths and live state of a node's root (``/`` on a live node, a folder in tests).

:class:`NodeRoot` reads the node's files through a few methods (``lstat``, ``readlink``,
``listdir``, ``read_text``, ``walk``, ``same_contents``, ``processes``) so that whatever is
decided from them (link states, repair plans, refusals) is decided the same way whether the
files are on this machine or on a node reached over ssh (:class:`elastix_halint.noderoot.remote.RemoteRoot`
and ``snapshot/nodetree.NodeFacts`` answer the same questions from the node's own tools)."""

from __future__ import annotations

import filecmp
import os
import stat

from elastix_halint.model.record import Record


def _unescape_mount(field: str) -> str:
    # /proc/mounts escapes space, tab, newline and backslash as octal (\040 ...).
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and len(field[i + 1 : i + 4]) == 3 and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


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
    """Same kind and same bytes (files) or same link text (symlinks); directories match
    (``a`` and ``b`` are paths on this machine)."""
    sa, sb = lstat_or_none(a), lstat_or_none(b)
    if sa is None or sb is None or entry_kind(sa.st_mode) != entry_kind(sb.st_mode):
        return False
    kind = entry_kind(sa.st_mode)
    if kind == "file":
        return sa.st_size == sb.st_size and filecmp.cmp(a, b, shallow=False)
    if kind == "symlink":
        return os.readlink(a) == os.readlink(b)
    return kind == "dir" or same_special(sa.st_mode, sb.st_mode)


def same_special(mode_a: int, mode_b: int) -> bool:
    """Two fifos, or two sockets (mysqld's mysql.sock in both copies): nothing to compare but
    their type, so equal. Devices are not (their numbers are not known over ssh)."""
    return stat.S_IFMT(mode_a) == stat.S_IFMT(mode_b) and (stat.S_ISFIFO(mode_a) or stat.S_ISSOCK(mode_a))


class NodeRoot(Record):
    root: str = "/"

    def path(self, abspath: str) -> str:
        """Where absolute node path ``abspath`` lives under this root."""
        rel = abspath.lstrip("/")
        return os.path.join(self.root, rel) if rel else self.root

    @property
    def where(self) -> str:
        """How messages and journals name this root."""
        return os.path.abspath(self.root)

    # -- the node's files (node paths in, stat-like results out) ----------------------------
    def prefetch(self, **questions) -> None:
        """Say which questions are coming (a remote root asks them in one round trip)."""

    def lstat(self, path: str) -> os.stat_result | None:
        """``lstat`` of node path ``path``; None when nothing is there."""
        return lstat_or_none(self.path(path))

    def readlink(self, path: str) -> str:
        return os.readlink(self.path(path))

    def listdir(self, path: str) -> list[str]:
        """Sorted names in directory ``path`` (empty when it is not one)."""
        try:
            return sorted(os.listdir(self.path(path)))
        except (FileNotFoundError, NotADirectoryError):
            return []

    def read_bytes(self, path: str) -> bytes | None:
        """A small file's content (None when it cannot be read)."""
        try:
            with open(self.path(path), "rb") as fh:
                return fh.read()
        except OSError:
            return None

    def read_text(self, path: str) -> str | None:
        data = self.read_bytes(path)
        return None if data is None else data.decode("utf-8", "replace")

    def walk(self, top: str) -> list[tuple[str, os.stat_result]]:
        """Every entry under ``top`` (relative paths, parents before children, siblings sorted);
        ``""`` is ``top`` itself. Symlinks are not followed."""
        out, stack = [], [""]
        while stack:
            rel = stack.pop()
            st = self.lstat(f"{top.rstrip('/')}/{rel}" if rel else top)
            if st is None:  # gone meanwhile
                continue
            out.append((rel, st))
            if stat.S_ISDIR(st.st_mode):
                names = self.listdir(f"{top.rstrip('/')}/{rel}" if rel else top)
                stack.extend(f"{rel}/{n}" if rel else n for n in reversed(names))
        return out

    def same_contents(self, pairs: list[tuple[str, str]]) -> list[bool]:
        """For each pair of node paths: same kind and same bytes or link text."""
        return [same_content(self.path(a), self.path(b)) for a, b in pairs]

    def own_ids(self) -> tuple[int, int]:
        """(uid, gid) that new files get when nothing says otherwise."""
        return os.getuid(), os.getgid()

    def processes(self) -> list[tuple[int, str]]:
        """(pid, command name) of every process in ``<root>/proc``, sorted by pid (a test root
        without ``proc`` has none)."""
        proc = self.path("/proc")
        try:
            pids = sorted(int(p) for p in os.listdir(proc) if p.isdigit())
        except OSError:
            return []
        found = []
        for pid in pids:
            try:
                with open(os.path.join(proc, str(pid), "comm"), encoding="utf-8", errors="replace") as fh:
                    found.append((pid, fh.read().strip()))
            except OSError:  # the process ended meanwhile
                continue
        return found

    # -- what the node's /proc says ----------------------------------------------------------
    def mount_points(self) -> set[str]:
        """Mount points listed in ``<root>/proc/mounts`` (node paths, e.g. ``/replica``)."""
        points = set()
        for line in (self.read_text("/proc/mounts") or "").splitlines():
            fields = line.split()
            if len(fields) >= 2:
                points.add(_unescape_mount(fields[1]).rstrip("/") or "/")
        return points

    def is_mounted(self, mount: str) -> bool:
        """True when ``mount`` is a mount point of this node.

        On a test root without ``proc/mounts`` this is False: callers then refuse unless --force.
        """
        return (mount.rstrip("/") or "/") in self.mount_points()

    def drbd_roles(self) -> dict[int, str] | None:
        """Local DRBD role per minor from ``<root>/proc/drbd`` (None when unreadable)."""
        from elastix_halint.errors import InputError
        from elastix_halint.parsing.facts import procdrbd
        from elastix_halint.source import decode

        data = self.read_bytes("/proc/drbd")
        if data is None:
            return None
        try:
            result = procdrbd.parse(decode(data, "/proc/drbd"))
        except InputError:
            return None
        if result.model is None:
            return None
        return {m.minor: m.role for m in result.model.minors}

    def is_drbd_primary(self) -> bool:
        roles = self.drbd_roles()
        return bool(roles) and any(r == "Primary" for r in roles.values())
