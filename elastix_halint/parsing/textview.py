"""Human rendering of ``halint parse``: each file's status, its diagnostics with a code frame,
and a short summary of its model (plain lines unless Rich has something to style:
report/styled.py)."""

from __future__ import annotations

from elastix_halint.report.frames import SEVERITY_STYLE, detail_lines
from elastix_halint.report.styled import Lines


def print_outcomes(outcomes, redact: bool, out: Lines | None = None) -> None:
    from elastix_halint.parsing.run import known_secrets

    out = out or Lines()
    known = known_secrets(outcomes)
    for o in outcomes:
        if o.error:
            out.line(("error", "bold red"), f": {o.error}")
            continue
        r = o.result
        sources = {s.path: s for s in r.all_sources()}
        status = ("ok", "green") if r.ok else ("errors", "bold red")
        out.line((o.path, "bold"), f" ({o.kind}): ", status)
        for w in r.source.warnings:
            out.line("  ", ("warning", "yellow"), f": {o.path}: {w}")
        for d in r.diagnostics:
            where = f"{d.span}: " if d.span else ""
            out.line(f"  {where}", (str(d.severity), SEVERITY_STYLE[d.severity]), f": {d.message} ", (f"[{d.code}]", "dim"))
            line = sources[d.span.file].line(d.span.line) if d.span and d.span.file in sources else None
            for row, _style in detail_lines(line, d.span, r.kind, d.suggestion, d.hint, redact, known=known):
                out.line(row)
        summary = getattr(r.model, "summary", None)
        if callable(summary):
            for line in summary(redact=redact):
                out.line(f"  {line}")
    out.flush()
