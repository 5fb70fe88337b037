"""``halint verify``: re-read the whole archive and prove it matches its manifest.

Checks, member by member: it is listed in the manifest with the same type, size, mode,
owner and mtime (a manifest edit shows up here), it appears once, its content has the
manifest's digest; then that every listed directory/file was seen, that ``links.sh`` is the
one the manifest implies and that the trailer holds the manifest's own digest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from elastix_halint.snapshot import archive, manifest
from elastix_halint.snapshot.manifest import DIR, FILE
from elastix_halint.snapshot.progress import Progress


@dataclass
class VerifyResult:
    snapshot: archive.Snapshot
    bad: list = field(default_factory=list)  # (member or path, reason)
    members: int = 0
    checked_bytes: int = 0

    @property
    def ok(self) -> bool:
        return not self.bad


def _metadata_problems(info, entry) -> list[str]:
    problems = []
    kind = DIR if info.isdir() else FILE if info.isreg() else info.type
    if kind != entry.type:
        return [f"is a {kind} member but the manifest says {entry.type}"]
    checks = (("size", info.size if kind == FILE else 0, entry.size if kind == FILE else 0),
              ("mode", info.mode, entry.mode), ("uid", info.uid, entry.uid), ("gid", info.gid, entry.gid),
              ("mtime", int(info.mtime), entry.mtime_ns // 1_000_000_000))
    for name, got, want in checks:
        if got != want:
            problems.append(f"{name} {got} in the tar header, {want} in the manifest")
    return problems


def _content_digest(tar, info) -> bytes:
    digest = hashlib.sha256()
    stream = tar.extractfile(info)
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    return digest.digest()


def verify(path: str, quiet: bool = True) -> VerifyResult:
    kind, tar = archive.open_stream(path)
    snap = archive.take_manifest(path, kind, tar)
    result = VerifyResult(snap)
    expected = {e.member: e for e in snap.entries if e.type in (DIR, FILE)}
    seen: set[str] = set()
    trailer = None
    total = sum(e.size for e in snap.entries if e.type == FILE)
    try:
        with Progress("verify", total, len(expected), Progress.wanted(quiet)) as bar:
            for info in tar:
                result.members += 1
                name = info.name
                if result.members == 1:
                    continue  # the manifest itself, already read by take_manifest
                if name == manifest.LINKS_MEMBER:
                    if tar.extractfile(info).read() != manifest.links_script(snap.header, snap.entries):
                        result.bad.append((name, "does not match the manifest's links"))
                    continue
                if name == manifest.TRAILER_MEMBER:
                    trailer = tar.extractfile(info).read()
                    continue
                entry = expected.get(name)
                if entry is None:
                    result.bad.append((name, "member is not in the manifest"))
                    continue
                if name in seen:
                    result.bad.append((name, "member appears twice"))
                    continue
                seen.add(name)
                result.bad.extend((name, p) for p in _metadata_problems(info, entry))
                if entry.type == FILE and info.isreg():
                    got = _content_digest(tar, info)
                    result.checked_bytes += info.size
                    bar.advance(info.size)
                    if entry.digest is None:
                        result.bad.append((name, "no digest: the file changed while the snapshot was taken"))
                    elif got != entry.digest:
                        result.bad.append((name, "content does not match its digest"))
    except archive.read_errors() as exc:
        result.bad.append((path, f"archive unreadable after {result.members} members: {exc} (truncated or corrupt)"))
        return result
    for name in sorted(set(expected) - seen):
        result.bad.append((name, "listed in the manifest but missing from the archive"))
    _check_trailer(result, trailer, snap)
    return result


def _check_trailer(result: VerifyResult, trailer: bytes | None, snap) -> None:
    import json

    if trailer is None:
        result.bad.append((manifest.TRAILER_MEMBER, "missing (the archive was cut short)"))
        return
    try:
        data = json.loads(trailer)
    except ValueError:
        result.bad.append((manifest.TRAILER_MEMBER, "is not JSON"))
        return
    if data.get("manifest_sha256") != snap.manifest_sha256:
        result.bad.append((manifest.MANIFEST_MEMBER, "was modified after the snapshot was written"))
    for path in data.get("changed") or ():
        result.bad.append((path.lstrip("/"), "changed while being archived (snapshot incomplete)"))
