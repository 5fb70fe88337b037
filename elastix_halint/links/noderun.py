"""Carry out a repair plan on a node reached over ssh: ``scripts/links.sh`` does on the node
what ``links.repair``/``links.undo`` do locally, with the same journal in the same place and
the same step semantics (docs/links.md). The plan is made here (``links.plan`` on a
:class:`~elastix_halint.noderoot.remote.RemoteRoot`); the script receives it as data, takes
the node's lock, checks that the journals are still what the plan was made from, and runs the
steps, journalling each one on the node before it runs it."""

from __future__ import annotations

import dataclasses
import os
import shlex
from dataclasses import dataclass, field
from typing import Callable

from elastix_halint.links.journal import STATE_DIR, SUFFIX, Busy, Journal, JournalView, interrupted, journals, last_undoable
from elastix_halint.links.plan import RepairPlan
from elastix_halint.links.steps import MakeDir, Step, StepError
from elastix_halint.noderoot.remote import RemoteRoot

Echo = Callable[[str], None]
ATTEMPTS = 3  # plans made again when the journals changed between reading and locking


class Stale(Exception):
    """The node's journals changed after they were read: plan again."""


def _seconds(ns: int) -> str:
    return f"{ns // 1_000_000_000}.{ns % 1_000_000_000:09d}"


def step_args(step: Step) -> list[str]:
    """The step's fields as links.sh takes them (modes in octal, times as SECONDS.NANOS)."""
    out = []
    for f in dataclasses.fields(step):
        value = getattr(step, f.name)
        if f.name == "mode":
            out.append(f"{value:04o}")
        elif f.name == "times_ns":
            out += [_seconds(t) for t in value or ()]
        else:
            out.append(str(value))
    return out


@dataclass
class Outcome:
    skipped: dict[int, str] = field(default_factory=dict)
    journal: str | None = None


@dataclass
class _Job:
    mode: str  # create, forward or undo
    name: str  # the journal's file name
    work: list[tuple[int, bool, Step]]  # (index, begun, step) in the order to run them
    seen: str  # the journals the plan was made from (NodeRunner.fingerprint)
    header: dict | None = None
    undo_begun: bool = False
    dir_times: dict = field(default_factory=dict)
    replan_if_new_state: bool = False


class NodeRunner:
    """Runs repairs, their completion and undos on the node of ``root``."""

    def __init__(self, root: RemoteRoot, lock_wait: float = 20.0):
        self.root = root
        self.delay = os.environ.get("HALINT_TEST_STEP_DELAY", "")
        self.lock_wait = lock_wait  # seconds to wait for another repair or undo to end

    # -- the three operations -------------------------------------------------------------------
    def repair(self, plan: RepairPlan, build: Callable[[], RepairPlan], header: Callable[[RepairPlan], dict], echo: Echo):
        """Carry out ``plan``, made from this root's listing; when the node says its journals
        changed since (another repair ran), plan again (``build``) from a fresh listing.
        Returns (the plan carried out, what the journal says was skipped)."""
        for attempt in range(ATTEMPTS):
            if attempt:
                self.root.forget()
                plan = build()
            if not plan.steps:
                return plan, {}
            name = self._journal_name(plan.repair_id)
            replan = any(isinstance(s, MakeDir) and STATE_DIR.startswith(s.path + "/") for s in plan.steps)
            job = _Job("create", name + SUFFIX, [(i, False, s) for i, s in enumerate(plan.steps)], self.fingerprint(),
                       header={**header(plan), "id": name}, replan_if_new_state=replan)
            echo(f"repairing (journal {self.root.path(STATE_DIR)}/{name}{SUFFIX}):")
            try:
                return plan, self._run(job, plan.steps, echo).skipped
            except Stale:
                echo("  the node's journals changed meanwhile: planning again")
        raise Busy("the node's repair journals keep changing: another halint is repairing this node")

    def finish(self, journal: Journal, echo: Echo) -> Outcome:
        """Finish the interrupted repair of ``journal`` (the steps it does not say are over)."""
        def job(view: JournalView) -> _Job:
            work = [(i, i in view.begun, s) for i, s in enumerate(view.steps) if i not in view.done and i not in view.skipped]
            return _Job("forward", journal.name, work, self.fingerprint())

        return self._again(journal, job, interrupted, echo)

    def undo(self, journal: Journal, echo: Echo) -> Outcome:
        """Revert every step of ``journal`` that began, newest first, then its directory times."""
        def job(view: JournalView) -> _Job:
            todo = sorted(view.begun - view.reverted - set(view.skipped), reverse=True)
            return _Job("undo", journal.name, [(i, True, view.steps[i]) for i in todo], self.fingerprint(),
                        undo_begun="undo" in view.flags, dir_times=view.header.get("dir_times", {}))

        return self._again(journal, job, last_undoable, echo)

    def _again(self, journal: Journal, job: Callable[[JournalView], _Job], chosen: Callable, echo: Echo) -> Outcome:
        """Run ``job`` of ``journal``; when the journals changed before the lock was taken (e.g.
        the script of a killed halint was still ending its step), read them again, as long as
        ``journal`` is still the one to work on."""
        for attempt in range(ATTEMPTS):
            if attempt:
                self.root.forget()
                again = chosen(self.root)
                if again is None or again.name != journal.name:
                    break
            view = journal.read()
            try:
                return self._run(job(view), view.steps, echo)
            except Stale:
                continue
        raise Busy("another halint changed this node's repair journals meanwhile; run the command again")

    # -- helpers ----------------------------------------------------------------------------------
    def _journal_name(self, repair_id: str) -> str:
        taken = {j.id for j in journals(self.root)}
        name, n = repair_id, 1
        while name in taken:
            n += 1
            name = f"{repair_id}-{n}"
        return name

    def fingerprint(self) -> str:
        """NAME:SIZE of every journal, as the listing the plan was made from saw them (links.sh
        compares it with what it finds once it holds the lock)."""
        seen = []
        for name in sorted(n for n in self.root.listdir(STATE_DIR) if n.endswith(SUFFIX)):
            path = f"{STATE_DIR}/{name}"
            read = self.root.answers.files.get(path)  # a journal read: its size is what was read
            st = self.root.lstat(path)
            if read is not None or st is not None:
                seen.append(f"{name}:{len(read) if read is not None else st.st_size}")
        return " ".join(seen) or "none"

    def script(self, job: _Job) -> str:
        from elastix_halint.remote import scripts

        q = shlex.quote
        work = [f"    lk_do {i} {int(begun)} {step.op} {' '.join(q(a) for a in step_args(step))}" for i, begun, step in job.work]
        times = [f"    lk_dirtime {q(d)} {_seconds(a)} {_seconds(m)}" for d, (a, m) in job.dir_times.items()]
        data = [
            f"lk_root={q(self.root.root.rstrip('/'))}",
            f"lk_mode={job.mode}",
            f"lk_name={q(job.name)}",
            f"lk_header={q(_json(job.header)) if job.header else ''}",
            f"lk_seen={q(job.seen)}",
            f"lk_delay={q(self.delay)}",
            f"lk_wait={int(self.lock_wait * 10)}",
            f"lk_undo_begun={'1' if job.undo_begun else ''}",
            f"lk_replan_if_new_state={'1' if job.replan_if_new_state else ''}",
            "lk_work() {", *work, "    :", "}",
            "lk_dirtimes() {", *times, "    :", "}",
            "lk_main </dev/null",
        ]
        return scripts.script("links") + "\n" + "\n".join(data) + "\n"

    def _run(self, job: _Job, steps: list[Step], echo: Echo) -> Outcome:
        from elastix_halint.remote import frames
        from elastix_halint.remote.errors import RemoteError
        from elastix_halint.remote.shell import abandon

        text = self.script(job)
        shell = self.root.shell
        outcome, status, message, changed = Outcome(journal=job.name), None, None, None
        proc = shell.popen_script(text)
        try:
            for frame in frames.read_frames(proc.stdout, "links"):
                index = int(frame.info) if frame.info.isdigit() else None
                if frame.tag == "D":
                    echo(f"  done: {steps[index].describe()}")
                elif frame.tag == "R":
                    echo(f"  undone: {steps[index].describe()}")
                elif frame.tag == "S":
                    outcome.skipped[index] = frame.text
                    echo(f"  skip: {steps[index].describe()} ({'conflict' if frame.text.startswith('conflict') else frame.text})")
                elif frame.tag == "E":
                    message = frame.text
                elif frame.tag == "N":
                    changed = steps[index]
                elif frame.tag == "Z":
                    status = int(frame.info)
        except frames.StreamError:
            status = None
        except BaseException:  # Ctrl-C, SIGTERM: the node's script stops at its next write
            abandon(proc)
            self.root.forget()
            raise
        proc.stdout.close()
        err = proc.stderr.read() if proc.stderr else b""
        rc = proc.wait()
        self.root.forget()
        if status is None:
            try:
                shell.check(rc, err)
            except RemoteError as exc:
                raise RemoteError(f"{exc}; {_what_next(job.mode)}") from None
            said = err.decode("utf-8", "replace").strip().splitlines()
            raise RemoteError(f"{shell.label}: the repair script stopped before its end"
                              + (f" ({said[-1]})" if said else f" (exit status {rc})")
                              + f"; {_what_next(job.mode)}")
        if status == 0:
            return outcome
        if status == 4:
            raise Stale(message)
        if status == 5:
            raise Busy(message or "another halint links repair or undo is running on this node")
        if changed is not None:
            raise StepError(f"cannot {changed.describe()}: the tree changed since the plan was made; run `halint links undo`")
        raise StepError(message or f"the repair script failed (status {status})")


def _what_next(mode: str) -> str:
    """After a cut: every step is done or not, and the node's journal says which."""
    if mode == "undo":
        return "the node's journal keeps what was undone: run `halint links undo` again to finish"
    return ("the node's journal keeps what was done: run `halint links repair --apply` again to finish, "
            "or `halint links undo` to roll back")


def _json(header: dict) -> str:
    import json

    return json.dumps(header, sort_keys=True)
