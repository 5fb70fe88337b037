"""The node-side scripts, as real ``.sh`` files carried by the wheel.

``script(name)`` is what a node runs: ``lib.sh`` (shared functions: temporary folder and
traps, framing, armour, command probes) followed by ``<name>.sh``. Each ``<name>.sh`` starts
with a comment saying what it reads, its arguments and the frames it sends.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=None)
def source(name: str) -> str:
    """The text of ``<name>.sh`` alone."""
    return resources.files(__name__).joinpath(f"{name}.sh").read_text(encoding="ascii")


# Function files a script needs between lib.sh and itself.
USES = {"tree": ("treelib",), "restore": ("treelib",)}


def script(name: str) -> str:
    """The self-contained script ``name``: lib.sh, the function files it uses, then ``<name>.sh``."""
    parts = ["lib", *USES.get(name, ()), name]
    head = f"#!/bin/sh\n# halint node-side script: {name} ({' + '.join(p + '.sh' for p in parts)}; docs/remote.md)\n"
    return head + "\n".join(source(p) for p in parts)
