"""Which parser reads which file: by ``--kind``, by file name, then by content."""

from __future__ import annotations

import fnmatch
import importlib
import os

from elastix_halint.errors import UsageError

# kind -> module under elastix_halint.parsing. Config files first, then captured node facts.
PARSERS: dict[str, str] = {
    "drbd": "drbd",
    "hacf": "hacf",
    "authkeys": "authkeys",
    "haresources": "haresources",
    "hosts": "hosts",
    "partitions": "facts.partitions",
    "lsblk": "facts.lsblk",
    "sfdisk": "facts.sfdisk",
    "procdrbd": "facts.procdrbd",
    "chkconfig": "facts.chkconfig",
    "systemctl": "facts.systemctl",
    "stat": "facts.stat",
    "links": "facts.links",
    "ipaddr": "facts.ipaddr",
    "uname": "facts.uname",
}


def module_for(kind: str):
    try:
        name = PARSERS[kind]
    except KeyError:
        raise UsageError(f"unknown kind {kind!r}; known kinds: {', '.join(PARSERS)}") from None
    return importlib.import_module(f"elastix_halint.parsing.{name}")


# File names that identify each kind, checked before any parser module is imported (importing
# them all just to read their names cost ~100 ms per run). A pattern with a "/" matches the end of
# the path ("drbd.d/*.conf" matches ".../etc/drbd.d/r0.conf"); without one, the base name.
FILENAMES: dict[str, tuple[str, ...]] = {
    "drbd": ("drbd.conf", "global_common.conf", "*.res", "drbd.d/*.conf"),
    "hacf": ("ha.cf", "*.cf"),  # copies of ha.cf are often named after their node (node1.cf)
    "authkeys": ("authkeys",),
    "haresources": ("haresources",),
    "hosts": ("hosts",),
    "partitions": ("proc/partitions",),
    "lsblk": ("lsblk.json",),
    "sfdisk": ("facts/sfdisk", "sfdisk.dump", "*.sfdisk"),
    "procdrbd": ("proc/drbd",),
    "chkconfig": ("facts/chkconfig", "chkconfig.txt"),
    "systemctl": ("facts/systemctl", "list-unit-files.txt"),
    "stat": ("facts/stat",),
    "links": ("facts/links",),
    "ipaddr": ("facts/ip-addr",),
    "uname": ("facts/uname-n", "etc/hostname"),
}


def _name_matches(path: str, patterns: tuple[str, ...]) -> bool:
    norm = path.replace(os.sep, "/")
    base = norm.rsplit("/", 1)[-1]
    for pattern in patterns:
        if "/" in pattern:
            depth = pattern.count("/") + 1
            tail = "/".join(norm.split("/")[-depth:])
            if fnmatch.fnmatchcase(tail, pattern):
                return True
        elif fnmatch.fnmatchcase(base, pattern):
            return True
    return False


def detect(path: str, text: str | None = None) -> str | None:
    """The kind of ``path``: from its name, else (when ``text`` is given) from its content."""
    for kind, patterns in FILENAMES.items():
        if _name_matches(path, patterns):
            return kind
    if text is not None:
        for kind in PARSERS:
            sniff = getattr(module_for(kind), "sniff", None)
            if sniff is not None and sniff(text):
                return kind
    return None
