"""Find the data files we ship (Lark grammars) in a wheel or in a source checkout."""

from __future__ import annotations

import os

_PKG = os.path.dirname(os.path.abspath(__file__))


def grammars_dir() -> str:
    """The folder holding ``*.lark``: ``elastix_halint/_grammars`` in a wheel, ``grammars/`` in a checkout."""
    shipped = os.path.join(_PKG, "_grammars")
    if os.path.isdir(shipped):
        return shipped
    return os.path.join(os.path.dirname(_PKG), "grammars")


def grammar_path(name: str) -> str:
    """Absolute path of grammar ``name`` (e.g. ``"drbd.lark"``)."""
    return os.path.join(grammars_dir(), name)
