"""``halint show``: what a snapshot holds, from its manifest alone (the first member)."""

from __future__ import annotations

import stat
import time
from collections import Counter

from elastix_halint.snapshot.archive import Snapshot
from elastix_halint.snapshot.manifest import DIR, FILE, HARDLINK, SYMLINK

_TYPE_BITS = {DIR: stat.S_IFDIR, FILE: stat.S_IFREG, SYMLINK: stat.S_IFLNK, HARDLINK: stat.S_IFREG}


def human(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{n} B"
        n /= 1024
    return str(n)


def summary_lines(snap: Snapshot) -> list[str]:
    h = snap.header
    counts = Counter(e.type for e in snap.entries)
    size = sum(e.size for e in snap.entries if e.type == FILE)
    lines = [
        f"archive:   {snap.path} ({snap.kind})",
        f"taken:     {h.created} on {h.hostname} by {h.tool} {h.version}",
        f"node:      DRBD {h.drbd_role or 'role unknown'}, {h.replica} {'mounted' if h.replica_mounted else 'NOT mounted'}",
        f"contents:  {counts[FILE]} files ({human(size)}), {counts[DIR]} directories, "
        f"{counts[SYMLINK]} symlinks, {counts[HARDLINK]} extra hardlink names",
    ]
    if h.excludes:
        lines.append(f"excluded:  {' '.join(h.excludes)}")
    for note in h.notes:
        lines.append(f"note:      {note}")
    if h.incomplete:
        changed = [e.path for e in snap.entries if e.changed]
        lines.append(f"INCOMPLETE: {len(changed)} file(s) changed while read: {', '.join(changed[:5])}")
    lines.append(f"link map:  {h.linkmap.get('name')} ({len(h.links)} links)")
    for link in h.links:
        state = f"-> {link['actual']}" if link["state"] == "link" else f"({link['state']}, not a link)"
        lines.append(f"  {link['path']} {state}")
    return lines


def long_line(entry) -> str:
    mode = stat.filemode(_TYPE_BITS[entry.type] | entry.mode)
    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(entry.mtime_ns / 1e9))
    tail = f" -> {entry.target}" if entry.type == SYMLINK else f" link to {entry.target}" if entry.type == HARDLINK else ""
    flags = " [changed while read]" if entry.changed else ""
    return f"{mode} {entry.user}/{entry.group} {entry.size:>12} {when} {entry.path}{tail}{flags}"
