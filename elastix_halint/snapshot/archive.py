"""Reading archives back: the manifest (first member) and a streaming pass over the rest."""

from __future__ import annotations

import gzip
import tarfile
import zlib
from dataclasses import dataclass

from tarsafe import TarSafeException  # noqa: F401 - re-exported for restore

from elastix_halint.errors import InputError
from elastix_halint.snapshot import compress, manifest
from elastix_halint.snapshot.manifest import Entry, Header, ManifestError

# What can go wrong while decompressing or parsing a damaged archive.
READ_ERRORS = (tarfile.TarError, EOFError, OSError, ValueError)


def _zstd_error():
    try:
        import zstandard

        return (zstandard.ZstdError,)
    except ImportError:  # pragma: no cover
        return ()


def read_errors() -> tuple:
    return READ_ERRORS + _zstd_error()


def damage_errors() -> tuple:
    """What decompressing damaged data raises; unlike ``read_errors``, no OSError of the target
    (a full disk while extracting is not a damaged archive)."""
    return (EOFError, zlib.error, gzip.BadGzipFile) + _zstd_error()


@dataclass(frozen=True)
class Snapshot:
    path: str
    kind: str
    header: Header
    entries: list
    manifest_sha256: str


def open_stream(path: str):
    """(kind, streaming TarFile) positioned at the first member."""
    kind = compress.detect(path)
    reader = compress.open_reader(path, kind)
    try:  # reads the first header: a damaged head fails here
        return kind, tarfile.open(fileobj=reader, mode="r|", bufsize=1 << 20)
    except read_errors() as exc:
        reader.close()
        raise InputError(f"cannot read the archive: {exc}", path) from None


def take_manifest(path: str, kind: str, tar) -> Snapshot:
    """Read the first member of ``tar`` and parse it as the manifest."""
    try:
        first = tar.next()
    except read_errors() as exc:
        raise InputError(f"cannot read the archive: {exc}", path) from None
    if first is None or first.name != manifest.MANIFEST_MEMBER or not first.isreg():
        raise InputError(f"the first member is not {manifest.MANIFEST_MEMBER}: not a halint snapshot", path)
    try:
        lines = manifest.HashingLines(tar.extractfile(first))
        header, entries = manifest.parse_manifest(lines)
    except ManifestError as exc:
        raise InputError(str(exc), path) from None
    except read_errors() as exc:
        raise InputError(f"cannot read the manifest: {exc}", path) from None
    return Snapshot(path, kind, header, entries, lines.digest.hexdigest())


def load(path: str) -> Snapshot:
    """Only the manifest: cheap even for a huge archive (reads its first member only)."""
    kind, tar = open_stream(path)
    try:
        return take_manifest(path, kind, tar)
    finally:
        tar.fileobj.close()


def by_path(entries) -> dict[str, Entry]:
    return {e.path: e for e in entries}
