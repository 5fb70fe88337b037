"""``--from-snapshot ARCHIVE``: the link map recorded in a snapshot's manifest.

The manifest is the archive's first member: JSON lines whose first line (the header) holds the
link map as ``LinkMap.to_json()``. Read here directly (only that one member is decompressed) so
the links command does not depend on the snapshot package's internals."""

from __future__ import annotations

import json
import os
import subprocess
import tarfile

from elastix_halint.errors import InputError
from elastix_halint.noderoot.linkmap import LinkMap


def _find_map(value) -> dict | None:
    if isinstance(value, dict):
        if isinstance(value.get("links"), list) and "mount" in value:
            return value
        for child in value.values():
            found = _find_map(child)
            if found is not None:
                return found
    return None


def _first_member_text(archive: str, stream) -> str:
    with tarfile.open(fileobj=stream, mode="r|*") as tar:
        member = tar.next()
        if member is None or not member.isfile():
            raise InputError("archive has no manifest as its first member", archive)
        data = tar.extractfile(member).read()
    return data.decode("utf-8")


def manifest_header(archive: str) -> dict:
    if not os.path.isfile(archive):
        raise InputError("no such file", archive)
    try:
        if archive.endswith(".zst"):
            proc = subprocess.Popen(["zstd", "-dcq", archive], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            try:
                text = _first_member_text(archive, proc.stdout)
            finally:
                proc.kill()
                proc.wait()
        else:
            with open(archive, "rb") as fh:
                text = _first_member_text(archive, fh)
        return json.loads(text.splitlines()[0])
    except FileNotFoundError:
        raise InputError("no such file (or zstd is not installed)", archive) from None
    except (tarfile.TarError, OSError, EOFError, UnicodeDecodeError, ValueError, IndexError) as exc:
        raise InputError(f"not a readable snapshot archive: {exc}", archive) from None


def linkmap_from_snapshot(archive: str) -> LinkMap:
    found = _find_map(manifest_header(archive))
    if found is None:
        raise InputError("the snapshot manifest holds no link map", archive)
    try:
        return LinkMap.from_json(found)
    except (KeyError, TypeError) as exc:
        raise InputError(f"the snapshot manifest's link map is malformed ({exc})", archive) from None
