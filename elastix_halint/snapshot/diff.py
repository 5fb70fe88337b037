"""``halint diff``: what changed on the live tree since a snapshot.

Categories: added, removed, content (modified data or type), metadata (mode, owner, mtime,
xattrs with identical content) and links (symlink targets, hardlink groups, the link map).
A live file is hashed only when its size equals the snapshot's. The live tree is read through
a node (``create.LocalNode``, or ``remote_snapshot.RemoteNode`` over ssh).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from elastix_halint.noderoot import linkmap as linkmaps
from elastix_halint.snapshot.archive import Snapshot
from elastix_halint.snapshot.create import link_states
from elastix_halint.snapshot.manifest import FILE, HARDLINK, SYMLINK

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


def _describe_meta(old, new, fields=METADATA) -> str:
    parts = []
    for name in fields:
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            if name == "mode":
                a, b = f"{a:04o}", f"{b:04o}"
            elif name == "xattrs":
                a, b = sorted(a or ()), sorted(b or ())
            parts.append(f"{name} {a} -> {b}")
    return ", ".join(parts)


def diff(snap: Snapshot, root_dir: str, node=None) -> Changes:
    """Compare ``snap`` with the live tree of ``node`` (default: this machine's ``root_dir``;
    ``remote_snapshot.RemoteNode`` for a node over ssh)."""
    from elastix_halint.snapshot.create import LocalNode

    node = node or LocalNode(root_dir)
    replica = snap.header.replica
    linkmap = linkmaps.LinkMap.from_json(snap.header.linkmap)
    facts = node.facts([spec.path for spec in linkmap.links] + [replica], replica)
    live = node.scan(replica, snap.header.excludes, False) if node.replica_is_dir(replica) else None
    old = {e.path: e for e in snap.entries}
    new = {e.path: i for i, e in enumerate(live.entries if live else [])}
    changes = Changes()
    changes.added = sorted(set(new) - set(old))
    changes.removed = sorted(set(old) - set(new))
    common = sorted(set(old) & set(new))
    # Contents are compared only where the sizes match; all of them are hashed in one go
    # (one round trip to a remote node).
    same_size = [new[p] for p in common if old[p].type == FILE == live.entries[new[p]].type
                 and old[p].size == live.entries[new[p]].size]
    digests = node.digests(live, same_size) if same_size else {}
    fields = METADATA if node.xattrs_known else tuple(f for f in METADATA if f != "xattrs")
    for path in common:
        _compare(changes, old[path], live.entries[new[path]], digests.get(new[path], _NOT_HASHED), fields)
    _compare_linkmap(changes, snap, facts, linkmap)
    return changes


_NOT_HASHED = object()


def _compare(changes: Changes, old, new, digest, fields) -> None:
    if old.type != new.type:
        kinds = {old.type, new.type}
        bucket = changes.links if kinds & {SYMLINK, HARDLINK} else changes.content
        bucket.append((old.path, f"was a {old.type}, now a {new.type}"))
        return
    if old.type == SYMLINK and old.target != new.target:
        changes.links.append((old.path, f"-> {old.target} now -> {new.target}"))
    elif old.type == HARDLINK and old.target != new.target:
        changes.links.append((old.path, f"hardlink to {old.target} now to {new.target}"))
    elif old.type == FILE and (old.size != new.size or digest is None or digest != old.digest):
        changes.content.append((old.path, f"size {old.size} -> {new.size}" if old.size != new.size else "content"))
        return
    described = _describe_meta(old, new, fields)
    if described:
        changes.metadata.append((old.path, described))


def _compare_linkmap(changes: Changes, snap: Snapshot, facts, linkmap) -> None:
    now = {l["path"]: l for l in link_states(facts, linkmap)}
    for then in snap.header.links:
        current = now.get(then["path"])
        if current and (current["state"], current["actual"]) != (then["state"], then["actual"]):
            before = f"-> {then['actual']}" if then["state"] == "link" else then["state"]
            after = f"-> {current['actual']}" if current["state"] == "link" else current["state"]
            changes.links.append((then["path"], f"link map: {before} now {after}"))
