"""Putting staged trees in place, one rename per unit, driven by a journal so reruns finish.

A unit is a top-level entry of the replica (or an ``--only`` path). Its live path is swapped
with the staged one by ``renameat2(RENAME_EXCHANGE)`` where the filesystem has it (the live
path is never missing), else by two renames; the old tree then moves to
``<live>.halint-old-<stamp>``. Staged trees are told apart from old ones by the inode the
journal recorded, so a rerun after ``kill -9`` at any point completes each unit exactly once.
Link-map symlinks are swapped the same way. Old data stays until ``restore --prune``.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import time

from elastix_halint.snapshot.atomic import exchange, fsync_dir, write_atomic

JOURNAL = ".halint-restore.json"
DONE_PATTERN = ".halint-restore-done-*.json"
DELAY_ENV = "HALINT_RESTORE_SWAP_DELAY"  # test hook: seconds to pause around each rename


def _pause() -> None:
    delay = os.environ.get(DELAY_ENV)
    if delay:
        time.sleep(float(delay))


def journal_path(replica_abs: str) -> str:
    return os.path.join(replica_abs, JOURNAL)


def load_journal(replica_abs: str) -> dict | None:
    try:
        with open(journal_path(replica_abs), encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return None
    except ValueError:  # written atomically, so this is not ours: leave it to the user
        from elastix_halint.errors import InputError

        raise InputError("unreadable restore journal; inspect and remove it", journal_path(replica_abs)) from None


def save_journal(replica_abs: str, journal: dict) -> None:
    write_atomic(journal_path(replica_abs), json.dumps(journal, indent=1).encode())
    fsync_dir(replica_abs)


def _move_aside(src: str, old: str) -> None:
    os.rename(src, old)
    fsync_dir(os.path.dirname(old))


def swap_unit(unit: dict) -> None:
    live, new, old, ino = unit["live"], unit["new"], unit["old"], unit["ino"]
    staged_pending = os.path.lexists(new) and os.lstat(new).st_ino == ino
    if staged_pending:
        _pause()
        os.makedirs(os.path.dirname(live), exist_ok=True)
        if not os.path.lexists(live):
            os.rename(new, live)
        elif exchange(new, live):
            pass  # live is new now, ``new`` holds the old tree
        else:
            os.rename(live, old)
            fsync_dir(os.path.dirname(live))
            _pause()
            os.rename(new, live)
        fsync_dir(os.path.dirname(live))
        _pause()
    if os.path.lexists(new) and os.path.lexists(live) and os.lstat(live).st_ino == ino:
        _move_aside(new, old)  # the old tree, after an exchange


def swap_link(link: dict) -> None:
    live, temp, old, target = link["live"], link["temp"], link["old"], link["target"]
    if not (os.path.islink(live) and os.readlink(live) == target):
        if not os.path.lexists(temp):
            os.symlink(target, temp)
        _pause()
        if not os.path.lexists(live):
            os.rename(temp, live)
        elif not exchange(temp, live):
            os.rename(live, old)
            os.rename(temp, live)
        fsync_dir(os.path.dirname(live))
    if os.path.lexists(temp):
        if os.path.islink(temp) and os.readlink(temp) == target:
            os.unlink(temp)  # our unused temp link
        else:
            _move_aside(temp, old)


def finish(replica_abs: str, journal: dict) -> list[str]:
    """Swap every unit and link of ``journal`` (idempotent) and close it; returns moved-aside paths."""
    for unit in journal["units"]:
        swap_unit(unit)
    for link in journal["links"]:
        swap_link(link)
    shutil.rmtree(journal["staging"], ignore_errors=True)
    kept = [item["old"] for item in journal["units"] + journal["links"] if os.path.lexists(item["old"])]
    journal.update(phase="done", kept=kept)
    done = os.path.join(replica_abs, f".halint-restore-done-{journal['stamp']}.json")
    write_atomic(done, json.dumps(journal, indent=1).encode())
    os.unlink(journal_path(replica_abs))
    fsync_dir(replica_abs)
    return kept


def abandon(journal: dict, replica_abs: str) -> None:
    """A restore that died while staging: nothing live was touched, drop its staging dir."""
    shutil.rmtree(journal["staging"], ignore_errors=True)
    os.unlink(journal_path(replica_abs))
    fsync_dir(replica_abs)


def prune(replica_abs: str) -> list[str]:
    """Delete data moved aside by finished restores; returns what was removed."""
    removed = []
    for done in sorted(glob.glob(os.path.join(replica_abs, DONE_PATTERN))):
        with open(done, encoding="utf-8") as fh:
            kept = json.load(fh).get("kept", [])
        for path in kept:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            elif os.path.lexists(path):
                os.unlink(path)
            removed.append(path)
        os.unlink(done)
    return removed
