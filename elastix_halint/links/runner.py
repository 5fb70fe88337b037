"""Who carries out a plan: :class:`LocalRunner` here, under the state directory's ``flock``
(``links.repair``/``links.undo``), or :class:`~elastix_halint.links.noderun.NodeRunner` on a
node reached over ssh, with ``scripts/links.sh``. The commands use either the same way."""

from __future__ import annotations

from typing import Callable

from elastix_halint.links.journal import Journal, exclusive
from elastix_halint.links.plan import RepairPlan
from elastix_halint.links.repair import Echo, run_forward
from elastix_halint.links.undo import run_undo
from elastix_halint.noderoot.root import NodeRoot


class LocalRunner:
    def __init__(self, root: NodeRoot):
        self.root = root

    def repair(self, plan: RepairPlan, build: Callable[[], RepairPlan], header: Callable[[RepairPlan], dict], echo: Echo):
        """Plan again (``build``) under the lock, so the plan journalled is what the tree is
        then, and carry it out. Returns (the plan, what the journal says was skipped)."""
        with exclusive(self.root):
            # Taking the lock may have created halint's state directory (and /var/lib with it).
            plan = build()
            if not plan.steps:
                return plan, {}
            journal = Journal.create(self.root, plan.repair_id, header(plan))
            echo(f"repairing (journal {journal.path}):")
            return plan, run_forward(self.root, journal, echo).skipped

    def finish(self, journal: Journal, echo: Echo) -> None:
        with exclusive(self.root):
            run_forward(self.root, journal, echo)

    def undo(self, journal: Journal, echo: Echo) -> None:
        with exclusive(self.root):
            run_undo(self.root, journal, echo)
