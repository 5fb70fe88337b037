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
            if ends_with_exit:
                # Everything made in the pause is still in the youngest generation: the first
                # collection after it would walk the whole model (~40M instructions for a
                # 400-resource drbd.conf) only to find it alive, and the program ends soon
                # after (``cli._quick_exit``). Frozen, the collector leaves it alone.
                gc.freeze()
            gc.enable()


# Objects left to the end of the process (keep_to_exit), when it ends with os._exit.
_kept: list = []
ends_with_exit = False  # set by cli.main for the halint program (see cli._quick_exit and paused)


def keep_to_exit(obj) -> None:
    """Leave ``obj`` to the end of the process when that end is ``os._exit``: freeing a
    400-resource model object by object costs more than a tenth of ``halint parse`` of it, and
    frees memory nobody uses after. In any other process (tests call ``cli.main`` with
    arguments) nothing is kept."""
    if ends_with_exit:
        _kept.append(obj)
