"""The repair journal: one JSON-lines file per repair under ``<root>/var/lib/halint/links/``.

The first line is the whole plan (every step with what it needs to be reversed); then one line
per event, each fsynced before the action it announces: ``begin``/``done``/``skip`` for steps,
``committed`` at the end of a repair, ``undo``/``reverted``/``undone`` for an undo. A journal
without ``committed`` or ``undone`` is an operation a crash interrupted."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import posixpath
import shutil
import time
from dataclasses import dataclass, field

from elastix_halint.errors import HalintError
from elastix_halint.links.steps import Step, fsync_dir, step_from_json
from elastix_halint.noderoot.root import NodeRoot

STATE_DIR = "/var/lib/halint/links"
SUFFIX = ".journal"


def state_dir(root: NodeRoot) -> str:
    return root.path(STATE_DIR)


def _write_line(fh, record: dict) -> None:
    fh.write(json.dumps(record, sort_keys=True) + "\n")
    fh.flush()
    os.fsync(fh.fileno())


@dataclass
class JournalView:
    """A journal read back: the plan and what happened to each step."""

    header: dict
    steps: list[Step]
    begun: set[int] = field(default_factory=set)
    done: set[int] = field(default_factory=set)
    skipped: dict[int, str] = field(default_factory=dict)
    reverted: set[int] = field(default_factory=set)
    flags: set[str] = field(default_factory=set)  # committed, undo, undone

    @property
    def status(self) -> str:
        """``committed``, ``undone``, ``undoing`` (an undo was interrupted) or ``repairing``."""
        for flag, status in (("undone", "undone"), ("undo", "undoing"), ("committed", "committed")):
            if flag in self.flags:
                return status
        return "repairing"

    @property
    def interrupted(self) -> bool:
        return self.status in ("repairing", "undoing")


def parse(text: str) -> JournalView:
    """A journal's text read back (a torn last line, whose action never started, is ignored)."""
    lines = text.splitlines()
    header = json.loads(lines[0])
    view = JournalView(header, [step_from_json(s) for s in header["steps"]])
    for line in lines[1:]:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:  # a torn last line: its action never started
            continue
        event, index = record["event"], record.get("step")
        if event == "begin":
            view.begun.add(index)
        elif event == "done":
            view.done.add(index)
        elif event == "skip":
            view.skipped[index] = record.get("why", "")
        elif event == "reverted":
            view.reverted.add(index)
        else:
            view.flags.add(event)
    return view


class Journal:
    """One repair's journal on a node: ``node_path`` is where the node keeps it."""

    def __init__(self, root: NodeRoot, node_path: str):
        self.root, self.node_path = root, node_path

    @property
    def path(self) -> str:
        """Where the journal is (on this machine for a local root, on the node for a remote one)."""
        return self.root.path(self.node_path)

    @property
    def id(self) -> str:
        return posixpath.basename(self.node_path)[: -len(SUFFIX)]

    @property
    def name(self) -> str:
        return posixpath.basename(self.node_path)

    @classmethod
    def create(cls, root: NodeRoot, repair_id: str, header: dict) -> "Journal":
        directory = state_dir(root)
        os.makedirs(directory, mode=0o700, exist_ok=True)
        for stale in os.listdir(directory):  # a plan whose writing a kill cut short
            if stale.endswith(SUFFIX + ".tmp"):
                os.unlink(os.path.join(directory, stale))
        name, n = repair_id, 1
        while os.path.exists(os.path.join(directory, name + SUFFIX)):
            n += 1
            name = f"{repair_id}-{n}"
        final = os.path.join(directory, name + SUFFIX)
        tmp = final + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            _write_line(fh, {**header, "id": name})
        os.rename(tmp, final)  # the plan appears whole or not at all
        fsync_dir(directory)
        return cls(root, f"{STATE_DIR}/{name}{SUFFIX}")

    def append(self, event: str, index: int | None = None, **extra) -> None:
        record = {"event": event, **extra}
        if index is not None:
            record["step"] = index
        with open(self.path, "a", encoding="utf-8") as fh:
            _write_line(fh, record)

    def text(self) -> str:
        text = self.root.read_text(self.node_path)
        if text is None:
            raise HalintError(f"cannot read the journal {self.path}")
        return text

    def read(self) -> JournalView:
        return parse(self.text())


def _age(name: str) -> tuple[str, int]:
    # "<UTC timestamp>.journal", then "<same>-2.journal" for a second repair in that second.
    stamp, _, n = name[: -len(SUFFIX)].partition("-")
    return stamp, int(n) if n.isdigit() else 1


def journals(root: NodeRoot) -> list[Journal]:
    """Every journal, oldest first (names start with a sortable UTC timestamp)."""
    names = sorted((n for n in root.listdir(STATE_DIR) if n.endswith(SUFFIX)), key=_age)
    return [Journal(root, f"{STATE_DIR}/{n}") for n in names]


def interrupted(root: NodeRoot) -> Journal | None:
    """The newest journal when a crash left its repair or undo unfinished."""
    found = journals(root)
    return found[-1] if found and found[-1].read().interrupted else None


def last_undoable(root: NodeRoot) -> Journal | None:
    """The newest repair not undone yet (undo works back through repairs like a stack)."""
    for journal in reversed(journals(root)):
        if journal.read().status != "undone":
            return journal
    return None


class Busy(HalintError):
    """Another ``halint links repair``/``undo`` is changing this node right now."""


OWNER_DIR = "lock.d"  # also taken by scripts/links.sh, which has no flock: mkdir + owner pid
BUSY = "another `halint links repair` or `undo` is running on this node"


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def _younger_than(path: str, seconds: float) -> bool:
    # An owner folder without a pid is being made, unless its maker died right then.
    try:
        return time.time() - os.stat(path).st_mtime < seconds
    except OSError:
        return False


def _take_owner_dir(directory: str) -> str:
    """The lock a repair run over ssh takes (links.sh: the same protocol): a folder made with
    mkdir holding its owner's pid; a dead owner's folder is taken over."""
    owner = os.path.join(directory, OWNER_DIR)
    for _ in range(3):
        try:
            os.mkdir(owner, 0o700)
        except FileExistsError:
            try:
                with open(os.path.join(owner, "pid"), encoding="ascii", errors="replace") as fh:
                    pid = fh.read().strip()
            except OSError:
                pid = ""
            if (pid and _alive(pid)) or (not pid and _younger_than(owner, 10)):
                raise Busy(BUSY + (f" (pid {pid})" if pid else "")) from None
            stale = f"{owner}.{os.getpid()}"
            os.rename(owner, stale)
            shutil.rmtree(stale, ignore_errors=True)
            continue
        with open(os.path.join(owner, "pid"), "w", encoding="ascii") as fh:
            fh.write(f"{os.getpid()}\n")
        return owner
    raise Busy(BUSY)


@contextlib.contextmanager
def exclusive(root: NodeRoot):
    """Hold the state directory's lock while changing the tree: one repair or undo at a time.
    (The flock dies with its process, so a killed repair never blocks the next one; the owner
    folder shared with repairs run over ssh is taken over when its owner is dead.)"""
    directory = state_dir(root)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd = os.open(os.path.join(directory, "lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(BUSY) from None
        owner = _take_owner_dir(directory)
        try:
            yield
        finally:
            shutil.rmtree(owner, ignore_errors=True)
    finally:
        os.close(fd)
