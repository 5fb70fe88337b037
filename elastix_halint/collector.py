"""Pausing Python's cyclic garbage collector while models are built that live to the end.

A parse builds a large model of small objects that forms almost no garbage cycles (a
400-resource drbd.conf: 153 cyclic objects left at the end, the same peak RSS with the
collector off), yet the collector walks the new objects again and again as they survive:
~13% of the CPU of ``halint parse --format json`` of that file even at the thresholds
``cli.main`` sets. mypy and Black pause it for the same reason.
"""

from __future__ import annotations

import gc


class paused:  # noqa: N801 - used as ``with collector.paused():``
    """No automatic collection inside the block; the collector's state is put back after it
    (so a caller that had it off, or a test process, finds it as it was)."""

    def __enter__(self) -> "paused":
        self._was = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *exc) -> None:
        if self._was:
            gc.enable()
