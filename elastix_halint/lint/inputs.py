"""Turn command-line paths into clusters through the loader.

``--files``: every path is a loose file linted on its own (only file-scope rules apply; this is
the pre-commit per-file hook). Otherwise the loader decides what the paths are (a bundle, a
node root, loose files); when several bundle directories are given without ``--root``/``--peer``
each is its own cluster, so one invocation can lint many bundles.
"""

from __future__ import annotations

import os
from typing import Iterator

from elastix_halint.errors import InputError


def _load(paths: list[str], root: str | None = None, peer: str | None = None):
    from elastix_halint.loader import load_paths

    return load_paths(paths, root=root, peer=peer)


def clusters_for(paths: list[str], root: str | None, peer: str | None, files: bool) -> Iterator:
    for path in paths:
        if not os.path.lexists(path):
            raise InputError("no such file or directory", path)
    if files:
        for path in paths:
            if os.path.isdir(path):
                raise InputError("--files takes files, not directories", path)
            yield _load([path])
        return
    if len(paths) > 1 and root is None and peer is None and all(os.path.isdir(p) for p in paths):
        for path in paths:
            yield _load([path])
        return
    yield _load(paths, root=root, peer=peer)
