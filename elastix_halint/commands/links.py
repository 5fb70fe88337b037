"""``halint links`` (status table), ``halint links repair`` and ``halint links undo``."""

from __future__ import annotations

import contextlib
import sys
from typing import List, Optional

import typer

from elastix_halint.commands import remote_options as ro
from elastix_halint.shown import count

ROOT_HELP = "The node's root filesystem (a folder holding a copy of one, for tests). Default: /."
LINKS_HELP = "Link map: 'elastix' (the HOWTO's seven paths) or a map FILE."
PENDING_HINT = "`halint links repair --apply` finishes it, `halint links undo` rolls it back"


def _journal_hint_on_os_errors(command):
    """An OSError in the middle of a repair (disk full, permission denied) ends with one line
    that says how to continue; usage and input errors are cli.main's."""
    import functools

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from elastix_halint.errors import HalintError

        try:
            return command(*args, **kwargs)
        except BrokenPipeError:
            raise
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            raise HalintError(f"{exc.strerror or exc}{where}; the journal keeps what was done: {PENDING_HINT}") from None

    return wrapper


def register(app: typer.Typer) -> None:
    links_app = typer.Typer(
        help="Find and mend the replica symlinks an upgrade replaced; with a journal and undo.",
        no_args_is_help=False,
        rich_markup_mode=None,
    )
    links_app.callback(invoke_without_command=True)(_journal_hint_on_os_errors(status_command))
    links_app.command("repair")(_journal_hint_on_os_errors(repair_command))
    links_app.command("undo")(_journal_hint_on_os_errors(undo_command))
    app.add_typer(links_app, name="links")


def _linkmap(links: Optional[str], from_snapshot: Optional[str] = None):
    from elastix_halint.errors import UsageError
    from elastix_halint.noderoot.linkmap import load

    if from_snapshot and links:
        raise UsageError("give --links or --from-snapshot, not both")
    if from_snapshot:
        from elastix_halint.links.snapshotmap import linkmap_from_snapshot

        return linkmap_from_snapshot(from_snapshot)
    return load(links)


@contextlib.contextmanager
def _node(root: Optional[str], ssh: Optional[List[str]], ssh_config: Optional[str], ssh_option: Optional[List[str]]):
    """(the node's root, who carries out plans there): this machine's ``--root`` (default /),
    or the node of ``--ssh DEST[:ROOT]`` over one multiplexed connection."""
    import os

    from elastix_halint.errors import UsageError

    remote = ro.parse(ssh, ssh_config, ssh_option)
    if remote is None:
        from elastix_halint.links.runner import LocalRunner
        from elastix_halint.noderoot.root import NodeRoot

        root = root or "/"
        if not os.path.isdir(root):
            raise UsageError(f"--root {root}: not a directory")
        node = NodeRoot(root)
        yield node, LocalRunner(node)
        return
    if root is not None:
        raise UsageError("give --root or --ssh DEST[:ROOT], not both (the node's root goes after the ':')")
    if len(remote.dests) > 1:
        raise UsageError("halint links works on one node at a time: give one --ssh")
    from elastix_halint.links.noderun import NodeRunner
    from elastix_halint.noderoot.remote import RemoteRoot

    (dest,) = remote.dests
    with remote.connect() as (conn,):
        node = RemoteRoot(dest.root, shell=conn, label=dest.label)
        yield node, NodeRunner(node)


def _stamp() -> str:
    import time

    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())


def status_command(
    ctx: typer.Context,
    root: Optional[str] = typer.Option(None, "--root", metavar="DIR", help=ROOT_HELP),
    ssh: Optional[List[str]] = ro.SSH,
    ssh_config: Optional[str] = ro.SSH_CONFIG,
    ssh_option: Optional[List[str]] = ro.SSH_OPTION,
    links: Optional[str] = typer.Option(None, "--links", metavar="MAP", help=LINKS_HELP),
    fmt: str = typer.Option("text", "--format", "-f", metavar="FORMAT", help="text or json."),
) -> None:
    """Show every expected link's state (exit 1 when any is not ok).

    States: ok, missing, replaced-dir, replaced-file (with size, file count and how many files
    differ from or are absent in the replica), wrong-target, dangling, loop.
    """
    if ctx.invoked_subcommand is not None:
        return
    from elastix_halint.links.journal import interrupted
    from elastix_halint.links.plan import build_plan, prefetch
    from elastix_halint.links.render import echo, status_json, table

    if fmt not in ("text", "json"):
        raise typer.BadParameter("use text or json", param_hint="--format")
    linkmap = _linkmap(links)
    with _node(root, ssh, ssh_config, ssh_option) as (node, _):
        stamp = _stamp()
        prefetch(node, linkmap, stamp)
        pending = interrupted(node)
        plan = build_plan(node, linkmap, stamp, merge_new=True)
    if fmt == "json":
        sys.stdout.write(status_json(root or node.where, plan, linkmap.mount, pending.id if pending else None) + "\n")
    else:
        for line in table(plan.links):
            echo(line)
        if pending:
            echo(f"warning: repair {pending.id} was interrupted: {PENDING_HINT}", err=True)
    raise typer.Exit(0 if all(l.state.ok for l in plan.links) and not pending else 1)


def _finish_interrupted(node, runner, force: bool) -> None:
    from elastix_halint.links.guard import require_safe
    from elastix_halint.links.journal import interrupted
    from elastix_halint.links.render import echo

    pending = interrupted(node)
    if pending is None:
        return
    view = pending.read()
    require_safe(node, view.header["map"]["mount"], force, f"finish interrupted repair {pending.id}")
    if view.status == "repairing":
        echo(f"finishing repair {pending.id}, which was interrupted:")
        runner.finish(pending, echo)
    else:
        echo(f"finishing the undo of repair {pending.id}, which was interrupted:")
        runner.undo(pending, echo)


def repair_command(
    apply: bool = typer.Option(False, "--apply", help="Change the node (default: only print the plan)."),
    merge_new: bool = typer.Option(False, "--merge-new", help="Copy files only the upgraded copy has into the replica."),
    from_snapshot: Optional[str] = typer.Option(None, "--from-snapshot", metavar="ARCHIVE", help="Take the link map from this snapshot's manifest."),
    force: bool = typer.Option(False, "--force", help="Repair even when the replica is not mounted or the node is not DRBD Primary."),
    root: Optional[str] = typer.Option(None, "--root", metavar="DIR", help=ROOT_HELP),
    ssh: Optional[List[str]] = ro.SSH,
    ssh_config: Optional[str] = ro.SSH_CONFIG,
    ssh_option: Optional[List[str]] = ro.SSH_OPTION,
    links: Optional[str] = typer.Option(None, "--links", metavar="MAP", help=LINKS_HELP),
) -> None:
    """Mend the links (dry run unless --apply): move replaced copies aside, merge, relink.

    Nothing is deleted or overwritten; every action is journalled first, so `halint links undo`
    can put the tree back and an interrupted repair is finished by the next run.
    Exit 0 when every link is ok afterwards (dry run: nothing to do), 1 otherwise or on conflicts.
    """
    from elastix_halint.links.guard import SNAPSHOT_DIR, snapshot_hint
    from elastix_halint.links.journal import interrupted
    from elastix_halint.links.plan import build_plan, prefetch
    from elastix_halint.links.render import echo, plan_lines

    linkmap = _linkmap(links, from_snapshot)
    with _node(root, ssh, ssh_config, ssh_option) as (node, runner):
        stamp = _stamp()
        prefetch(node, linkmap, stamp, dirs=(SNAPSHOT_DIR,))
        if apply:
            _finish_interrupted(node, runner, force)
        elif interrupted(node):
            echo(f"repair {interrupted(node).id} was interrupted: {PENDING_HINT}")
            raise typer.Exit(1)
        plan = build_plan(node, linkmap, stamp, merge_new)
        for line in plan_lines(plan):
            echo(line)
        hint = snapshot_hint(node, plan, ssh[0] if ssh else None)
        if hint:
            echo(f"warning: {hint}", err=True)
        code = _apply(node, runner, linkmap, plan, merge_new, force) if apply else _dry_run(node, linkmap, plan, force)
    raise typer.Exit(code)


def _dry_run(node, linkmap, plan, force: bool) -> int:
    from elastix_halint.links.guard import refusals
    from elastix_halint.links.render import echo

    if plan.steps and not force:
        for reason in refusals(node, linkmap.mount):
            echo(f"note: --apply will refuse: {reason}")
    echo("dry run: nothing was changed (add --apply to repair)")
    return 1 if any(not l.state.ok for l in plan.links) else 0


def _apply(node, runner, linkmap, plan, merge_new: bool, force: bool) -> int:
    from elastix_halint.links.guard import require_safe
    from elastix_halint.links.plan import build_plan
    from elastix_halint.links.render import echo
    from elastix_halint.links.state import link_states

    skipped: dict[int, str] = {}
    if plan.steps:
        require_safe(node, linkmap.mount, force, "repair links")
        plan, skipped = runner.repair(
            plan,
            lambda: build_plan(node, linkmap, plan.repair_id, merge_new),
            lambda made: made.header(node, linkmap, merge_new),
            echo,
        )
    conflicts = sum(len(l.conflicts) for l in plan.links)
    conflicts += sum(1 for why in skipped.values() if why.startswith("conflict"))
    bad = [s for s in link_states(node, linkmap.links) if not s.ok]
    for state in bad:
        echo(f"still {state.status}: {state.path} ({state.detail})")
    if conflicts:
        echo(f"{count(conflicts, 'conflict')}: the upgraded versions stay in the moved-aside copies")
    return 0 if not bad and not conflicts else 1


def undo_command(
    force: bool = typer.Option(False, "--force", help="Undo even when the replica is not mounted or the node is not DRBD Primary."),
    root: Optional[str] = typer.Option(None, "--root", metavar="DIR", help=ROOT_HELP),
    ssh: Optional[List[str]] = ro.SSH,
    ssh_config: Optional[str] = ro.SSH_CONFIG,
    ssh_option: Optional[List[str]] = ro.SSH_OPTION,
) -> None:
    """Put the tree back exactly as it was before the last repair (or roll back an interrupted one)."""
    from elastix_halint.links.guard import require_safe
    from elastix_halint.links.journal import STATE_DIR, last_undoable
    from elastix_halint.links.render import echo

    with _node(root, ssh, ssh_config, ssh_option) as (node, runner):
        node.prefetch(dirs=(STATE_DIR,), reads=("/proc/mounts", "/proc/drbd"))
        journal = last_undoable(node)
        if journal is None:
            echo("nothing to undo")
            raise typer.Exit(0)
        view = journal.read()
        require_safe(node, view.header["map"]["mount"], force, f"undo repair {journal.id}")
        echo(f"undoing repair {journal.id}:")
        runner.undo(journal, echo)
    echo(f"repair {journal.id} undone")
    raise typer.Exit(0)
