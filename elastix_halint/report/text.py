"""``--format text``: problems grouped by file, each with its source line and a caret (secrets
redacted), the hint, and a summary line. Colour only on a terminal without NO_COLOR."""

from __future__ import annotations

from itertools import groupby

from elastix_halint.report.common import physical_path, run_secrets, source_line, summary_line
from elastix_halint.report.frames import SEVERITY_STYLE, detail_lines, make_console


def _heading(path: str | None, node: str | None) -> str:
    if path is None:
        return f"node {node}" if node else "cluster"
    return f"{path} (node {node})" if node and node not in path.split("/") else path


def render(run, settings, fixed: int = 0, verbose: bool = False, console=None) -> None:
    from rich.markup import escape

    console = console or make_console()
    for warning in run.warnings:
        console.print(f"[yellow]warning[/]: {escape(warning)}")
    known = run_secrets(run)
    key = lambda p: (physical_path(p.path, p.sources) or "", p.node or "")  # noqa: E731 - a grouping key
    for (path, node), group in groupby(sorted(run.problems, key=lambda p: (key(p), p.sort_key())), key=key):
        console.print(f"[bold]{escape(_heading(path or None, node or None))}[/]")
        for p in group:
            style = SEVERITY_STYLE[p.severity]
            where = f"{p.span.line}:{p.span.column}: " if p.span else ""
            console.print(
                f"  {where}[{style}]{p.severity}[/] [bold]{p.rule_id}[/] {escape(p.message)} [dim]({p.rule_name})[/]"
            )
            line, kind = source_line(p.span, p.sources) or (None, None)
            for row, _style in detail_lines(line, p.span, kind, p.suggestion, p.hint, known=known):
                console.print(row, markup=False)
            for span in p.related:
                console.print(f"    see also: {escape(str(span))}")
            if p.fix is not None:
                console.print(f"    [dim]fixable with --fix: {escape(repr(p.fix.replacement))}[/]")
    if verbose:
        for rule_id, where, missing in run.skipped:
            console.print(f"[dim]skipped {rule_id} on {escape(where)}: missing {escape(missing)}[/]")
    console.print(summary_line(run, fixed))
