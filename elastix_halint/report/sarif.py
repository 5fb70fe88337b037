"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning.

Every selected rule is described in ``tool.driver.rules`` from its docstring; results point at
files relative to the ``SRCROOT`` base (the working directory, given in ``originalUriBaseIds``);
a problem that involves the other node lists its file in ``relatedLocations``.
``partialFingerprints`` hash rule + file + the offending text + its occurrence number, never
line numbers, so a finding keeps its identity when lines move.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from urllib.parse import quote

from elastix_halint.report.common import physical_path, quoted_line

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}
INFO_URI = "https://github.com/elastix-halint/elastix-halint"
FINGERPRINT_KEY = "halint/v1"


def _short(text: str, limit: int = 1024) -> str:
    """GitHub rejects descriptions over 1024 characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def rule_descriptor(cls) -> dict:
    doc = cls.doc()
    full = doc.sections.get("What it checks") or doc.summary
    return {
        "id": cls.id,
        "name": cls.name,
        "shortDescription": {"text": _short(doc.summary or cls.name)},
        "fullDescription": {"text": _short(full)},
        "help": {"text": doc.text(), "markdown": doc.markdown()},
        "defaultConfiguration": {"level": LEVEL[str(cls.severity)]},
        "properties": {"tags": ["halint", cls.scope], "scope": cls.scope},
    }


def _placeholder(rule_id: str, name: str, severity) -> dict:
    text = f"{rule_id} ({name})"
    return {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": text},
        "fullDescription": {"text": text},
        "help": {"text": text, "markdown": text},
        "defaultConfiguration": {"level": LEVEL[str(severity)]},
    }


def _location(span, path, sources, srcroot) -> dict | None:
    where = physical_path(path, sources, srcroot)
    if where is None:
        return None
    if os.path.isabs(where):
        artifact = {"uri": Path(where).as_uri()}
    else:
        artifact = {"uri": quote(where), "uriBaseId": "SRCROOT"}
    physical: dict = {"artifactLocation": artifact}
    if span is not None:
        physical["region"] = {
            "startLine": span.line,
            "startColumn": span.column,
            "endLine": span.end_line,
            "endColumn": span.end_column,
        }
    return {"physicalLocation": physical}


def _offending_text(p) -> str:
    line = quoted_line(p.span, p.sources) if p.span else None
    if line is None:
        return p.message
    if p.span.end_line == p.span.line:
        line = line[p.span.column - 1 : p.span.end_column - 1] or line
    return " ".join(line.split())


def render_document(run, registry, srcroot: str | None = None) -> dict:
    from elastix_halint import __version__

    srcroot = os.path.abspath(srcroot or os.getcwd())
    descriptors: list[dict] = []
    index: dict[str, int] = {}
    # Every selected rule is described (also those skipped or silent), plus parser codes seen.
    for rid in sorted({*run.selected, *run.ran, *(p.rule_id for p in run.problems)}):
        cls = registry.rules.get(rid)
        if cls is not None:
            descriptors.append(rule_descriptor(cls))
        else:
            sample = next(p for p in run.problems if p.rule_id == rid)
            descriptors.append(_placeholder(rid, sample.rule_name, sample.severity))
        index[rid] = len(descriptors) - 1
    occurrences: dict[str, int] = {}
    results = []
    for p in run.problems:
        result: dict = {
            "ruleId": p.rule_id,
            "ruleIndex": index[p.rule_id],
            "level": LEVEL[str(p.severity)],
            "message": {"text": p.message + (f" (did you mean '{p.suggestion}'?)" if p.suggestion else "")},
        }
        loc = _location(p.span, p.path, p.sources, srcroot)
        result["locations"] = [loc] if loc else []
        related = []
        for i, span in enumerate(p.related):
            rel = _location(span, span.file, p.sources, srcroot)
            if rel:
                rel["id"] = i
                rel["message"] = {"text": "related location"}
                related.append(rel)
        if related:
            result["relatedLocations"] = related
        where = physical_path(p.path, p.sources, srcroot) or (p.node or "")
        key = hashlib.sha256(f"{p.rule_id}\0{where}\0{_offending_text(p)}".encode()).hexdigest()[:32]
        occurrences[key] = occurrences.get(key, 0) + 1
        result["partialFingerprints"] = {FINGERPRINT_KEY: f"{key}:{occurrences[key]}"}
        if p.hint:
            result["properties"] = {"hint": p.hint}
        results.append(result)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "halint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFO_URI,
                        "rules": descriptors,
                    }
                },
                "originalUriBaseIds": {"SRCROOT": {"uri": _dir_uri(srcroot)}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def _dir_uri(path: str) -> str:
    uri = Path(path).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def render(run, registry, out=None) -> None:
    out = out or sys.stdout
    json.dump(render_document(run, registry), out, indent=2)
    out.write("\n")
