"""Which services are running on a node root, read from ``<root>/proc/<pid>/comm``.

A test root without ``proc`` simply has none running. Used by ``halint snapshot`` to warn
before copying a live MySQL/Asterisk tree.
"""

from __future__ import annotations

from elastix_halint.noderoot.root import NodeRoot

SERVICES = ("mysqld", "mysqld_safe", "mariadbd", "asterisk", "safe_asterisk")


def running(root: NodeRoot, names=SERVICES) -> list[tuple[int, str]]:
    """(pid, name) of every process whose command name is in ``names``, sorted by pid."""
    return [(pid, name) for pid, name in root.processes() if name in names]
