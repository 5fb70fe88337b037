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
    from typing import Iterator

from elastix_halint.errors import InputError


def clusters_for(paths: list[str], root: str | None, peer: str | None, files: bool) -> Iterator:
    from elastix_halint.loader import is_node_folder, load_paths

    for path in paths:
        if not os.path.lexists(path):
            raise InputError("no such file or directory", path)
    if files:
        for path in paths:
            if os.path.isdir(path):
                raise InputError("--files takes files, not directories", path)
            yield load_paths([path])
        return
    bundles = len(paths) > 1 and root is None and peer is None
    if bundles and all(os.path.isdir(p) and not is_node_folder(p) for p in paths):
        for path in paths:
            yield load_paths([path])
        return
    yield load_paths(paths, root=root, peer=peer)
