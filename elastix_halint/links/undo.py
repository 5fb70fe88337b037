"""Put the tree back as it was before a repair: revert every step that began, newest first."""

from __future__ import annotations

import os

from elastix_halint.links.journal import Journal, JournalView
from elastix_halint.links.repair import Echo
from elastix_halint.links.steps import pause
from elastix_halint.noderoot.root import NodeRoot


def run_undo(root: NodeRoot, journal: Journal, echo: Echo) -> JournalView:
    view = journal.read()
    if "undo" not in view.flags:
        journal.append("undo")
    # A step skipped after it began (a conflict found mid-copy) wrote nothing to take back.
    for index in sorted(view.begun - view.reverted - set(view.skipped), reverse=True):
        step = view.steps[index]
        step.revert(root)
        pause()
        journal.append("reverted", index)
        echo(f"  undone: {step.describe()}")
    _restore_dir_times(root, view.header.get("dir_times", {}))
    journal.append("undone")
    return journal.read()


def _restore_dir_times(root: NodeRoot, times: dict[str, list[int]]) -> None:
    # Renames and copies changed these directories' times; the tree is only "as before" with them.
    for directory, (atime_ns, mtime_ns) in times.items():
        where = root.path(directory)
        if os.path.isdir(where):
            os.utime(where, ns=(atime_ns, mtime_ns), follow_symlinks=False)
