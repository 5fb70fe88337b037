"""The manifest: the first archive member, JSON lines (a header, then one line per entry).

Entry paths are absolute node paths (``/replica/etc/asterisk/sip.conf``); the tar member of a
directory or regular file is the same path without the leading slash, so ``tar -C / -x`` puts it
back in place. Symlinks and the extra names of hardlinked files are not tar members: they live
only here (and in the generated ``links.sh`` member). ``xattrs`` maps a name to base64 bytes.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import shlex
from dataclasses import asdict, dataclass, field, fields

FORMAT = "halint-snapshot/1"
MANIFEST_MEMBER = ".halint/manifest.jsonl"
LINKS_MEMBER = ".halint/links.sh"
TRAILER_MEMBER = ".halint/trailer.json"
META_MEMBERS = (MANIFEST_MEMBER, LINKS_MEMBER, TRAILER_MEMBER)

DIR, FILE, SYMLINK, HARDLINK = "dir", "file", "symlink", "hardlink"
MEMBER_TYPES = (DIR, FILE)  # the only types stored as tar members


# Not frozen: a frozen dataclass's __init__ costs four times as much, and a restore builds one
# per manifest line. Entries are still never changed in place: ``replace`` makes changed copies.
@dataclass(slots=True)
class Entry:
    path: str
    type: str
    mode: int
    uid: int
    gid: int
    user: str
    group: str
    mtime_ns: int
    size: int = 0
    digest: bytes | None = None  # raw SHA-256 ("sha256:<hex>" in the JSON): half the memory
    target: str | None = None  # symlink target, or the first name of a hardlink group
    xattrs: dict | None = None
    sparse: bool = False
    changed: bool = False

    @property
    def member(self) -> str:
        return self.path.lstrip("/")

    def xattr_bytes(self) -> dict[str, bytes]:
        return {k: base64.b64decode(v) for k, v in (self.xattrs or {}).items()}

    def to_json(self) -> dict:
        # Leave out empty optional fields: 100,000 entries make a big manifest otherwise.
        out = {}
        for name in _ENTRY_FIELDS:
            value = getattr(self, name)
            if value is not None and value is not False:
                out[name] = value
        if isinstance(self.digest, bytes):
            out["digest"] = digest_text(self.digest)
        return out

    @classmethod
    def from_json(cls, data: dict) -> "Entry":
        # Owner names, types, modes and ids repeat on every line: one shared object per value
        # (flat memory). Anything of another type stays as it is: prescan says what is wrong.
        for key in _SHARED_KEYS:
            value = data.get(key)
            if type(value) is str or type(value) is int:
                data[key] = _SHARED.setdefault(value, value)
        digest = data.get("digest")
        if isinstance(digest, str) and _DIGEST_TEXT.match(digest):
            data["digest"] = bytes.fromhex(digest[7:])  # anything else stays as it was: prescan refuses it
        if data.keys() <= _KNOWN_FIELDS:
            return cls(**data)
        return cls(**{k: v for k, v in data.items() if k in _KNOWN_FIELDS})


_ENTRY_FIELDS = tuple(f.name for f in fields(Entry))
_KNOWN_FIELDS = frozenset(_ENTRY_FIELDS)
_SHARED_KEYS = ("user", "group", "type", "mode", "uid", "gid")
_SHARED: dict = {}


_DIGEST_TEXT = re.compile(r"sha256:[0-9a-f]{64}\Z")


def shared(value):
    """One object per repeated value (owner names, modes, ids): a new one per entry otherwise."""
    return _SHARED.setdefault(value, value)


def digest_text(digest: bytes) -> str:
    return f"sha256:{digest.hex()}"


@dataclass(frozen=True)
class Header:
    tool: str
    version: str
    hostname: str
    created: str
    replica: str
    drbd_role: str | None
    replica_mounted: bool
    linkmap: dict
    links: list  # per link-map path: {path, target, state, actual}
    incomplete: bool = False
    compress: str = "zstd"
    excludes: list = field(default_factory=list)
    digest: str = "sha256"
    format: str = FORMAT
    notes: list = field(default_factory=list)  # what could not be captured (no getfattr on the node)

    def to_json(self) -> dict:
        data = asdict(self)
        if not data["notes"]:  # the common case: keep the header as it always was
            del data["notes"]
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Header":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def encode_line(obj: dict) -> bytes:
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        # A file name that is not UTF-8 (its bytes are surrogates here, as os.fsdecode makes
        # them): JSON escapes keep them, so the line stays UTF-8 and the name comes back exact.
        return json.dumps(obj, separators=(",", ":")).encode("ascii") + b"\n"


class ManifestError(ValueError):
    """The manifest is missing, malformed or inconsistent."""


def parse_manifest(data) -> tuple[Header, list[Entry]]:
    """Parse manifest bytes, or any iterable of lines (a member read line by line)."""
    lines = iter(data.splitlines() if isinstance(data, bytes) else data)
    try:
        head = json.loads(next(lines, b"") or b"null")
        if not isinstance(head, dict) or head.get("format") != FORMAT:
            raise ManifestError(f"not a {FORMAT} manifest")
        header = Header.from_json(head)
        entries = [Entry.from_json(item) for item in _json_lines(line for line in lines if line.strip())]
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        if isinstance(exc, ManifestError):
            raise
        raise ManifestError(f"the manifest is malformed: {exc}") from None
    return header, entries


def _json_lines(lines, chunk: int = 1000):
    """One JSON value per line, parsed a thousand lines at a time as one array: a json.loads
    call per line was half of loading a 50,000-entry manifest. A chunk whose array does not
    hold exactly one value per line is parsed line by line, which says what is wrong."""
    while batch := list(itertools.islice(lines, chunk)):
        try:
            items = json.loads(b"[" + b",".join(batch) + b"]")
        except ValueError:
            items = None
        if items is None or len(items) != len(batch):
            items = [json.loads(line) for line in batch]
        yield from items


class HashingLines:
    """Iterate the lines of a binary stream while hashing them (the trailer holds the digest)."""

    def __init__(self, stream):
        self.stream, self.digest = stream, hashlib.sha256()

    def __iter__(self):
        for line in self.stream:
            self.digest.update(line)
            yield line


def manifest_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def links_script(header: Header, entries) -> bytes:
    """A POSIX sh script that recreates symlinks and hardlinks with nothing but coreutils."""
    q = shlex.quote
    out = [
        "#!/bin/sh",
        "# Recreates the symlinks and hardlinks of a halint snapshot (they are not tar members).",
        "# Usage, after `tar -C ROOT -xpf ARCHIVE`:  sh links.sh [ROOT]   (ROOT defaults to /)",
        "set -e",
        'R="${1:-}"; R="${R%/}"',
        # A real directory where a link belongs (an upgrade did that) is moved aside, not deleted.
        'aside() { mkdir -p "$(dirname "$R$1")"; if [ -d "$R$1" ] && [ ! -L "$R$1" ]; then mv "$R$1" "$R$1.halint-old-$$"; fi; }',
    ]
    for e in entries:
        if e.type == SYMLINK:
            out.append(f'aside {q(e.path)}; ln -sfn {q(e.target)} "$R"{q(e.path)}; '
                       f'chown -h {e.uid}:{e.gid} "$R"{q(e.path)} 2>/dev/null || true')
        elif e.type == HARDLINK:
            out.append(f'ln -f "$R"{q(e.target)} "$R"{q(e.path)}')
    out.append("# The link map (paths outside the replica that point into it):")
    for link in header.links:
        if link.get("state") == "link":
            out.append(f'aside {q(link["path"])}; ln -sfn {q(link["actual"])} "$R"{q(link["path"])}')
    return ("\n".join(out) + "\n").encode("utf-8", "surrogateescape")  # names as their bytes
