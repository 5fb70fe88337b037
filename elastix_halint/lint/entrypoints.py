"""The entry points of one group, read as ``importlib.metadata.entry_points(group=...)`` reads them.

``importlib.metadata`` costs ~30 ms at every start of ``halint lint`` on a small machine: it
imports ``email``, ``zipfile``, ``pathlib``, ``csv``... and parses each distribution's metadata
to learn its name. Installed distributions are nearly always folders named
``NAME-VERSION.dist-info`` (or ``.egg-info``) in a folder on ``sys.path``, with their entry points
in ``entry_points.txt``; for those, this module does the same search by itself: the same
folders in the same order (``''`` is the working directory), the same name normalisation, the
first distribution of a name winning, the same reading of the INI-like file.

Anything it would not see exactly as ``importlib.metadata`` does (a zip file or egg on
``sys.path``, a meta path finder other than the standard one that can find distributions) is
left to ``importlib.metadata`` itself.
"""

from __future__ import annotations

import os
import sys

_SUFFIXES = (".dist-info", ".egg-info")


class EntryPoint:
    __slots__ = ("name", "value", "group")

    def __init__(self, name: str, value: str, group: str):
        self.name, self.value, self.group = name, value, group

    def __repr__(self) -> str:
        return f"EntryPoint(name={self.name!r}, value={self.value!r}, group={self.group!r})"


def _normalize(name: str) -> str:
    """``importlib.metadata.Prepared.normalize``: PEP 503, with dashes as underscores."""
    out, run = [], False
    for ch in name:
        if ch in "-_.":
            if not run:
                out.append("_")
            run = True
        else:
            out.append(ch)
            run = False
    return "".join(out).lower()


def _parse(text: str, group: str) -> list[tuple[str, str]] | None:
    """``name = value`` lines of section ``[group]`` (``importlib.metadata.Sectioned``); None
    for a line it would refuse (no ``=``)."""
    found, section = [], None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
            continue
        if section is not None:
            name, eq, value = line.partition("=")
            if not eq:
                return None
            if section == group:
                found.append((name.strip(), value.strip()))
    return found


def _plain() -> bool:
    """Whether only the standard path finder can find distributions (no zip or egg either)."""
    from importlib.machinery import PathFinder

    for finder in sys.meta_path:
        if finder is not PathFinder and getattr(finder, "find_distributions", None) is not None:
            return False
    return True


def _fast(group: str) -> list[EntryPoint] | None:
    seen: set[str] = set()
    out: list[EntryPoint] = []
    for entry in sys.path:
        root = entry or "."
        try:
            children = os.listdir(root)
        except OSError:
            if os.path.exists(root):  # a zip file or something else importlib.metadata reads
                return None
            continue
        if root.lower().endswith(".egg"):
            return None
        for child in children:
            low = child.lower()
            if not low.endswith(_SUFFIXES):
                continue
            name = _normalize(low.rpartition(".")[0].partition("-")[0])
            if name in seen:
                continue
            seen.add(name)
            try:
                with open(os.path.join(root, child, "entry_points.txt"), encoding="utf-8") as fh:
                    text = fh.read()
            except OSError:  # a distribution without entry points (or a stray file)
                continue
            pairs = _parse(text, group)
            if pairs is None:
                return None
            out += [EntryPoint(n, v, group) for n, v in pairs]
    return out


def entry_points(group: str) -> list:
    """The entry points of ``group`` (objects with ``name``, ``value`` and ``group``)."""
    found = _fast(group) if _plain() else None
    if found is None:
        from importlib.metadata import entry_points as standard

        found = list(standard(group=group))
    return found
