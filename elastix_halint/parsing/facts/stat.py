"""``stat -c '%a %U %G %n' PATH...``: permission bits, owner, group and path of each file."""

from __future__ import annotations

from elastix_halint.model.facts import StatEntry, StatListing
from elastix_halint.parsing.facts._lines import load_with, missing_path, parse_lines, result, token_span, unique
from elastix_halint.source import SourceFile

KIND = "stat"
GRAMMAR = "facts_stat.lark"


def sniff(text: str) -> bool:
    import re

    first = text.lstrip().split("\n", 1)[0]
    return bool(re.fullmatch(r"[0-7]{3,4} \S+ \S+ /.*", first))


def parse(source: SourceFile):
    diags: list = []
    entries, missing = [], []
    for line in parse_lines(source, GRAMMAR, "a stat -c '%a %U %G %n' line", diags):
        if line.tree.data == "missing_line":
            missing.append(missing_path(str(line.tree.children[0])))
            continue
        mode, owner, group, path = line.tree.children
        entries.append(StatEntry(str(path).rstrip(), int(str(mode), 8), str(owner), str(group), token_span(source.path, line.number, path)))
    entries = unique(entries, lambda e: e.path, "path", diags)
    return result(KIND, source, StatListing(tuple(entries), tuple(m for m in missing if m)), diags)


def load(path: str, display: str | None = None):
    return load_with(parse, path, display)
