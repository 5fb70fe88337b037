"""Which files a drbd.conf ``include`` names, and reading them for drbdadm's emulation.

Apart from the parser (parsing/drbd.py) so that a child judging a large file
(parsing/drbdadm/ahead.py) can be forked before the parser is imported.
"""

from __future__ import annotations

import glob
import os

from elastix_halint.errors import InputError
from elastix_halint.source import SourceFile, read_source

_GLOB_CHARS = frozenset("*?[")


def include_targets(pattern: str, src: SourceFile, root: str | None = None) -> list[tuple[str, str]]:
    """(real path, display path) of the files ``pattern`` names, in drbdadm's glob order.

    With ``root`` (a bundle's node folder), an absolute pattern names files under it: it becomes
    the equivalent pattern relative to the including file, so display paths stay bundle-relative.
    """
    real_dir = os.path.dirname(src.real_path or src.path)
    shown_dir = os.path.dirname(src.path)
    if os.path.isabs(pattern) and root is not None:
        pattern = os.path.relpath(os.path.join(root, pattern.lstrip("/")), os.path.abspath(real_dir or "."))
    if os.path.isabs(pattern):
        return [(p, p) for p in sorted(glob.glob(pattern))] if _GLOB_CHARS & set(pattern) else [(pattern, pattern)]
    full = os.path.join(real_dir, pattern)
    if _GLOB_CHARS & set(pattern):
        matches = sorted(glob.glob(full))
    else:
        matches = [full]
    return [(m, os.path.normpath(os.path.join(shown_dir, os.path.relpath(m, real_dir or ".")))) for m in matches]


def includer(root: str | None):
    """The emulator's ``include(pattern, including)``: the files an include names, read."""

    def include(pattern: str, including: SourceFile):
        if not pattern:  # glob("") matches nothing: "Failed to open include file ''"
            return []
        out = []
        for real, shown in include_targets(pattern, including, root):
            try:
                out.append((real, read_source(real, shown, allow_empty=True)))
            except (InputError, ValueError):
                out.append((real, None))
        return out

    return include
