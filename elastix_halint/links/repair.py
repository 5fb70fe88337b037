"""Run a plan's steps under the journal, and finish a repair a crash interrupted."""

from __future__ import annotations

from typing import Callable

from elastix_halint.links.journal import Journal, JournalView
from elastix_halint.links.steps import Conflict, CopyIn, StepError, pause
from elastix_halint.noderoot.root import same_content
from elastix_halint.noderoot.root import NodeRoot

Echo = Callable[[str], None]


def run_forward(root: NodeRoot, journal: Journal, echo: Echo) -> JournalView:
    """Do every step not done yet, in order; a step begun before a crash is completed (steps are
    idempotent). Ends with ``committed``; raises StepError (journal left open) when the tree
    changed under the plan, which ``halint links undo`` then rolls back."""
    view = journal.read()
    for index, step in enumerate(view.steps):
        if index in view.done or index in view.skipped:
            continue
        if index not in view.begun:
            if not step.ready(root):
                why = _why_not_ready(root, step)
                journal.append("skip", index, why=why)
                view.skipped[index] = why
                echo(f"  skip: {step.describe()} ({why})")
                continue
            journal.append("begin", index)
            pause()
        try:
            step.apply(root)
        except Conflict as exc:  # nothing was written: a listed conflict, not a failure
            journal.append("skip", index, why=f"conflict: {exc}")
            view.skipped[index] = f"conflict: {exc}"
            echo(f"  skip: {step.describe()} (conflict)")
            continue
        pause()
        journal.append("done", index)
        echo(f"  done: {step.describe()}")
    journal.append("committed")
    return journal.read()


def _why_not_ready(root: NodeRoot, step) -> str:
    """A copy whose destination appeared is a listed conflict (or already there); anything
    else unexpected stops the repair."""
    if isinstance(step, CopyIn):
        if same_content(root.path(step.src), root.path(step.dst)):
            return "already in the replica"
        return "conflict: the replica has another version"
    raise StepError(f"cannot {step.describe()}: the tree changed since the plan was made; run `halint links undo`")
