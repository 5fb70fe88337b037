"""``halint lint --format json``: a stable document (schema in docs/json-lint.md).

Imports neither Rich nor Typer. Source text is never included: problems carry spans, and
messages are written by rules that never quote secrets.
"""

from __future__ import annotations

import sys

from elastix_halint import jsontext
from elastix_halint.report.common import counts, physical_path

SCHEMA_VERSION = 2  # 2: compact spans [line, column, end_line, end_column(, file)]


def document(run, settings, fixed: int = 0) -> dict:
    from elastix_halint import __version__

    problems = []
    for p in run.problems:
        item = p.to_json()
        item["location"] = physical_path(p.path, p.sources)
        problems.append(item)
    threshold = settings.fail_threshold
    return {
        "schema": SCHEMA_VERSION,
        "tool": {"name": "halint", "version": __version__},
        "summary": {
            "problems": len(run.problems),
            **counts(run.problems),
            "fixable": sum(1 for p in run.problems if p.fix is not None),
            "fixed": fixed,
            "suppressed": run.suppressed,
            "fail_on": settings.fail_on,
            "failed": threshold is not None and any(p.severity >= threshold for p in run.problems),
        },
        "problems": problems,
        "skipped": [{"rule": r, "where": w, "missing": m.split(", ")} for r, w, m in run.skipped],
        "warnings": list(run.warnings),
    }


def render(run, settings, fixed: int = 0, out=None) -> None:
    out = out or sys.stdout
    # One write (json.dump() would write each of the many indented chunks on its own), built by
    # the faster indented writer.
    out.write(jsontext.dumps(document(run, settings, fixed)) + "\n")
