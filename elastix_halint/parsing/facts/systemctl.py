"""``systemctl list-unit-files --type=service``: unit name, state and (newer systemd) vendor
preset. Services are named without ``.service`` so rules can look them up like chkconfig's."""

from __future__ import annotations

from elastix_halint.diagnostics import Diagnostic, Severity, VALUE_ERROR
from elastix_halint.model.facts import BootService, BootServices
from elastix_halint.parsing.facts._lines import load_with, parse_lines, result, token_span, unique
from elastix_halint.parsing.larkkit import suggest
from elastix_halint.source import SourceFile

KIND = "systemctl"
GRAMMAR = "facts_systemctl.lark"

# systemctl(1) "list-unit-files" states. Only these start the unit at boot by themselves.
ENABLED_STATES = ("enabled", "enabled-runtime")
STATES = ENABLED_STATES + (
    "linked", "linked-runtime", "alias", "masked", "masked-runtime", "static",
    "indirect", "disabled", "generated", "transient", "bad",
)


def sniff(text: str) -> bool:
    return text.lstrip().startswith("UNIT FILE") or "unit files listed." in text


def parse(source: SourceFile):
    diags: list = []
    services = []
    for line in parse_lines(source, GRAMMAR, "a systemctl list-unit-files line", diags):
        if line.tree.data != "unit_line":
            continue
        unit, state = line.tree.children[:2]
        if str(state) not in STATES:
            diags.append(Diagnostic(VALUE_ERROR, Severity.WARNING, f"unknown unit file state {str(state)!r}",
                                    token_span(source.path, line.number, state), suggestion=suggest(str(state), STATES)))
        name = str(unit).removesuffix(".service")
        services.append(BootService(name, str(state) in ENABLED_STATES, str(state), (), False, token_span(source.path, line.number, unit)))
    services = unique(services, lambda s: s.name, "unit", diags)
    return result(KIND, source, BootServices("systemctl", tuple(services)), diags)


def load(path: str, display: str | None = None):
    return load_with(parse, path, display)
