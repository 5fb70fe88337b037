"""``--from-snapshot ARCHIVE``: the link map recorded in a snapshot's manifest header (only the
archive's first member is read, through the snapshot package's own reader)."""

from __future__ import annotations

import os

from elastix_halint.errors import InputError
from elastix_halint.noderoot.linkmap import LinkMap


def linkmap_from_snapshot(archive: str) -> LinkMap:
    from elastix_halint.snapshot.archive import load

    if not os.path.isfile(archive):
        raise InputError("no such file", archive)
    header = load(archive).header
    try:
        return LinkMap.from_json(header.linkmap)
    except (KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"the snapshot manifest's link map is malformed ({exc})", archive) from None
