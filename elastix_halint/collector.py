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
        if self._was and not _kept:  # (kept to the exit: see keep_to_exit)
            gc.enable()


# Objects left to the end of the process (keep_to_exit), when it ends with os._exit.
_kept: list = []
ends_with_exit = False  # set by cli.main for the halint program (see cli._quick_exit)


def keep_to_exit(obj) -> None:
    """Leave ``obj`` to the end of the process when that end is ``os._exit``: freeing a
    400-resource model object by object costs more than a tenth of ``halint parse`` of it, and
    frees memory nobody uses after. Called inside ``paused()``, it also leaves the collector off
    to the exit: every object made in the pause is still in its youngest generation, so its
    first collection would walk the whole model once more (~40M instructions for that file)
    only to find it all alive. In any other process (tests call ``cli.main`` with arguments)
    nothing is kept and the collector is put back."""
    if ends_with_exit:
        _kept.append(obj)
