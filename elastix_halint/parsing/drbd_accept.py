"""Whether some drbdadm takes an option where halint's own reading would complain.

halint's keyword tables (model/drbd_keywords.py) type every option for normalisation and
rules; the final word on what drbdadm *accepts* belongs to the tables probed from the binaries
(model/drbdadm_values.py) and the parsers of :mod:`elastix_halint.parsing.drbdadm`. A statement that one of the
drbdadm versions takes must not be a parse error: halint then reports what it dislikes as a
warning (a lint finding: ``sha1`` misspelt ``shal`` passes drbdadm and fails in the kernel)."""

from __future__ import annotations

import functools

from elastix_halint.model.drbdadm_values import DRBDADM_VALUES

VERSIONS = ("8.3", "8.4", "9")


@functools.cache
def known_somewhere(section: str, name: str) -> bool:
    """Whether some drbdadm takes option ``name`` in setting section ``section``."""
    for version in VERSIONS:
        table = DRBDADM_VALUES[version]
        if name in table.get(section, {}) or (section == "disk" and name in table.get("peer-disk", {})):
            return True
        if version == "9" and name.startswith("no-") and name[3:] in table.get(section, {}):
            return True
    return False


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@functools.lru_cache(maxsize=4096)
def _statement_ok(version: str, section: str, statement: str) -> bool:
    from elastix_halint.parsing.drbdadm.emulator import Emulator
    from elastix_halint.parsing.drbdadm.scan import scan
    from elastix_halint.parsing.drbdadm.verdict import Stop

    emu = Emulator(version, lambda pattern, real: [])
    emu.tokens, emu.pos, emu.file = scan(statement + "\n}", version), 0, ""
    try:
        emu.parse_options(section)
    except Stop:
        return False
    return emu.first is None and emu.tokens[emu.pos].kind == "EOF"


def accepted_by(section: str, name: str, values) -> tuple[str, ...]:
    """The drbdadm versions that take ``name values…;`` in ``section`` (``values``: the
    statement's :class:`~elastix_halint.model.drbd.Value` words)."""
    words = " ".join(_quote(v.text) if v.quoted else v.text for v in values)
    statement = f"{name} {words};" if words else f"{name};"
    return tuple(v for v in VERSIONS if section in DRBDADM_VALUES[v] or section == "peer-disk"
                 if _statement_ok(v, section, statement))
