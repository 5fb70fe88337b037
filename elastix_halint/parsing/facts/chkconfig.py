"""``chkconfig --list`` (CentOS 5/6/7): SysV services with runlevels 0-6 on/off, then the
``xinetd based services:`` section. The CentOS 7 "Note: This output shows SysV services only..."
preamble is skipped."""

from __future__ import annotations

import functools

from elastix_halint.model.facts import BootService, BootServices
from elastix_halint.parsing.facts._lines import load_with, parse_lines, result, token_span, unique
from elastix_halint.source import SourceFile

KIND = "chkconfig"
GRAMMAR = "facts_chkconfig.lark"
MULTI_USER = (2, 3, 4, 5)


def sniff(text: str) -> bool:
    return "\t0:o" in text or " 0:off" in text or " 0:on" in text


class _NoteSkipper:
    """Skips blank lines and the systemd note block (from "Note:" to the first service line)."""

    def __init__(self) -> None:
        self.in_note = False

    def __call__(self, text: str) -> bool:
        if text.startswith("Note:"):
            self.in_note = True
        elif self.in_note and (" 0:" in text or "\t0:" in text or "xinetd based" in text):
            self.in_note = False
        return self.in_note or not text.strip()


def _sysv(file: str, line) -> BootService:
    name, *levels = line.tree.children
    runlevels, enabled = _runlevels(tuple(map(str, levels)))
    return BootService(str(name), enabled, "on" if enabled else "off", runlevels, False, token_span(file, line.number, name))


@functools.lru_cache(maxsize=256)
def _runlevels(levels: tuple[str, ...]) -> tuple[tuple, bool]:
    """(sorted (runlevel, on) pairs, on in a multi-user runlevel) of ``0:off 1:off 2:on…``: a
    few dozen distinct lines make every chkconfig listing."""
    runlevels = tuple(sorted((int(t[0]), t.endswith(":on")) for t in levels))
    return runlevels, any(on for level, on in runlevels if level in MULTI_USER)


def parse(source: SourceFile):
    diags: list = []
    services = []
    for line in parse_lines(source, GRAMMAR, "a chkconfig --list line", diags, skip=_NoteSkipper()):
        if line.tree.data == "sysv_line":
            services.append(_sysv(source.path, line))
        elif line.tree.data == "xinetd_line":
            name, state = line.tree.children
            services.append(BootService(str(name), str(state) == "on", str(state), (), True, token_span(source.path, line.number, name)))
    services = unique(services, lambda s: s.name, "service", diags)
    return result(KIND, source, BootServices("chkconfig", tuple(services)), diags)


def load(path: str, display: str | None = None):
    return load_with(parse, path, display)
