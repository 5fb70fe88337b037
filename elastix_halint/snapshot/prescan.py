"""Every check restore makes before it writes a single byte.

The manifest is validated first (types, paths inside the replica, parents are directories,
symlink targets and hardlinks stay inside, link-map entries are ones the user's map lists),
then every tar member against it: only directories and regular files, normalized relative
names, each listed once, same size and type, no setuid/setgid the manifest does not declare,
no pax record a halint writer would not produce. Any finding refuses the whole archive.
"""

from __future__ import annotations

import posixpath
import stat
import tarfile

from elastix_halint.snapshot import manifest
from elastix_halint.snapshot.manifest import DIR, FILE, HARDLINK, SYMLINK
from elastix_halint.snapshot.tarpax import unexpected_pax

_SPECIAL = stat.S_ISUID | stat.S_ISGID


def clean_abs(path) -> bool:
    return (isinstance(path, str) and path.startswith("/") and "\x00" not in path
            and posixpath.normpath(path) == path and ".." not in path.split("/"))


def under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _entry_problems(e, replica: str, types: dict, allowed_abs: tuple) -> list[str]:
    p = e.path
    if not clean_abs(p) or not under(p, replica):
        return [f"{p!r}: manifest path outside the replica {replica}"]
    out = []
    if e.type not in (DIR, FILE, SYMLINK, HARDLINK):
        out.append(f"{p}: unknown type {e.type!r}")
    ints = (e.mode, e.uid, e.gid, e.mtime_ns, e.size)
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in ints) or e.mode > 0o7777:
        out.append(f"{p}: malformed mode/owner/mtime/size in the manifest")
    if p != replica and types.get(posixpath.dirname(p)) != DIR:
        out.append(f"{p}: its parent is not a directory in the manifest")
    if e.type == FILE and not (isinstance(e.digest, bytes) and len(e.digest) == 32) and not e.changed:
        out.append(f"{p}: file without a valid sha256 digest")
    if e.type == SYMLINK:
        out.extend(_symlink_problems(e, replica, allowed_abs))
    if e.type == HARDLINK and (types.get(e.target) != FILE or not under(str(e.target), replica)):
        out.append(f"{p}: hardlink to {e.target!r}, which is not a regular file of the snapshot")
    return out


def _symlink_problems(e, replica: str, allowed_abs: tuple) -> list[str]:
    target = e.target
    if not isinstance(target, str) or not target or "\x00" in target:
        return [f"{e.path}: malformed symlink target"]
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(e.path), target))
    if not any(under(resolved, folder) for folder in (replica, *allowed_abs)):
        return [f"{e.path}: symlink to {target!r} points outside the replica"]
    return []


def check_manifest(snap, user_links) -> list[str]:
    h = snap.header
    replica = h.replica
    if not clean_abs(replica) or replica == "/":
        return [f"manifest replica {replica!r} is not a clean absolute path"]
    link_paths = tuple(l.path for l in user_links.links)
    problems: list[str] = []
    types: dict[str, str] = {}
    for e in snap.entries:
        if e.path in types:
            problems.append(f"{e.path}: listed twice in the manifest")
        types[e.path] = e.type
    if types.get(replica) != DIR:
        problems.append(f"the manifest does not list the replica directory {replica}")
    for e in snap.entries:
        problems.extend(_entry_problems(e, replica, types, link_paths))
    targets = {l.path: l.target for l in user_links.links}
    for link in h.links:
        if link.get("state") != "link":
            continue
        path, actual = link.get("path"), link.get("actual")
        if path not in targets:
            problems.append(f"link map entry {path!r} is not in the link map given (--links)")
        elif not (clean_abs(actual) and under(actual, user_links.mount)):
            problems.append(f"link map entry {path} -> {actual!r} does not point into {user_links.mount}")
    return problems


class MemberChecker:
    """Checks tar members one by one as they are read, so no header must be kept: names of
    members the manifest lists are remembered as the manifest's own strings."""

    def __init__(self, snap):
        # path -> entry until its member is seen, then None (no separate set of seen names:
        # at 100,000 members that set alone was 4 MiB of the 100 MiB budget)
        self.expected = {e.path: e for e in snap.entries if e.type in (DIR, FILE)}
        self.problems: list[str] = []
        self.seen_meta: set[str] = set()
        self.first: list[str] = []
        self.last: str | None = None

    def check(self, info: tarfile.TarInfo):
        """The manifest entry of a clean member, else None (its problems are recorded)."""
        name = info.name
        if len(self.first) < 2:
            self.first.append(name)
        self.last = name
        if name in manifest.META_MEMBERS:
            entry, again = None, name in self.seen_meta
            self.seen_meta.add(name)
        else:
            key = "/" + name
            entry = self.expected.get(key)
            again = entry is None and key in self.expected
            if entry is not None:
                self.expected[key] = None
        problems = _member_problems(info, entry, again)
        self.problems.extend(problems)
        return None if problems else entry

    def matched(self, entries) -> None:
        """``entries`` were found as members by a check that proved them equal (``locate``)."""
        for entry in entries:
            self.expected[entry.path] = None

    def finish(self) -> list[str]:
        problems = list(self.problems)
        if self.first != [manifest.MANIFEST_MEMBER, manifest.LINKS_MEMBER] or self.last != manifest.TRAILER_MEMBER:
            problems.insert(0, "the archive does not start with the manifest and links.sh and end with the trailer")
        missing = sorted(path[1:] for path, entry in self.expected.items() if entry is not None)
        problems.extend(f"{name}: listed in the manifest but not in the archive" for name in missing)
        return problems


def check_members(members, snap) -> list[str]:
    """Compare the archive's tar members (all of them, in order) with the manifest."""
    checker = MemberChecker(snap)
    for info in members:
        checker.check(info)
    return checker.finish()


def _member_problems(info: tarfile.TarInfo, entry, again: bool) -> list[str]:
    name = info.name
    if again:
        return [f"{name}: member appears more than once"]
    out = [f"{name}: unexpected pax record {k!r}" for k in unexpected_pax(info)]
    if name.startswith("/") or "\x00" in name or posixpath.normpath(name) != name or ".." in name.split("/"):
        return out + [f"{name!r}: absolute, non-normalized or '..' member name"]
    if not (info.isreg() or info.isdir()):
        kind = ("symlink" if info.issym() else "hardlink" if info.islnk() else "device" if info.isdev()
                else "FIFO" if info.isfifo() else f"type {info.type!r}")
        return out + [f"{name}: {kind} member (halint archives hold only directories and files)"]
    if info.sparse is not None:
        out.append(f"{name}: GNU sparse member (halint never writes those)")
    if name in manifest.META_MEMBERS:
        return out
    if entry is None:
        return out + [f"{name}: member not listed in the manifest"]
    if (DIR if info.isdir() else FILE) != entry.type:
        out.append(f"{name}: member type differs from the manifest ({entry.type})")
    elif info.isreg() and info.size != entry.size:
        out.append(f"{name}: {info.size} bytes in the archive, {entry.size} in the manifest")
    if info.mode & _SPECIAL & ~entry.mode:
        out.append(f"{name}: setuid/setgid bit not declared in the manifest")
    return out
