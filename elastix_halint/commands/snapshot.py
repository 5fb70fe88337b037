"""``halint snapshot | verify | show | diff | restore``: pre-upgrade snapshots (docs/snapshot.md).

Exit codes: 0 done / clean, 1 verify found bad members or diff found changes, 2 refused or
failed (nothing left under a final name), 3 another snapshot/restore holds the lock.
"""

from __future__ import annotations

import sys
from typing import List, Optional

import typer

from elastix_halint.commands import remote_options as ro
from elastix_halint.shown import printable


def register(app: typer.Typer) -> None:
    for name, command in (("snapshot", snapshot_command), ("verify", verify_command), ("show", show_command),
                          ("diff", diff_command), ("restore", restore_command)):
        app.command(name)(_exit_codes(command))


def _exit_codes(command):
    """Report HalintError here with its own exit code (3 for a held lock), one line, no traceback.

    cli.main does the same, but doing it here keeps these commands' contract independent of it.
    """
    import functools

    from elastix_halint.errors import HalintError

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except HalintError as exc:
            _warn(f"halint: error: {exc}")
            return exc.exit_code
        except BrokenPipeError:  # the reader went away (`halint show | head`): cli.main's business
            raise
        except OSError as exc:  # e.g. a read-only or full target while restoring
            _warn(f"halint: error: {exc.filename or ''}: {exc.strerror or exc}")
            return 2
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # A manifest is untrusted input: odd shapes must end in one line, not a traceback.
            import os

            if os.environ.get("HALINT_DEBUG"):
                raise
            _warn(f"halint: error: malformed snapshot or input ({type(exc).__name__}: {exc})")
            return 2

    return wrapper


def _say(line: str) -> None:
    sys.stdout.write(printable(line) + "\n")


def _warn(message: str) -> None:
    sys.stderr.write(printable(message) + "\n")


ROOT_HELP = "The node's root directory (a copy of a node for tests)."


def _one_node(ssh, ssh_config, ssh_option, root: str):
    """The parsed --ssh of a command that acts on one node (None without --ssh)."""
    from elastix_halint.errors import UsageError

    remote = ro.parse(ssh, ssh_config, ssh_option)
    if remote is None:
        return None
    if len(remote.dests) != 1:
        raise UsageError("give one --ssh DEST: this command acts on one node")
    if root != "/":
        raise UsageError("--root is for this machine; give a remote root as --ssh node:/ROOT")
    return remote


def _connected(remote, open_now: bool = True):
    """Context manager: the one node's open connection (``open_now=False``: logging in, see
    ``Remote.connect``)."""
    import contextlib

    @contextlib.contextmanager
    def one():
        with remote.connect(open_now) as conns:
            yield conns[0]

    return one()


def snapshot_command(
    root: str = typer.Option("/", "--root", help=ROOT_HELP),
    replica: Optional[str] = typer.Option(None, "--replica", help="Replica mount (default: the link map's, /replica)."),
    links: Optional[str] = typer.Option(None, "--links", help="'elastix' (the HOWTO's map) or a link-map FILE."),
    out: Optional[str] = typer.Option(None, "--out", help="Directory for the archive (default <root>/var/backups/halint)."),
    compress: str = typer.Option("zstd", "--compress", help="zstd, gzip or none."),
    exclude: List[str] = typer.Option([], "--exclude", help="Glob to leave out; with a '/' it matches the node path, else the name."),
    force: bool = typer.Option(False, "--force", help="Snapshot even if not DRBD Primary, not mounted, services running; keep an incomplete snapshot."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the archive path."),
    ssh: Optional[List[str]] = ro.SSH,
    ssh_config: Optional[str] = ro.SSH_CONFIG,
    ssh_option: Optional[List[str]] = ro.SSH_OPTION,
) -> int:
    """Write one archive of the replicated tree and the symlink map (0600, atomic).

    Over ssh (`--ssh root@node1 --out DIR`) the node runs only sh, find/stat, getfattr and its
    own tar; the archive is the same and is written on this machine.
    """
    from elastix_halint.snapshot.create import SnapshotOptions, snapshot

    remote = _one_node(ssh, ssh_config, ssh_option, root)
    if remote is None:
        outcome = snapshot(SnapshotOptions(root, replica, links, out, compress, tuple(exclude), force, quiet), _warn)
    else:
        from elastix_halint.errors import UsageError
        from elastix_halint.snapshot.remote_snapshot import RemoteNode

        if out is None:
            raise UsageError("--out DIR is required with --ssh: the archive is written on this machine")
        dest = remote.dests[0]
        opts = SnapshotOptions(dest.root, replica, links, out, compress, tuple(exclude), force, quiet)
        with _connected(remote) as conn:
            outcome = snapshot(opts, _warn, node=RemoteNode(conn, dest.root))
    _say(outcome.path)
    if not quiet:
        from elastix_halint.snapshot.show import human

        _warn(f"{outcome.entries} entries, {human(outcome.total_bytes)} of file data")
    return 0


def verify_command(
    archive: str = typer.Argument(..., help="The snapshot archive."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> int:
    """Re-read the whole archive: every digest, and members against the manifest. Exit 1 if bad."""
    from elastix_halint.snapshot.show import human
    from elastix_halint.snapshot.verify import verify

    result = verify(archive, quiet)
    for name, reason in result.bad:
        _say(f"BAD {name}: {reason}")
    if result.snapshot.header.incomplete:
        _say("warning: the snapshot is marked incomplete (files changed while it was taken)")
    state = "OK" if result.ok else f"FAILED ({len(result.bad)} problem(s))"
    _say(f"{state}: {result.members} members, {human(result.checked_bytes)} checked in {archive}")
    return 0 if result.ok else 1


def show_command(
    archive: str = typer.Argument(..., help="The snapshot archive."),
    long: bool = typer.Option(False, "--long", "-l", help="One line per entry."),
) -> int:
    """List what a snapshot holds (read from its manifest)."""
    from elastix_halint.snapshot import archive as archives
    from elastix_halint.snapshot.show import long_line, summary_lines

    snap = archives.load(archive)
    for line in summary_lines(snap):
        _say(line)
    if long:
        for entry in snap.entries:
            _say(long_line(entry))
    return 0


def diff_command(
    archive: str = typer.Argument(..., help="The snapshot archive."),
    root: str = typer.Option("/", "--root", help=ROOT_HELP),
    ssh: Optional[List[str]] = ro.SSH,
    ssh_config: Optional[str] = ro.SSH_CONFIG,
    ssh_option: Optional[List[str]] = ro.SSH_OPTION,
) -> int:
    """What changed on the live tree (here, or on a node with --ssh) since the snapshot. Exit 1 when anything did."""
    from elastix_halint.snapshot import archive as archives
    from elastix_halint.snapshot.diff import diff

    remote = _one_node(ssh, ssh_config, ssh_option, root)
    snap = archives.load(archive)
    if remote is None:
        changes = diff(snap, root)
    else:
        from elastix_halint.snapshot.remote_snapshot import RemoteNode

        with _connected(remote) as conn:
            node = RemoteNode(conn, remote.dests[0].root)
            changes = diff(snap, node.root, node)
        for note in node.notes:
            _warn(f"warning: {note}; xattrs were not compared")
    for path in changes.added:
        _say(f"added     {path}")
    for path in changes.removed:
        _say(f"removed   {path}")
    for label, items in (("modified", changes.content), ("metadata", changes.metadata), ("link", changes.links)):
        for path, what in items:
            _say(f"{label:<9} {path}: {what}")
    if changes.empty:
        _say("no changes since the snapshot")
    return 0 if changes.empty else 1


def restore_command(
    archive: Optional[str] = typer.Argument(None, help="The snapshot archive (not needed with --prune)."),
    root: str = typer.Option("/", "--root", help=ROOT_HELP),
    links: Optional[str] = typer.Option(None, "--links", help="'elastix' or a link-map FILE: the links restore may recreate."),
    only: List[str] = typer.Option([], "--only", help="Restore only this path (a replica path or a link-map path); repeatable."),
    dry_run: bool = typer.Option(False, "--dry-run", "-n", help="Print the plan, change nothing."),
    prune: bool = typer.Option(False, "--prune", help="Delete data moved aside by finished restores."),
    force: bool = typer.Option(False, "--force", help="Restore even if not DRBD Primary, not mounted, services running, or the snapshot is incomplete."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    ssh: Optional[List[str]] = ro.SSH,
    ssh_config: Optional[str] = ro.SSH_CONFIG,
    ssh_option: Optional[List[str]] = ro.SSH_OPTION,
) -> int:
    """Verify, stage and swap a snapshot back in; a rerun completes an interrupted restore.

    With --ssh the archive is checked here (every digest) before anything is sent; the node
    stages, proves and swaps with its own sh, tar and sha256sum/openssl.
    """
    from elastix_halint.snapshot.restore import RestoreOptions, run

    remote = _one_node(ssh, ssh_config, ssh_option, root)
    if remote is None:
        outcome = run(RestoreOptions(archive, root, links, tuple(only), dry_run, prune, force, quiet), _warn)
    else:
        from elastix_halint.snapshot import remote_restore

        opts = RestoreOptions(archive, remote.dests[0].root, links, tuple(only), dry_run, prune, force, quiet)
        outcome = remote_restore.run(opts, lambda: _connected(remote, open_now=False), _warn)
    for line in outcome.lines:
        _say(line)
    for failure in outcome.failures:
        _warn(f"warning: {failure}")
    return 0
