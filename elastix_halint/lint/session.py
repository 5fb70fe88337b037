"""One ``halint lint`` invocation: settings, engine, inputs, fixes, report, exit code."""

from __future__ import annotations

import os
import sys

from elastix_halint.errors import UsageError
from elastix_halint.lint.config import Settings, check_fail_on, find_config, load_settings
from elastix_halint.model.record import Mutable, field

FORMATS = ("auto", "text", "json", "sarif", "github")


class LintOptions(Mutable):
    paths: list[str]
    root: str | None = None
    peer: str | None = None
    fmt: str = "auto"
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_on: str | None = None
    fix: bool = False
    diff: bool = False
    verbose: bool = False
    config: str | None = None
    files: bool = False
    jobs: int | None = None  # worker processes for many clusters (None: one per CPU)
    config_from: str | None = None  # where to look for the settings file (default: the first path)


def split_refs(values: list[str] | None) -> list[str]:
    return [part.strip() for v in values or () for part in v.split(",") if part.strip()]


def effective_format(fmt: str) -> str:
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if fmt == "auto":
        return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    return fmt


def settings_for(opts: LintOptions) -> Settings:
    if opts.config is not None and not os.path.isfile(opts.config):
        raise UsageError("no such configuration file", opts.config)
    path = opts.config or find_config(opts.config_from or (opts.paths[0] if opts.paths else opts.root or os.getcwd()))
    settings = load_settings(path)
    if opts.select:
        settings.select = split_refs(opts.select)
    settings.ignore = settings.ignore + split_refs(opts.ignore)
    if opts.fail_on is not None:
        settings.fail_on = check_fail_on(opts.fail_on)
    return settings


def lint_all(opts: LintOptions, settings: Settings, registry):
    from elastix_halint.lint.engine import Engine, LintRun
    from elastix_halint.lint.inputs import cluster_loaders
    from elastix_halint.lint.parallel import default_jobs, lint_clusters
    from elastix_halint.lint.problem import Problem

    engine = Engine(registry, settings)
    total = LintRun(warnings=list(registry.warnings))
    loads = cluster_loaders(opts.paths, opts.root, opts.peer, opts.files)
    for run in lint_clusters(engine, loads, opts.jobs or default_jobs()):
        total.extend(run)
    total.problems.sort(key=Problem.sort_key)
    return total


def exit_code(run, settings: Settings) -> int:
    threshold = settings.fail_threshold
    failed = threshold is not None and any(p.severity >= threshold for p in run.problems)
    return 1 if failed else 0


def _judge_early(opts: LintOptions) -> None:
    """A large drbd.conf given alone: drbdadm's verdicts on it are worked out from now on, by a
    child forked before the rules load, which the parse takes (parsing/drbdadm/ahead.py)."""
    if opts.files or opts.root or opts.peer or len(opts.paths) != 1 or not os.path.isfile(opts.paths[0]):
        return
    from elastix_halint.errors import HalintError
    from elastix_halint.loader import file_kind
    from elastix_halint.parsing.drbdadm import ahead

    path = opts.paths[0]
    try:
        if file_kind(path) != "drbd":
            return
    except HalintError:  # the load says so in its turn
        return
    ahead.prestart(path, path)  # shown and included as loader.load_files reads it


def run_lint(opts: LintOptions) -> int:
    from elastix_halint.lint.registry import load_registry

    if not opts.paths and not opts.root:
        raise UsageError("give at least one PATH (or --root) to lint")
    if opts.fix and opts.diff:
        raise UsageError("--fix and --diff cannot be combined (--diff shows what --fix would write)")
    fmt = effective_format(opts.fmt)
    settings = settings_for(opts)
    _judge_early(opts)
    try:
        registry = load_registry()
        run = lint_all(opts, settings, registry)
    finally:
        from elastix_halint.parsing.drbdadm import ahead

        ahead.stop_unused()
    fixed = 0
    if opts.fix or opts.diff:
        from elastix_halint.lint.fix import plan_fixes, unified_diff, write_fix

        plans = plan_fixes(run.problems)
        if opts.diff:
            for plan in plans:
                sys.stdout.write(unified_diff(plan))
            return 1 if plans else 0
        done = set()
        for plan in plans:
            write_fix(plan)
            done |= {id(p) for p in plan.fixed}
        fixed = len(done)
        run.problems = [p for p in run.problems if id(p) not in done]
    _render(fmt, run, settings, registry, fixed, opts.verbose)
    return exit_code(run, settings)


def _render(fmt, run, settings, registry, fixed, verbose) -> None:
    if fmt != "text":  # machine formats keep stdout clean; people still see why
        for warning in run.warnings:
            sys.stderr.write(f"halint: warning: {warning}\n")
        for rule_id, where, missing in run.skipped if verbose else ():
            sys.stderr.write(f"halint: skipped {rule_id} on {where}: missing {missing}\n")
    if fmt == "json":
        from elastix_halint.report import lint_json

        lint_json.render(run, settings, fixed)
    elif fmt == "sarif":
        from elastix_halint.report import sarif

        sarif.render(run, registry)
    elif fmt == "github":
        from elastix_halint.report import github

        github.render(run, settings, fixed)
    else:
        from elastix_halint.report import text

        text.render(run, settings, fixed, verbose)
