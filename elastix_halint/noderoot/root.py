"""Paths and live state of a node's root (``/`` on a live node, a folder in tests).

The node's files are read through a few methods (``lstat``, ``readlink``, ``read_text``,
``processes``) so that what is decided from them (refusals, link states) is decided the same
way for a node reached over ssh (``snapshot/nodetree.NodeFacts`` answers from the node).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


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


@dataclass(frozen=True)
class NodeRoot:
    root: str = "/"

    def path(self, abspath: str) -> str:
        """Where absolute node path ``abspath`` lives under this root."""
        rel = abspath.lstrip("/")
        return os.path.join(self.root, rel) if rel else self.root

    # -- the node's files (node paths in) --------------------------------------------------
    def lstat(self, path: str) -> os.stat_result | None:
        """``lstat`` of node path ``path``; None when nothing is there."""
        try:
            return os.lstat(self.path(path))
        except (FileNotFoundError, NotADirectoryError):
            return None

    def readlink(self, path: str) -> str:
        return os.readlink(self.path(path))

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
