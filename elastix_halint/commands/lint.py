"""``halint lint``, ``halint rules`` and ``halint explain``."""

from __future__ import annotations

from elastix_halint.commands import remote_options as ro
from elastix_halint.commands.params import Argument, Option


def register(app: typer.Typer) -> None:
    for name, command in COMMANDS.items():
        app.command(name)(command)


def lint_command(
    paths: list[str] | None = Argument(
        None, help="Bundles (one folder per node), node folders, or config files; default: the current folder.", metavar="[PATH]..."
    ),
    root: str | None = Option(None, "--root", help="Folder laid out like a node's / (the local node)."),
    peer: str | None = Option(None, "--peer", help="The other node's root or bundle."),
    fmt: str = Option("auto", "--format", "-f", help="auto, text, json, sarif or github (auto: github in GitHub Actions, else text)."),
    select: list[str] | None = Option(None, "--select", help="Only these rules (IDs, prefixes such as DRBD2, or names; comma-separated)."),
    ignore: list[str] | None = Option(None, "--ignore", help="Not these rules (IDs, prefixes or names; comma-separated)."),
    fail_on: str | None = Option(None, "--fail-on", help="Lowest severity that makes the exit code 1: error, warning (default), info or never."),
    fix: bool = Option(False, "--fix", help="Apply safe fixes in place (nothing else in the file changes)."),
    diff: bool = Option(False, "--diff", help="Print the safe fixes as a unified diff; write nothing."),
    verbose: bool = Option(False, "--verbose", "-v", help="Also list rules skipped for missing facts."),
    config: str | None = Option(None, "--config", help="Settings file (default: nearest .halint.toml or pyproject.toml [tool.halint])."),
    files: bool = Option(False, "--files", help="Lint each PATH as a loose file on its own (file rules only; for pre-commit)."),
    jobs: str | None = Option(None, "--jobs", "-j", help="Processes that lint many bundles or files at once (default: one per CPU).", metavar="N"),
    ssh: list[str] | None = ro.SSH,
    ssh_config: str | None = ro.SSH_CONFIG,
    ssh_option: list[str] | None = ro.SSH_OPTION,
    keep_bundle: str | None = Option(None, "--keep-bundle", metavar="DIR", help="With --ssh: also write the collected bundle into DIR."),
) -> int:
    """Lint cluster configuration: both nodes' DRBD, Heartbeat and host files and their facts.

    Exit code 0 when nothing at or above --fail-on was found, 1 when something was, 2 for a
    usage or input error.
    """
    from elastix_halint.lint.session import LintOptions, run_lint

    options = dict(fmt=fmt, select=select or [], ignore=ignore or [], fail_on=fail_on, fix=fix, diff=diff, verbose=verbose,
                   config=config, files=files, jobs=_jobs(jobs))
    remote = ro.parse(ssh, ssh_config, ssh_option)
    if remote is None:
        if keep_bundle:
            from elastix_halint.errors import UsageError

            raise UsageError("--keep-bundle keeps what --ssh collects: give --ssh DEST")
        return run_lint(LintOptions(paths=list(paths or ([] if root or peer else ["."])), root=root, peer=peer, **options))
    _check_remote(paths, root, peer, fix, diff, files)
    from elastix_halint.remote.collector import linted_bundle

    with linted_bundle(remote.dests, remote.options, keep_bundle, config) as (path, settings_from, config):
        return run_lint(LintOptions(paths=[path], config_from=settings_from, **{**options, "config": config}))


def _jobs(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        from elastix_halint.commands.params import BadParameter

        raise BadParameter(f"{value!r} is not a whole number of processes (1 or more)", param_hint="--jobs")
    return int(value)


def _check_remote(paths, root, peer, fix, diff, files) -> None:
    from elastix_halint.errors import UsageError

    if paths or root or peer:
        raise UsageError("--ssh gives the nodes: no PATH, --root or --peer with it")
    if fix or diff or files:
        raise UsageError("--fix, --diff and --files work on local files: collect with --keep-bundle DIR, then lint DIR")


def rules_command(
    fmt: str = Option("text", "--format", "-f", help="text or json."),
) -> int:
    """List every installed rule: ID, severity, scope and name."""
    from elastix_halint.lint.catalog import print_rules

    print_rules(fmt)
    return 0


def explain_command(rule: str = Argument(..., help="A rule ID (DRBD111) or name.", metavar="RULE")) -> int:
    """Print a rule's documentation: what it checks, why it matters, an example and the fix."""
    from elastix_halint.lint.catalog import explain

    explain(rule)
    return 0


COMMANDS = {"lint": lint_command, "rules": rules_command, "explain": explain_command}
