"""``/proc/partitions``: device sizes in 1 KiB blocks."""

from __future__ import annotations

from elastix_halint.model.facts import Partition, PartitionTable
from elastix_halint.parsing.facts._lines import load_with, parse_lines, result, token_span, unique
from elastix_halint.source import SourceFile

KIND = "partitions"
GRAMMAR = "facts_partitions.lark"


def sniff(text: str) -> bool:
    return text.lstrip().startswith("major") and "#blocks" in text.split("\n", 1)[0]


def parse(source: SourceFile):
    diags: list = []
    parts = []
    for line in parse_lines(source, GRAMMAR, "a /proc/partitions line ('major minor #blocks name')", diags):
        if line.tree.data == "partition_line":
            _major, _minor, blocks, name = line.tree.children[:4]
            parts.append(Partition(str(name), int(blocks) * 1024, token_span(source.path, line.number, name)))
    parts = unique(parts, lambda p: p.name, "partition", diags)
    return result(KIND, source, PartitionTable("partitions", tuple(parts)), diags)


def load(path: str, display: str | None = None):
    return load_with(parse, path, display)
