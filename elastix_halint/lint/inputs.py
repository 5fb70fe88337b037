"""Turn command-line paths into clusters through the loader.

``--files``: every path is a loose file linted on its own (only file-scope rules apply; this is
the pre-commit per-file hook). Otherwise the loader decides what the paths are (a bundle, node
folders, loose files). Several *bundle* folders (folders of node folders) without
``--root``/``--peer`` are separate clusters, so one invocation can lint many bundles.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing costs ~4 ms at every start; these names are only annotations
if TYPE_CHECKING:
    from typing import Callable, Iterator

from elastix_halint.errors import InputError


def cluster_loaders(paths: list[str], root: str | None, peer: str | None, files: bool) -> list[Callable]:
    """One call per cluster, in order; each reads and parses its cluster when called (so a
    worker process of ``lint.parallel`` loads only its own share)."""
    from elastix_halint.loader import is_node_folder

    for path in paths:
        if not os.path.lexists(path):
            raise InputError("no such file or directory", path)
    if files:
        return [_Load([path], loose=True) for path in paths]
    bundles = len(paths) > 1 and root is None and peer is None
    if bundles and all(os.path.isdir(p) and not is_node_folder(p) for p in paths):
        return [_Load([path]) for path in paths]
    return [_Load(paths, root, peer)]


def clusters_for(paths: list[str], root: str | None, peer: str | None, files: bool) -> Iterator:
    for load in cluster_loaders(paths, root, peer, files):
        yield load()


class _Load:
    """A picklable, lazily run ``load_paths`` call."""

    __slots__ = ("paths", "root", "peer", "loose")

    def __init__(self, paths: list[str], root: str | None = None, peer: str | None = None, loose: bool = False):
        self.paths, self.root, self.peer, self.loose = paths, root, peer, loose

    def __call__(self):
        from elastix_halint.loader import load_paths

        if self.loose and os.path.isdir(self.paths[0]):
            raise InputError("--files takes files, not directories", self.paths[0])
        return load_paths(self.paths, root=self.root, peer=self.peer)
