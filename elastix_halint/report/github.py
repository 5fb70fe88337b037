"""``--format github``: workflow commands that GitHub Actions shows as annotations.

``::error file=F,line=L,col=C,endColumn=E,title=ID::message`` — one per problem; the values
are escaped as the Actions runner expects (``%``, CR, LF, and ``:``/``,`` in properties).
"""

from __future__ import annotations

import sys

from elastix_halint.report.common import physical_path, summary_line

LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(p) -> str:
    props = []
    path = physical_path(p.path, p.sources)
    if path:
        props.append(f"file={_prop(path)}")
    s = p.span
    if s:
        props.append(f"line={s.line}")
        if s.end_line != s.line:
            props.append(f"endLine={s.end_line}")
        props.append(f"col={s.column}")
        if s.end_line == s.line:
            props.append(f"endColumn={s.end_column}")
    props.append(f"title={_prop(p.rule_id)}")
    message = p.message + (f" (did you mean '{p.suggestion}'?)" if p.suggestion else "")
    if p.hint:
        message += f"\nhint: {p.hint}"
    return f"::{LEVEL[str(p.severity)]} {','.join(props)}::{_data(message)}"


def render(run, settings, fixed: int = 0, out=None) -> None:
    out = out or sys.stdout
    for p in run.problems:
        out.write(annotation(p) + "\n")
    out.write(summary_line(run, fixed) + "\n")
