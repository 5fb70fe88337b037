"""Which parser reads which file: by ``--kind``, by file name, then by content."""

from __future__ import annotations

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


def _name_matches(path: str, names: tuple[str, ...]) -> bool:
    norm = path.replace(os.sep, "/")
    base = os.path.basename(norm)
    for pattern in names:
        if pattern.startswith("*"):
            if base.endswith(pattern[1:]):
                return True
        elif "/" in pattern:
            if norm.endswith("/" + pattern) or norm == pattern:
                return True
        elif base == pattern:
            return True
    return False


def detect(path: str, text: str | None = None) -> str | None:
    """The kind of ``path``: from its name, else (when ``text`` is given) from its content."""
    modules = [(kind, module_for(kind)) for kind in PARSERS]
    for kind, mod in modules:
        if _name_matches(path, getattr(mod, "FILENAMES", ())):
            return kind
    if text is not None:
        for kind, mod in modules:
            sniff = getattr(mod, "sniff", None)
            if sniff is not None and sniff(text):
                return kind
    return None
