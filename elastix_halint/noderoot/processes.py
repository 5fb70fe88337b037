"""Which services are running on a node root, read from ``<root>/proc/<pid>/comm``.

A test root without ``proc`` simply has none running. Used by ``halint snapshot`` to warn
before copying a live MySQL/Asterisk tree.
"""

from __future__ import annotations

import os

from elastix_halint.noderoot.root import NodeRoot

SERVICES = ("mysqld", "mysqld_safe", "mariadbd", "asterisk", "safe_asterisk")


def running(root: NodeRoot, names=SERVICES) -> list[tuple[int, str]]:
    """(pid, name) of every process whose command name is in ``names``, sorted by pid."""
    proc = root.path("/proc")
    try:
        pids = [int(p) for p in os.listdir(proc) if p.isdigit()]
    except OSError:
        return []
    found = []
    for pid in sorted(pids):
        try:
            with open(os.path.join(proc, str(pid), "comm"), encoding="utf-8", errors="replace") as fh:
                name = fh.read().strip()
        except OSError:  # the process ended meanwhile
            continue
        if name in names:
            found.append((pid, name))
    return found
