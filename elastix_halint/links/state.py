"""The one place that decides what state an expected link is in.

``decide(spec, observation)`` is a pure function, so the linter (reading ``facts/links`` captured
with ``stat -c '%F|%n|%N'``) and ``halint links`` (reading a live root through ``observe``) can
never disagree. Paths are node paths (``/etc/asterisk``); a node root in a test is a folder, and
absolute link targets are resolved inside it, as a chroot would.
"""

from __future__ import annotations

import posixpath
import stat

from elastix_halint.model.record import Record
from elastix_halint.noderoot.linkmap import LinkSpec
from elastix_halint.noderoot.root import NodeRoot, entry_kind

KINDS = ("symlink", "dir", "file", "missing", "other")
STATUSES = ("ok", "missing", "replaced-dir", "replaced-file", "wrong-target", "dangling", "loop")
MAX_HOPS = 40  # what the Linux kernel allows before ELOOP


class LinkObservation(Record):
    """What is at an expected link's path. ``target_exists``/``loops`` describe the link's
    target; ``target_exists`` is None when unknown (e.g. from a ``stat`` listing)."""

    path: str
    kind: str  # one of KINDS
    target: str | None = None  # readlink text when kind == "symlink"
    target_exists: bool | None = None
    loops: bool = False


class LinkState(Record):
    path: str
    expected: str  # the link map's target
    status: str  # one of STATUSES
    kind: str
    actual: str | None  # the link's current target, when it is a link
    detail: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "expected": self.expected,
            "status": self.status,
            "kind": self.kind,
            "actual": self.actual,
            "detail": self.detail,
        }


def normalize_target(target: str, link_path: str = "/") -> str:
    """Compare targets by meaning: ``/replica/etc/asterisk/`` equals ``/replica/etc/asterisk``;
    a relative target is taken from the link's directory."""
    if not target.startswith("/"):
        target = posixpath.join(posixpath.dirname(link_path), target)
    return posixpath.normpath(target).replace("//", "/")


def decide(spec: LinkSpec, obs: LinkObservation) -> LinkState:
    """The state of ``spec`` given what was observed at its path."""
    expected = normalize_target(spec.target)

    def state(status: str, detail: str) -> LinkState:
        return LinkState(spec.path, spec.target, status, obs.kind, obs.target, detail)

    if obs.kind == "missing":
        return state("missing", f"nothing at {spec.path}; expected a link to {spec.target}")
    if obs.kind == "dir":
        return state("replaced-dir", f"a real directory where the link to {spec.target} should be")
    if obs.kind in ("file", "other"):
        what = "a real file" if obs.kind == "file" else "a special file"
        return state("replaced-file", f"{what} where the link to {spec.target} should be")
    if obs.loops:
        return state("loop", f"link to {obs.target} never resolves (symlink loop)")
    if obs.target is None or normalize_target(obs.target, spec.path) != expected:
        return state("wrong-target", f"links to {obs.target}, expected {spec.target}")
    if obs.target_exists is False:
        return state("dangling", f"target {spec.target} does not exist (replica not mounted?)")
    return state("ok", f"links to {obs.target}")


class Resolution(Record):
    path: str  # canonical node path (as far as it resolved)
    exists: bool
    loops: bool = False


def resolve(root: NodeRoot, path: str) -> Resolution:
    """``realpath`` of node path ``path`` inside ``root``: absolute link targets restart at the
    node's ``/`` (not the host's), and more than MAX_HOPS links is a loop."""
    pending = [p for p in reversed(path.split("/")) if p]
    current, hops = "/", 0
    while pending:
        name = pending.pop()
        if name == ".":
            continue
        if name == "..":
            current = posixpath.dirname(current)
            continue
        candidate = posixpath.join(current, name)
        st = root.lstat(candidate)
        if st is None:
            rest = "/".join(reversed(pending))
            return Resolution(posixpath.join(candidate, rest) if rest else candidate, False)
        if stat.S_ISLNK(st.st_mode):
            hops += 1
            if hops > MAX_HOPS:
                return Resolution(candidate, False, loops=True)
            text = root.readlink(candidate)
            if text.startswith("/"):
                current = "/"
            pending.extend(p for p in reversed(text.split("/")) if p)
            continue
        current = candidate
        if pending and not stat.S_ISDIR(st.st_mode):
            return Resolution(posixpath.join(current, *reversed(pending)), False)
    return Resolution(current, True)


def observe(root: NodeRoot, spec: LinkSpec) -> LinkObservation:
    """Look at ``spec.path`` under ``root`` (lstat, readlink, resolution of the target)."""
    parent = resolve(root, posixpath.dirname(spec.path))
    if not parent.exists:
        return LinkObservation(spec.path, "missing", loops=parent.loops)
    link_path = posixpath.join(parent.path, posixpath.basename(spec.path))
    st = root.lstat(link_path)
    if st is None:
        return LinkObservation(spec.path, "missing")
    kind = entry_kind(st.st_mode)
    if kind != "symlink":
        return LinkObservation(spec.path, kind)
    text = root.readlink(link_path)
    target = resolve(root, normalize_target(text, link_path))
    return LinkObservation(spec.path, "symlink", text, target.exists, target.loops)


def _ancestors(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def prefetch(root: NodeRoot, specs, **more) -> None:
    """Tell ``root`` what observing ``specs`` reads (every step of each path and target), with
    ``more`` questions: a node reached over ssh answers them all in one round trip."""
    paths = [p for spec in specs for p in _ancestors(spec.path) + _ancestors(normalize_target(spec.target))]
    root.prefetch(stat=(*paths, *more.pop("stat", ())), **more)


def link_states(root: NodeRoot, specs) -> list[LinkState]:
    prefetch(root, specs)
    return [decide(spec, observe(root, spec)) for spec in specs]


def _listing_kind(ftype: str) -> str:
    if ftype == "symbolic link":
        return "symlink"
    if ftype == "directory":
        return "dir"
    return "file" if ftype.startswith("regular") else "other"


def observe_listing(listing, spec: LinkSpec) -> LinkObservation:
    """The observation a ``facts/links`` listing (``stat -c '%F|%n|%N'``, parsed into
    ``model.facts.LinkListing``) gives of ``spec``. Whether the target exists is known only when
    the listing also stat'ed the target path (present → True, "cannot stat" → False);
    otherwise it is None and ``decide`` cannot report ``dangling``."""
    entries = listing.by_path()
    entry = entries.get(spec.path) or entries.get(spec.path + "/")
    if entry is None:
        return LinkObservation(spec.path, "missing")
    kind = _listing_kind(entry.ftype)
    if kind != "symlink":
        return LinkObservation(spec.path, kind)
    target = normalize_target(entry.target or "", spec.path)
    missing = {normalize_target(m) for m in listing.missing}
    listed = {normalize_target(p) for p in entries}
    exists = True if target in listed else False if target in missing else None
    return LinkObservation(spec.path, "symlink", entry.target, exists)
