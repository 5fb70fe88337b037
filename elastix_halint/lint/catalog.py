"""``halint rules`` and ``halint explain``: the registry for people and scripts."""

from __future__ import annotations

import json
import sys

from elastix_halint.errors import UsageError
from elastix_halint.lint.registry import load_registry


def rule_json(cls) -> dict:
    doc = cls.doc()
    return {
        "id": cls.id,
        "name": cls.name,
        "severity": str(cls.severity),
        "scope": cls.scope,
        "kinds": list(cls.kinds),
        "needs": list(cls.needs),
        "summary": doc.summary,
    }


def print_rules(fmt: str, out=None) -> None:
    out = out or sys.stdout
    registry = load_registry()
    for warning in registry.warnings:
        sys.stderr.write(f"halint: warning: {warning}\n")
    rows = [rule_json(cls) for cls in registry.rules.values()]
    if fmt == "json":
        json.dump(rows, out, indent=2)
        out.write("\n")
        return
    if fmt != "text":
        raise UsageError(f"--format must be text or json, not {fmt!r}")
    header = {"id": "ID", "severity": "SEVERITY", "scope": "SCOPE", "name": "NAME"}
    cols = list(header)
    widths = {c: max(len(header[c]), *(len(str(r[c])) for r in rows)) if rows else len(header[c]) for c in cols}
    for row in [header, *rows]:
        out.write("  ".join(str(row[c]).ljust(widths[c]) for c in cols).rstrip() + "\n")
    out.write(f"{len(rows)} rules\n")


def explain(ref: str, out=None) -> None:
    import difflib

    out = out or sys.stdout
    registry = load_registry()
    cls = registry.get(ref)
    if cls is None:
        known = [*registry.rules, *(c.name for c in registry.rules.values())]
        close = difflib.get_close_matches(ref.strip().upper(), list(registry.rules), n=1) or difflib.get_close_matches(
            ref.strip().lower(), known, n=1
        )
        hint = f"; did you mean {close[0]}?" if close else " (see `halint rules`)"
        raise UsageError(f"no rule {ref!r}{hint}")
    out.write(f"{cls.id} {cls.name} ({cls.severity}, {cls.scope} scope)\n\n")
    out.write(cls.doc().markdown())
