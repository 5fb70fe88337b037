"""``halint diff``: what changed on the live tree since a snapshot.

Categories: added, removed, content (modified data or type), metadata (mode, owner, mtime,
xattrs with identical content) and links (symlink targets, hardlink groups, the link map).
A live file is hashed only when its size equals the snapshot's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from elastix_halint.noderoot import linkmap as linkmaps
from elastix_halint.noderoot.root import NodeRoot
from elastix_halint.snapshot.archive import Snapshot
from elastix_halint.snapshot.create import link_states
from elastix_halint.snapshot.manifest import FILE, HARDLINK, SYMLINK
from elastix_halint.snapshot.scan import hash_file, scan

METADATA = ("mode", "uid", "gid", "mtime_ns", "xattrs")


@dataclass
class Changes:
    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    content: list = field(default_factory=list)
    metadata: list = field(default_factory=list)  # (path, "mode 0644 -> 0600, ...")
    links: list = field(default_factory=list)  # (path, description)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.content or self.metadata or self.links)


def _describe_meta(old, new) -> str:
    parts = []
    for name in METADATA:
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            if name == "mode":
                a, b = f"{a:04o}", f"{b:04o}"
            elif name == "xattrs":
                a, b = sorted(a or ()), sorted(b or ())
            parts.append(f"{name} {a} -> {b}")
    return ", ".join(parts)


def diff(snap: Snapshot, root_dir: str) -> Changes:
    root = NodeRoot(root_dir)
    replica = snap.header.replica
    live = scan(root.path(replica), replica, snap.header.excludes, digests=False) if os.path.isdir(root.path(replica)) else None
    old = {e.path: e for e in snap.entries}
    new = {e.path: i for i, e in enumerate(live.entries if live else [])}
    changes = Changes()
    changes.added = sorted(set(new) - set(old))
    changes.removed = sorted(set(old) - set(new))
    for path in sorted(set(old) & set(new)):
        index = new[path]
        _compare(changes, old[path], live.entries[index], root, live.fingerprint(index))
    _compare_linkmap(changes, snap, root)
    return changes


def _compare(changes: Changes, old, new, root: NodeRoot, fingerprint) -> None:
    if old.type != new.type:
        kinds = {old.type, new.type}
        bucket = changes.links if kinds & {SYMLINK, HARDLINK} else changes.content
        bucket.append((old.path, f"was a {old.type}, now a {new.type}"))
        return
    if old.type == SYMLINK and old.target != new.target:
        changes.links.append((old.path, f"-> {old.target} now -> {new.target}"))
    elif old.type == HARDLINK and old.target != new.target:
        changes.links.append((old.path, f"hardlink to {old.target} now to {new.target}"))
    elif old.type == FILE and _content_differs(old, new, root, fingerprint):
        changes.content.append((old.path, f"size {old.size} -> {new.size}" if old.size != new.size else "content"))
        return
    described = _describe_meta(old, new)
    if described:
        changes.metadata.append((old.path, described))


def _content_differs(old, new, root: NodeRoot, fingerprint) -> bool:
    if old.size != new.size:
        return True
    digest, problem = hash_file(root.path(new.path), fingerprint)
    return problem is not None or old.digest != digest


def _compare_linkmap(changes: Changes, snap: Snapshot, root: NodeRoot) -> None:
    now = {l["path"]: l for l in link_states(root, linkmaps.LinkMap.from_json(snap.header.linkmap))}
    for then in snap.header.links:
        current = now.get(then["path"])
        if current and (current["state"], current["actual"]) != (then["state"], then["actual"]):
            before = f"-> {then['actual']}" if then["state"] == "link" else then["state"]
            after = f"-> {current['actual']}" if current["state"] == "link" else current["state"]
            changes.links.append((then["path"], f"link map: {before} now {after}"))
