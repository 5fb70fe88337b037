"""Putting staged trees in place, one rename per unit, driven by a journal so reruns finish.

A unit is a top-level entry of the replica (or an ``--only`` path). Its live path is swapped
with the staged one by ``renameat2(RENAME_EXCHANGE)`` where the filesystem has it (the live
path is never missing), else by two renames; the old tree then moves to
``<live>.halint-old-<stamp>``. Staged trees are told apart from old ones by the inode the
journal recorded, so a rerun after ``kill -9`` at any point completes each unit exactly once.
Link-map symlinks are swapped the same way. Old data stays until ``restore --prune``: it is
only ever moved with no-replace renames, so it can never land on (and wipe) older kept data.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import stat

from elastix_halint.errors import InputError
from elastix_halint.snapshot.atomic import TEMP_MARK, AtomicFile, exchange, fsync_dir, rename_noreplace, write_atomic
from elastix_halint.snapshot.crashpoints import pause, reached

JOURNAL = ".halint-restore.json"
DONE_PATTERN = ".halint-restore-done-*.json"
STAGING_PATTERN = ".halint-staging-*"


def journal_path(replica_abs: str) -> str:
    return os.path.join(replica_abs, JOURNAL)


def done_path(replica_abs: str, stamp: str) -> str:
    return os.path.join(replica_abs, f".halint-restore-done-{stamp}.json")


def load_journal(replica_abs: str) -> dict | None:
    try:
        with open(journal_path(replica_abs), encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return None
    except ValueError:  # written atomically, so this is not ours: leave it to the user
        raise InputError("unreadable restore journal; inspect and remove it", journal_path(replica_abs)) from None


def save_journal(replica_abs: str, journal: dict) -> None:
    with AtomicFile(journal_path(replica_abs)) as fh:
        fh.write(json.dumps(journal, indent=1).encode())
        reached("journal-temp-written")
    fsync_dir(replica_abs)


def clear_stale_temps(replica_abs: str) -> None:
    """Journal copies a killed restore left half-written (only restore writes them; we hold the lock)."""
    for temp in glob.glob(os.path.join(glob.escape(replica_abs), f"{TEMP_MARK}*-.halint-restore*.json")):
        os.unlink(temp)


def _set_aside(src: str, item: dict, save) -> None:
    """Move ``src`` to ``item["old"]``. Should that name be taken (kept data of another restore),
    pick a free one and journal it first, so a crash right after still knows where it went."""
    old = item["old"]
    if os.path.lexists(old):
        n = 1
        while os.path.lexists(f"{old}-{n}"):
            n += 1
        item["old"] = f"{old}-{n}"
        save()
    rename_noreplace(src, item["old"])
    fsync_dir(os.path.dirname(item["old"]))


def _ino(path: str) -> int | None:
    try:
        return os.lstat(path).st_ino
    except FileNotFoundError:
        return None


def swap_unit(unit: dict, save) -> None:
    live, new, ino = unit["live"], unit["new"], unit["ino"]
    if _ino(new) == ino:  # the staged tree is still waiting
        pause()
        os.makedirs(os.path.dirname(live), exist_ok=True)
        if not os.path.lexists(live):
            os.rename(new, live)
        elif exchange(new, live):
            reached("unit-exchanged")  # live is new now, ``new`` holds the old tree
        else:
            _set_aside(live, unit, save)
            reached("unit-live-aside")
            pause()
            os.rename(new, live)
        fsync_dir(os.path.dirname(live))
        pause()
    if os.path.lexists(new):
        if _ino(live) != ino:  # neither staged nor the old tree after our exchange: not ours to touch
            raise InputError(f"cannot complete the restore: {new} is not the tree the journal expects "
                             f"and {live} is not the staged one; inspect both", journal_path(os.path.dirname(new)))
        _set_aside(new, unit, save)  # the old tree, after an exchange
    reached("unit-done")


def _is_link_to(path: str, target: str) -> bool:
    return os.path.islink(path) and os.readlink(path) == target


def swap_link(link: dict, save) -> None:
    live, temp, target = link["live"], link["temp"], link["target"]
    if not _is_link_to(live, target):
        if not _is_link_to(temp, target):
            os.symlink(target, temp)  # fails rather than use anything else found there
            reached("link-temp")
        pause()
        if not os.path.lexists(live):
            os.rename(temp, live)
        elif exchange(temp, live):
            reached("link-exchanged")
        else:
            _set_aside(live, link, save)
            reached("link-live-aside")
            os.rename(temp, live)
        fsync_dir(os.path.dirname(live))
    if os.path.lexists(temp):
        if _is_link_to(temp, target):
            os.unlink(temp)  # our unused temp link
        else:
            _set_aside(temp, link, save)
    reached("link-done")


def finish(replica_abs: str, journal: dict) -> list[str]:
    """Swap every unit and link of ``journal`` (idempotent) and close it; returns moved-aside paths."""
    save = lambda: save_journal(replica_abs, journal)  # noqa: E731
    for unit in journal["units"]:
        swap_unit(unit, save)
    for link in journal["links"]:
        swap_link(link, save)
    _remove_emptied_staging(journal["staging"])
    reached("staging-removed")
    kept = [item["old"] for item in journal["units"] + journal["links"] if os.path.lexists(item["old"])]
    journal.update(phase="done", kept=kept)
    write_atomic(done_path(replica_abs, journal["stamp"]), json.dumps(journal, indent=1).encode())
    reached("done-written")
    os.unlink(journal_path(replica_abs))
    fsync_dir(replica_abs)
    reached("journal-removed")
    return kept


def _remove_emptied_staging(staging: str) -> None:
    """After the swaps only the units' empty parent directories are left in staging: remove
    those, and only those (rmdir), so nothing that might be old data is ever deleted here."""
    for dirpath, dirnames, filenames in os.walk(staging, topdown=False):
        for name in filenames:  # os.walk lists symlinks to directories as dirnames, files here
            raise InputError(f"cannot complete the restore: unexpected {os.path.join(dirpath, name)} "
                             "left in the staging folder; inspect it")
        for name in dirnames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                raise InputError(f"cannot complete the restore: unexpected {path} left in the staging folder; inspect it")
            os.rmdir(path)
    if os.path.lexists(staging):
        os.rmdir(staging)


def abandon(journal: dict, replica_abs: str) -> None:
    """A restore that died while staging: nothing live was touched and its staging dir holds
    only extracted archive content. Remove it completely, then the journal."""
    remove_tree(journal["staging"])
    os.unlink(journal_path(replica_abs))
    fsync_dir(replica_abs)


def remove_tree(path: str) -> None:
    """``rmtree`` that also gets through the read-only directories a restored tree may have
    (their modes come from the archive; root ignores them anyway). Failures are raised."""
    if not os.path.lexists(path):
        return
    try:
        shutil.rmtree(path)
    except PermissionError:
        for dirpath, dirnames, _ in os.walk(path):
            for folder in [dirpath] + [os.path.join(dirpath, d) for d in dirnames]:
                st = os.lstat(folder)
                if stat.S_ISDIR(st.st_mode) and st.st_mode & stat.S_IRWXU != stat.S_IRWXU:
                    os.chmod(folder, st.st_mode | stat.S_IRWXU)
        shutil.rmtree(path)


def orphan_stagings(replica_abs: str, journal: dict | None) -> list[str]:
    """Staging folders no journal refers to (removal failed outside halint's control, or the
    journal was deleted by hand). They may hold old data after an exchange: kept for --prune."""
    current = journal["staging"] if journal else None
    return sorted(p for p in glob.glob(os.path.join(glob.escape(replica_abs), STAGING_PATTERN)) if p != current)


def prune(replica_abs: str) -> list[str]:
    """Delete data moved aside by finished restores, and staging folders no journal owns;
    returns what was removed (the caller made sure no restore is pending)."""
    removed = []
    for done in sorted(glob.glob(os.path.join(glob.escape(replica_abs), DONE_PATTERN))):
        with open(done, encoding="utf-8") as fh:
            kept = json.load(fh).get("kept", [])
        for path in kept:
            if os.path.isdir(path) and not os.path.islink(path):
                remove_tree(path)
            elif os.path.lexists(path):
                os.unlink(path)
            removed.append(path)
        os.unlink(done)
    for staging in orphan_stagings(replica_abs, None):
        remove_tree(staging)
        removed.append(staging)
    return removed
