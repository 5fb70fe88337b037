"""Test hooks that let the crash-safety tests stop a restore at a precise step.

``HALINT_RESTORE_KILL_AT=POINT`` (or ``POINT#N``, the N-th pass) makes the process SIGKILL
itself when it reaches that named point, exactly like an outside ``kill -9`` there (no
``finally`` runs, nothing is flushed); with ``HALINT_RESTORE_KILL_GROUP=1`` its whole process
group (``restore --ssh``: halint and its ssh processes). ``HALINT_RESTORE_SWAP_DELAY=SECONDS`` pauses around
each rename so randomly timed kills land inside the swap too. Unset (always, outside the
tests), a hook costs one truth test.
"""

from __future__ import annotations

import os
import signal
import time

KILL_ENV = "HALINT_RESTORE_KILL_AT"
DELAY_ENV = "HALINT_RESTORE_SWAP_DELAY"
GROUP_ENV = "HALINT_RESTORE_KILL_GROUP"

_KILL_AT = os.environ.get(KILL_ENV)  # read once: reached() runs once per extracted file
_passes: dict[str, int] = {}


def reached(point: str) -> None:
    if not _KILL_AT:
        return
    name, _, nth = _KILL_AT.partition("#")
    if name != point:
        return
    _passes[point] = _passes.get(point, 0) + 1
    if _passes[point] == int(nth or 1):
        if os.environ.get(GROUP_ENV):
            os.killpg(os.getpgrp(), signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)


def pause() -> None:
    delay = os.environ.get(DELAY_ENV)
    if delay:
        time.sleep(float(delay))
