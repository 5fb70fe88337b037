"""``lsblk -b -J``: JSON, read with the json module (sizes in bytes, as numbers or strings
depending on the util-linux version; ``children`` nest partitions under disks)."""

from __future__ import annotations

import json
import re

from elastix_halint.diagnostics import SYNTAX_ERROR, Diagnostic, Severity
from elastix_halint.model.facts import Partition, PartitionTable
from elastix_halint.model.span import Span
from elastix_halint.parsing.facts._lines import load_with, result, unique, value_error
from elastix_halint.source import SourceFile

KIND = "lsblk"


def sniff(text: str) -> bool:
    return text.lstrip().startswith("{") and '"blockdevices"' in text


def _name_spans(source: SourceFile):
    """Span of each ``"name": "X"`` in file order (JSON itself keeps no positions)."""
    for number, text in enumerate(source.text.splitlines(), 1):
        for m in re.finditer(r'"(?:name|kname)"\s*:\s*"([^"]*)"', text):
            if m.group(0).startswith('"name"'):
                yield m.group(1), Span(source.path, number, m.start(1) + 1, number, m.end(1) + 1)


def _walk(devices, out: list) -> None:
    for dev in devices or ():
        if isinstance(dev, dict):
            out.append(dev)
            _walk(dev.get("children"), out)


def parse(source: SourceFile):
    diags: list = []
    try:
        data = json.loads(source.text) if source.text.strip() else {"blockdevices": []}
    except json.JSONDecodeError as exc:
        span = Span.point(source.path, exc.lineno, exc.colno)
        diags.append(Diagnostic(SYNTAX_ERROR, Severity.ERROR, f"not valid JSON: {exc.msg}", span))
        return result(KIND, source, None, diags)
    if not isinstance(data, dict) or not isinstance(data.get("blockdevices"), list):
        diags.append(value_error(Span.point(source.path, 1), "no 'blockdevices' list: this is not lsblk -J output"))
        return result(KIND, source, None, diags)
    devices: list[dict] = []
    _walk(data["blockdevices"], devices)
    spans = list(_name_spans(source))
    parts = []
    for dev in devices:
        name = str(dev.get("name", ""))
        span = next((s for n, s in spans if n == name), Span.point(source.path, 1))
        spans = [(n, s) for n, s in spans if s is not span]
        size = dev.get("size")
        if isinstance(size, str) and size.isdigit():
            size = int(size)
        if not name or not isinstance(size, int) or isinstance(size, bool):
            diags.append(value_error(span, f"device {name or '?'} has no size in bytes", hint="capture with 'lsblk -b -J'"))
            continue
        parts.append(Partition(name, size, span))
    parts = unique(parts, lambda p: p.name, "device", diags)
    return result(KIND, source, PartitionTable("lsblk", tuple(parts)), diags)


def load(path: str, display: str | None = None):
    return load_with(parse, path, display)
