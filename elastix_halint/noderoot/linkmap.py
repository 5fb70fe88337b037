"""The link map: which paths of a node must be symlinks into the replica mount.

The default is the Elastix HA HOWTO's: seven directories moved into ``/replica`` and replaced
by links at the same paths under it. A map file gives another layout, one link per line::

    # comment
    /etc/asterisk  /replica/etc/asterisk
    /var/www -> /replica/var/www
    mount /replica            (optional; default: the common parent of the targets)
"""

from __future__ import annotations

import os
import posixpath

from elastix_halint.errors import InputError
from elastix_halint.model.record import Record

ELASTIX_PATHS = (
    "/etc/asterisk",
    "/var/lib/asterisk",
    "/usr/lib/asterisk",
    "/var/spool/asterisk",
    "/var/lib/mysql",
    "/var/log/asterisk",
    "/var/www",
)
DEFAULT_MOUNT = "/replica"


class LinkSpec(Record):
    path: str  # absolute path on the node, e.g. /etc/asterisk
    target: str  # absolute link target, e.g. /replica/etc/asterisk

    def to_json(self) -> dict:
        return {"path": self.path, "target": self.target}


class LinkMap(Record):
    mount: str
    links: tuple[LinkSpec, ...]
    name: str = "elastix"

    def to_json(self) -> dict:
        return {"name": self.name, "mount": self.mount, "links": [l.to_json() for l in self.links]}

    @classmethod
    def from_json(cls, data: dict) -> "LinkMap":
        return cls(
            mount=data["mount"],
            links=tuple(LinkSpec(l["path"], l["target"]) for l in data["links"]),
            name=data.get("name", "custom"),
        )


def elastix(mount: str = DEFAULT_MOUNT) -> LinkMap:
    mount = mount.rstrip("/") or "/"
    return LinkMap(mount, tuple(LinkSpec(p, mount + p) for p in ELASTIX_PATHS), "elastix")


def _check_abs(path: str, where: str, line: int) -> str:
    if not path.startswith("/"):
        raise InputError(f"path {path!r} is not absolute", where, line)
    norm = posixpath.normpath(path)
    if ".." in norm.split("/"):
        raise InputError(f"path {path!r} contains '..'", where, line)
    return norm


def parse_map(text: str, where: str) -> LinkMap:
    links: list[LinkSpec] = []
    mount = None
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = [f for f in line.replace("->", " ").split() if f]
        if fields[0] == "mount" and len(fields) == 2:
            mount = _check_abs(fields[1], where, number)
            continue
        if len(fields) != 2:
            raise InputError("expected 'PATH TARGET' (or 'PATH -> TARGET')", where, number)
        path, target = (_check_abs(f, where, number) for f in fields)
        if path in seen:
            raise InputError(f"{path} is listed twice", where, number)
        seen.add(path)
        links.append(LinkSpec(path, target))
    if not links:
        raise InputError("link map lists no links", where)
    if mount is None:
        mount = posixpath.commonpath([l.target for l in links])
        if mount == "/":
            raise InputError("cannot tell the replica mount point; add a line 'mount /replica'", where)
    return LinkMap(mount, tuple(links), os.path.basename(where))


def load(spec: str | None, mount: str = DEFAULT_MOUNT) -> LinkMap:
    """``None`` or ``"elastix"`` → the HOWTO's map under ``mount``; anything else is a map file."""
    if spec in (None, "", "elastix"):
        return elastix(mount)
    from elastix_halint.source import read_source

    return parse_map(read_source(spec).text, spec)
