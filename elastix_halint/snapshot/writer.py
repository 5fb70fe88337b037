"""The archive's members, in order: manifest, links.sh, directories and files, trailer.

Two layouts produce the same decompressed pax tar (manifest first, so restore can check
everything before it writes a byte):

* **zstd, body first.** Room is left at the start of the file for the head (manifest and
  links.sh, whose size is bounded before any file is read). Each file is then read once,
  hashed while it is archived, into independent frames after that room; at the end the head
  is compressed into the room and what is left of it becomes a skippable frame (a hole on
  disk, skipped by every zstd decoder). Reading every file twice cost a third of the
  snapshot's time.
* **gzip / none, head first.** A stream cannot leave room, so the scan hashed every file
  beforehand, and the archive pass checks that each is still the file that was hashed.

A file that vanishes or changes while read is listed in the trailer (and, body first,
flagged ``changed`` in the manifest); the caller decides whether that ends the snapshot.

File contents come from a *file source*: :class:`LocalFiles` reads this machine's files (with
the scan's fingerprints); a remote snapshot passes one that takes them from the node's tar
stream (``remote_snapshot``). Everything else (layout, headers, manifest, trailer) is the same.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import tarfile
import tempfile
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace

from elastix_halint.snapshot import compress, manifest
from elastix_halint.snapshot.manifest import DIR, FILE, Header
from elastix_halint.snapshot.scan import Fingerprint, batches
from elastix_halint.snapshot.tarpax import TarWriter, header_bytes, meta_tarinfo, padded

# What a file's manifest line can gain once it is hashed: ,"digest":"sha256:<64 hex>"
# (83 bytes) or ,"changed":true (15).
_DIGEST_ROOM = 100


def write_archive(fh, kind: str, header: Header, scanned, bar, mtime: int, files=None) -> tuple[Header, list]:
    """Write the whole archive into ``fh``; returns the final header and the late changes.
    ``files``: where file contents come from (default: this machine's, ``LocalFiles``); with
    gzip or none the scan's entries must already hold the digests."""
    if kind == "zstd":
        return _body_first(fh, header, scanned, bar, mtime, files or LocalFiles(scanned, hashing=True))
    return _head_first(fh, kind, header, scanned, bar, mtime, files or LocalFiles(scanned, hashing=False))


def _head_first(fh, kind: str, header: Header, scanned, bar, mtime: int, files) -> tuple[Header, list]:
    stream = compress.open_writer(fh, kind)
    tar = TarWriter(stream)
    records = itertools.chain([header], scanned.entries)
    with _manifest(manifest.encode_line(record.to_json()) for record in records) as (spool, size, digest):
        _add_head(tar, spool, size, manifest.links_script(header, scanned.entries), mtime)
    late = _add_body(tar, scanned, bar, files)[0]
    _add_trailer(tar, digest, late, mtime)
    tar.close()
    stream.close()
    return header, late


def _body_first(fh, header: Header, scanned, bar, mtime: int, files) -> tuple[Header, list]:
    links_sh = manifest.links_script(header, scanned.entries)
    with tempfile.SpooledTemporaryFile(max_size=2 << 20) as draft:
        room = compress.compressed_bound(_draft(draft, header, scanned.entries, links_sh, mtime)) + 8
        fh.seek(room)
        body = compress.frames_writer(fh)
        tar = TarWriter(body)
        late, digests = _add_body(tar, scanned, bar, files)
        header = replace(header, incomplete=header.incomplete or bool(late))
        with _manifest(_final_lines(header, scanned.entries, draft, digests)) as (spool, size, digest):
            _add_trailer(tar, digest, late, mtime)
            tar.close()
            body.close()
            end = fh.tell()
            fh.seek(0)
            head = compress.frames_writer(fh)
            _add_head(TarWriter(head), spool, size, links_sh, mtime)  # no end blocks: the body follows
            head.close()
    used = fh.tell()
    if used + 8 > room:  # compressed_bound makes this impossible; never write a broken archive
        raise OSError(f"the manifest took {used} bytes, more than the {room} reserved for it")
    fh.write(compress.skippable_frame(room - used))
    fh.seek(end)
    fh.write(compress.seek_table(head.frames + [(room - used, 0)] + body.frames))
    return header, late


def _draft(draft, header: Header, entries: list, links_sh: bytes, mtime: int) -> int:
    """Write the entry lines, without digests yet, into ``draft``; returns the most bytes the
    head (manifest and links.sh members) can take once every file is hashed."""
    for entry in entries:
        draft.write(manifest.encode_line(entry.to_json()))
    lines = draft.tell() + _DIGEST_ROOM * sum(1 for e in entries if e.type == FILE)
    lines += len(manifest.encode_line(replace(header, incomplete=True).to_json()))
    return _member_bound(manifest.MANIFEST_MEMBER, lines, mtime) + _member_bound(manifest.LINKS_MEMBER, len(links_sh), mtime)


def _final_lines(header: Header, entries: list, draft, digests: "_Digests"):
    """The manifest: the header, then the draft's lines with each file's digest (or, for a
    file that changed while read, ``changed``) added as its last key. Re-encoding every entry
    took longer than this."""
    yield manifest.encode_line(header.to_json())
    draft.seek(0)
    for index, (entry, line) in enumerate(zip(entries, draft)):
        if entry.type == FILE:
            digest = digests.get(index)
            line = line[:-2] + (b',"digest":"%s"}\n' % manifest.digest_text(digest).encode() if digest else b',"changed":true}\n')
        yield line


def _member_bound(name: str, size: int, mtime: int) -> int:
    return len(_meta_header(name, size, mtime)) + padded(size)


@contextmanager
def _manifest(lines):
    """(spooled file, size, sha256) of the manifest; spooled for flat memory on huge trees."""
    digest = hashlib.sha256()
    with tempfile.SpooledTemporaryFile(max_size=2 << 20) as spool:
        for line in lines:  # one at a time: a tuple of every encoded line would hold the manifest
            spool.write(line)
            digest.update(line)
        size = spool.tell()
        spool.seek(0)
        yield spool, size, digest.hexdigest()


def _add_head(tar: TarWriter, spool, size: int, links_sh: bytes, mtime: int) -> None:
    tar.add(_meta_header(manifest.MANIFEST_MEMBER, size, mtime), size, spool)
    _add_bytes(tar, manifest.LINKS_MEMBER, links_sh, mtime)


def _add_trailer(tar: TarWriter, manifest_digest: str, late: list, mtime: int) -> None:
    trailer = manifest.encode_line({"manifest_sha256": manifest_digest, "changed": [p for p, _ in late]})
    _add_bytes(tar, manifest.TRAILER_MEMBER, trailer, mtime)


def _meta_header(name: str, size: int, mtime: int) -> bytes:
    return meta_tarinfo(name, size, mtime).tobuf(tarfile.PAX_FORMAT)


def _add_bytes(tar: TarWriter, name: str, data: bytes, mtime: int) -> None:
    tar.add(_meta_header(name, len(data), mtime), len(data), io.BytesIO(data))


class _Digests:
    """Per entry the raw SHA-256 of the bytes archived, in one flat buffer: 32 bytes a file
    instead of a 120-byte string each (a snapshot of 100,000 files must stay under 100 MB)."""

    def __init__(self, count: int):
        self._raw, self._missing = bytearray(32 * count), set()

    def set(self, index: int, digest: bytes | None) -> None:
        if digest is None:
            self._missing.add(index)
        else:
            self._raw[32 * index : 32 * index + 32] = digest

    def get(self, index: int) -> bytes | None:
        return None if index in self._missing else bytes(self._raw[32 * index : 32 * index + 32])


def _add_body(tar: TarWriter, scanned, bar, files) -> tuple[list, _Digests]:
    """Directories and files in manifest order; symlinks and extra hardlink names live in the
    manifest only. Returns the late changes and, when ``files.hashing``, per file the digest
    of the bytes archived (None: it changed while read)."""
    late: list = []
    entries = scanned.entries
    digests = _Digests(len(entries) if files.hashing else 0)
    for index, entry, read in files.reads():
        if entry.type == DIR:
            tar.add(header_bytes(entry))
            continue
        if entry.type != FILE:
            continue
        if read is None:  # a big file: streamed from here
            read = files.add_big(tar, index, entry)
        else:
            tar.add_bytes(header_bytes(entry), read.data)
        if read.problem:
            late.append((entry.path, read.problem))
        if files.hashing:
            digests.set(index, read.digest)
        bar.advance(entry.size)
    late_paths = {path for path, _ in late}
    for index, problem in files.after():  # changes seen only once every file was read
        if entries[index].path not in late_paths:
            late.append((entries[index].path, problem))
        if files.hashing:
            digests.set(index, None)
    return late, digests


class LocalFiles:
    """File contents from this machine: small files read (and hashed) ahead by worker threads,
    big ones streamed; each checked against the scan's fingerprint before and after."""

    def __init__(self, scanned, hashing: bool):
        self.scanned, self.hashing = scanned, hashing

    def reads(self):
        """(index, entry, FileRead of a small file or None) for every entry, in order."""
        return _read_ahead(self.scanned, self.hashing)

    def add_big(self, tar: TarWriter, index: int, entry) -> "FileRead":
        return _add_file(tar, entry, self.scanned.abspath(entry), self.scanned.fingerprint(index), self.hashing)

    def after(self) -> list:
        """(index, why) of files found changed after all were read: none here (each file is
        checked as it is read)."""
        return []


# Small files are read (and hashed) a few batches ahead by worker threads, so the main thread
# only builds tar blocks: reading and hashing 50,000 files there made it the bottleneck.
SMALL_FILE = 1 << 20
BATCH_FILES, BATCH_BYTES, BATCHES_AHEAD, READERS = 256, 4 << 20, 3, 2  # <= 12 MiB of file data ahead


@dataclass(frozen=True, slots=True)
class FileRead:
    data: bytes | None  # None: streamed (big files)
    digest: bytes | None  # raw SHA-256; None: not hashed, or not to be trusted
    problem: str | None = None  # why it is not the file the scan saw


def _read_ahead(scanned, hashing: bool):
    """(index, entry, FileRead of a small file or None) for every entry, in order."""
    entries = scanned.entries

    def job(batch: list) -> list:
        return [_read_small(scanned.abspath(entries[i]), scanned.fingerprint(i), entries[i].size, hashing)
                if _is_small(entries[i]) else None for i in batch]

    def weight(index: int) -> int:  # a big file (read by the caller) ends a batch
        entry = entries[index]
        return 0 if entry.type != FILE else entry.size if _is_small(entry) else BATCH_BYTES

    work = batches(range(len(entries)), weight, BATCH_FILES, BATCH_BYTES)
    with ThreadPoolExecutor(READERS) as pool:
        pending: deque = deque()
        while True:
            while len(pending) < BATCHES_AHEAD and (batch := next(work, None)) is not None:
                pending.append((batch, pool.submit(job, batch)))
            if not pending:
                return
            batch, future = pending.popleft()
            yield from ((i, entries[i], read) for i, read in zip(batch, future.result()))


def _is_small(entry) -> bool:
    return entry.type == FILE and entry.size <= SMALL_FILE


def _read_small(abspath: str, expected: Fingerprint, size: int, hashing: bool) -> FileRead:
    try:
        fd = os.open(abspath, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return FileRead(bytes(size), None, "vanished before it was archived")
    try:
        before = Fingerprint.of(os.fstat(fd))
        parts, got = [], 0
        while got <= size and (data := os.read(fd, size + 1 - got)):
            parts.append(data)
            got += len(data)
        data = b"".join(parts)
        if before != expected or Fingerprint.of(os.fstat(fd)) != expected or len(data) != size:
            return FileRead(data[:size].ljust(size, b"\0"), None, _changed(hashing))
    finally:
        os.close(fd)
    return FileRead(data, hashlib.sha256(data).digest() if hashing else None)


def _changed(hashing: bool) -> str:
    return "changed while being archived" if hashing else "changed between hashing and archiving"


class _Guarded:
    """Reads exactly ``size`` bytes from ``fd`` (None: a vanished file), zero-padding a file
    that shrank meanwhile (tarfile insists on full blocks), hashing what it hands out."""

    def __init__(self, fd: int | None, size: int, hashing: bool):
        self.fd, self.left, self.short = fd, size, fd is None
        self.digest = hashlib.sha256() if hashing else None

    def read(self, n: int) -> bytes:
        n = min(n, self.left)
        parts, got = [], 0
        while got < n and not self.short:
            data = os.read(self.fd, n - got)
            if not data:
                self.short = True
                break
            parts.append(data)
            got += len(data)
        if got < n:
            parts.append(bytes(n - got))
        self.left -= n
        data = b"".join(parts)
        if self.digest is not None:
            self.digest.update(data)
        return data


def _add_file(tar: TarWriter, entry, abspath: str, expected: Fingerprint, hashing: bool) -> FileRead:
    """Stream one (big) file into the archive, hashing it as it goes when ``hashing``."""
    try:
        fd = os.open(abspath, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        tar.add(header_bytes(entry), entry.size, _Guarded(None, entry.size, False))
        return FileRead(None, None, "vanished before it was archived")
    try:
        guarded = _Guarded(fd, entry.size, hashing)
        before = Fingerprint.of(os.fstat(fd))
        tar.add(header_bytes(entry), entry.size, guarded)
        if before != expected or Fingerprint.of(os.fstat(fd)) != expected or guarded.short:
            return FileRead(None, None, _changed(hashing))
    finally:
        os.close(fd)
    return FileRead(None, guarded.digest.digest() if hashing else None)
