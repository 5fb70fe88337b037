"""Text and JSON output of ``halint links`` and ``halint links repair`` (no Rich needed)."""

from __future__ import annotations

import json
import sys

from elastix_halint.links.plan import LinkRepair, RepairPlan
from elastix_halint.shown import count, printable


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def detail(link: LinkRepair) -> str:
    if link.comparison is None:
        return link.state.detail
    c = link.comparison
    return (
        f"{count(c.files, 'file')}, {human_size(c.size)}; {len(c.differ)} differ from the replica, "
        f"{len(c.absent)} absent from it"
    )


def table(links: list[LinkRepair]) -> list[str]:
    rows = [("PATH", "STATE", "DETAIL")] + [(printable(l.state.path), l.state.status, printable(detail(l))) for l in links]
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    return [f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]}".rstrip() for r in rows]


def status_json(root: str, plan: RepairPlan, mount: str, interrupted: str | None) -> str:
    links = []
    for link in plan.links:
        entry = link.state.to_json()
        entry["replaced"] = link.comparison.summary() if link.comparison else None
        links.append(entry)
    doc = {
        "root": root,
        "mount": mount,
        "links": links,
        "not_ok": sum(1 for l in plan.links if not l.state.ok),
        "interrupted": interrupted,
    }
    return json.dumps(doc, indent=2)


def plan_lines(plan: RepairPlan) -> list[str]:
    lines = []
    for link in plan.links:
        if link.state.ok:
            continue
        lines.append(f"{link.state.path}: {link.state.status} ({detail(link)})")
        lines += [f"  {step.describe()}" for step in link.steps]
        lines += [f"  conflict: {c} differs from the replica; the upgraded version stays there" for c in link.conflicts]
        lines += [f"  note: {n}" for n in link.notes]
    return lines or ["every link is ok: nothing to repair"]


def echo(line: str = "", err: bool = False) -> None:
    """One human line (names made printable: elastix_halint.shown)."""
    stream = sys.stderr if err else sys.stdout
    stream.write(printable(line) + "\n")
