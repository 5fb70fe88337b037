"""Paths and live state of a node's root (``/`` on a live node, a folder in tests)."""

from __future__ import annotations

import os

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


class NodeRoot(Record):
    root: str = "/"

    def path(self, abspath: str) -> str:
        """Where absolute node path ``abspath`` lives under this root."""
        rel = abspath.lstrip("/")
        return os.path.join(self.root, rel) if rel else self.root

    def mount_points(self) -> set[str]:
        """Mount points listed in ``<root>/proc/mounts`` (node paths, e.g. ``/replica``)."""
        try:
            with open(self.path("/proc/mounts"), encoding="utf-8", errors="replace") as fh:
                lines = fh.read().splitlines()
        except OSError:
            return set()
        points = set()
        for line in lines:
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
        from elastix_halint.source import read_source

        try:
            result = procdrbd.parse(read_source(self.path("/proc/drbd"), "/proc/drbd"))
        except InputError:
            return None
        if result.model is None:
            return None
        return {m.minor: m.role for m in result.model.minors}

    def is_drbd_primary(self) -> bool:
        roles = self.drbd_roles()
        return bool(roles) and any(r == "Primary" for r in roles.values())
