"""``--format text``: problems grouped by file, each with its source line and a caret (secrets
redacted), the hint, and a summary line. Colour only on a terminal without NO_COLOR; elsewhere
plain lines, without loading Rich (report/styled.py)."""

from __future__ import annotations

from itertools import groupby

from elastix_halint.report.common import physical_path, run_secrets, source_line, summary_line
from elastix_halint.report.frames import SEVERITY_STYLE, detail_lines
from elastix_halint.report.styled import Lines


def _heading(path: str | None, node: str | None) -> str:
    if path is None:
        return f"node {node}" if node else "cluster"
    return f"{path} (node {node})" if node and node not in path.split("/") else path


def render(run, settings, fixed: int = 0, verbose: bool = False, out: Lines | None = None) -> None:
    out = out or Lines()
    for warning in run.warnings:
        out.line(("warning", "yellow"), f": {warning}")
    known = run_secrets(run)
    located: dict = {}  # (path, id of its sources table) -> where it is on this disk

    def key(p):
        where = located.get((p.path, id(p.sources)))
        if where is None:
            where = located[(p.path, id(p.sources))] = physical_path(p.path, p.sources) or ""
        return where, p.node or ""

    for (path, node), group in groupby(sorted(run.problems, key=lambda p: (key(p), p.sort_key())), key=key):
        out.line((_heading(path or None, node or None), "bold"))
        for p in group:
            where = f"{p.span.line}:{p.span.column}: " if p.span else ""
            out.line(f"  {where}", (str(p.severity), SEVERITY_STYLE[p.severity]), " ", (p.rule_id, "bold"),
                     f" {p.message} ", (f"({p.rule_name})", "dim"))
            line, kind = source_line(p.span, p.sources) or (None, None)
            for row, _style in detail_lines(line, p.span, kind, p.suggestion, p.hint, known=known):
                out.line(row)
            for span in p.related:
                out.line(f"    see also: {span}")
            if p.fix is not None:
                out.line("    ", (f"fixable with --fix: {p.fix.replacement!r}", "dim"))
    if verbose:
        for rule_id, where, missing in run.skipped:
            out.line((f"skipped {rule_id} on {where}: missing {missing}", "dim"))
    out.line(summary_line(run, fixed))
    out.flush()
