"""Human rendering of ``halint parse``: each file's status, its diagnostics with a code frame,
and a short summary of its model."""

from __future__ import annotations

from rich.markup import escape

from elastix_halint.report.frames import SEVERITY_STYLE, detail_lines, make_console


def print_outcomes(outcomes, redact: bool) -> None:
    from elastix_halint.parsing.run import known_secrets

    console = make_console()
    known = known_secrets(outcomes)
    for o in outcomes:
        if o.error:
            console.print(f"[bold red]error[/]: {escape(o.error)}")
            continue
        r = o.result
        sources = {s.path: s for s in r.all_sources()}
        status = "[green]ok[/]" if r.ok else "[bold red]errors[/]"
        console.print(f"[bold]{escape(o.path)}[/] ({o.kind}): {status}")
        for w in r.source.warnings:
            console.print(f"  [yellow]warning[/]: {escape(o.path)}: {escape(w)}")
        for d in r.diagnostics:
            style = SEVERITY_STYLE[d.severity]
            where = f"{d.span}: " if d.span else ""
            console.print(f"  {escape(where)}[{style}]{d.severity}[/]: {escape(d.message)} [dim]\\[{d.code}][/]")
            line = sources[d.span.file].line(d.span.line) if d.span and d.span.file in sources else None
            for row, _style in detail_lines(line, d.span, r.kind, d.suggestion, d.hint, redact, known=known):
                console.print(row, markup=False)
        summary = getattr(r.model, "summary", None)
        if callable(summary):
            for line in summary(redact=redact):
                console.print(f"  {line}", markup=False)
