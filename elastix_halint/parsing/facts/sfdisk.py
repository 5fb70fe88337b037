"""``sfdisk -d DISK``: partition starts and sizes in sectors (512 bytes unless the dump has a
``sector-size:`` header). Empty slots (``size=0``) of old dumps are skipped."""

from __future__ import annotations

from elastix_halint.model.facts import Partition, PartitionTable
from elastix_halint.parsing.facts._lines import load_with, parse_lines, result, token_span, unique, value_error
from elastix_halint.source import SourceFile

KIND = "sfdisk"
GRAMMAR = "facts_sfdisk.lark"
DEFAULT_SECTOR = 512


def sniff(text: str) -> bool:
    head = text.lstrip()
    return head.startswith("# partition table of") or ("unit: sectors" in text and ": start=" in text)


def _device_name(device: str) -> str:
    # /dev/sda3 -> sda3; /dev/cciss/c0d0p1 -> cciss!c0d0p1, as /proc/partitions names it.
    return device.removeprefix("/dev/").replace("/", "!")


def parse(source: SourceFile):
    diags: list = []
    sector = DEFAULT_SECTOR
    rows = []  # (name, sectors, span)
    for line in parse_lines(source, GRAMMAR, "an sfdisk -d line", diags):
        if line.tree.data == "header_line" and str(line.tree.children[0]) == "sector-size":
            value = line.tree.children[1] if len(line.tree.children) > 1 else None
            if value is not None and str(value).isdigit() and int(str(value)) > 0:
                sector = int(str(value))
            else:
                diags.append(value_error(token_span(source.path, line.number, line.tree.children[0]), "sector-size is not a positive number"))
        elif line.tree.data == "partition_line":
            device, *fields = line.tree.children
            values = {str(f.children[0]).lower(): f.children[1] for f in fields if len(f.children) == 2}
            size = values.get("size")
            if size is None or not str(size).isdigit():
                diags.append(value_error(token_span(source.path, line.number, size or device), "partition has no numeric size="))
                continue
            if int(str(size)) > 0:
                rows.append((_device_name(str(device)), int(str(size)), token_span(source.path, line.number, device)))
    # sector-size may come after nothing but headers; apply it to every row.
    parts = [Partition(name, sectors * sector, span) for name, sectors, span in rows]
    parts = unique(parts, lambda p: p.name, "partition", diags)
    return result(KIND, source, PartitionTable("sfdisk", tuple(parts)), diags)


def load(path: str, display: str | None = None):
    return load_with(parse, path, display)
