"""Lint settings: the ``[tool.halint]`` table of a pyproject.toml or a ``.halint.toml``, merged
with the command line, and the rule selection they make.

Keys (all optional): ``select`` and ``ignore`` (lists of rule IDs, ID prefixes such as
``"DRBD2"``, or rule names), ``fail-on`` (error, warning, info, never), ``severity`` (a table
rule -> error/warning/info) and ``options`` (a table rule -> table of that rule's options).
Unknown keys, rules and values are usage errors (exit 2), never silently ignored.
"""

from __future__ import annotations

import os
import re

from elastix_halint.diagnostics import Severity
from elastix_halint.errors import UsageError
from elastix_halint.model.record import Mutable, field

CONFIG_NAMES = (".halint.toml", "pyproject.toml")
KEYS = {"select", "ignore", "fail-on", "severity", "options"}
FAIL_ON = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO, "never": None}


class Settings(Mutable):
    select: list[str] | None = None  # None: every rule
    ignore: list[str] = field(default_factory=list)
    fail_on: str = "warning"
    severity: dict[str, Severity] = field(default_factory=dict)  # rule ID -> overridden severity
    options: dict[str, dict] = field(default_factory=dict)  # rule ID -> options
    source: str | None = None  # the config file these came from

    @property
    def fail_threshold(self) -> Severity | None:
        return FAIL_ON[self.fail_on]


def _read_toml(path: str) -> dict:
    import tomllib

    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise UsageError(exc.strerror or str(exc), path) from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"not valid TOML: {exc}", path) from None


def _table_of(path: str) -> dict | None:
    data = _read_toml(path)
    if os.path.basename(path) == "pyproject.toml":
        return data.get("tool", {}).get("halint")
    return data.get("tool", {}).get("halint", data) if "tool" in data else data


# Every way TOML can write a `halint` key in the `tool` table: a `tool.halint` key path (header
# or dotted key, any blanks and quotes around the dot), a `[tool]`/`[[tool]]` header (its keys
# follow), a root `tool = {...}`, or \u/\U escapes (keys spelt with them). A pyproject.toml
# with none of these has no [tool.halint]: tomllib (~5-15 ms to import) need not read it.
_MAY_HOLD_TOOL_HALINT = re.compile(r"""tool["'\s]*\.["'\s]*halint|\[\s*["']?tool["']?\s*\]|tool["']?\s*=|\\[uU]""")


def _pyproject_may_hold_table(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return True  # _read_toml says what is wrong
    return _MAY_HOLD_TOOL_HALINT.search(text) is not None


def find_config(start: str) -> str | None:
    """The nearest ``.halint.toml``, or pyproject.toml with ``[tool.halint]``, at or above ``start``."""
    here = os.path.abspath(start)
    if not os.path.isdir(here):
        here = os.path.dirname(here)
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(here, name)
            if os.path.isfile(candidate) and (name != "pyproject.toml" or (
                    _pyproject_may_hold_table(candidate) and _table_of(candidate) is not None)):
                return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _str_list(value, key: str, path: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"'{key}' must be a list of rule IDs, prefixes or names", path)
    return value


def _severity(value, where: str, path: str) -> Severity:
    try:
        return Severity.parse(str(value))
    except ValueError as exc:
        raise UsageError(f"{where}: {exc}", path) from None


def load_settings(path: str | None) -> Settings:
    """Settings from config file ``path`` (defaults when None). Rule references are checked later."""
    if path is None:
        return Settings()
    table = _table_of(path) or {}
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise UsageError(f"unknown key(s) in [tool.halint]: {', '.join(unknown)} (known: {', '.join(sorted(KEYS))})", path)
    s = Settings(source=path)
    if "select" in table:
        s.select = _str_list(table["select"], "select", path)
    s.ignore = _str_list(table.get("ignore", []), "ignore", path)
    if "fail-on" in table:
        s.fail_on = check_fail_on(str(table["fail-on"]), path)
    for key in ("severity", "options"):
        if not isinstance(table.get(key, {}), dict):
            raise UsageError(f"'{key}' must be a table keyed by rule ID", path)
    s.severity = {k: _severity(v, f"severity.{k}", path) for k, v in table.get("severity", {}).items()}
    s.options = dict(table.get("options", {}))
    if not all(isinstance(v, dict) for v in s.options.values()):
        raise UsageError("each 'options.<rule>' must be a table", path)
    return s


def check_fail_on(value: str, path: str | None = None) -> str:
    value = value.strip().lower()
    if value not in FAIL_ON:
        raise UsageError(f"fail-on must be one of {', '.join(FAIL_ON)}, not {value!r}", path)
    return value


# -- selection --------------------------------------------------------------------------------


def _matches(ref: str, cls) -> bool:
    ref_u = ref.strip().upper()
    return ref_u == "ALL" or cls.id.startswith(ref_u) or cls.name == ref.strip().lower()


def resolve(refs: list[str], registry, what: str, extra_ids: tuple[str, ...] = ()) -> set[str]:
    """Rule IDs the references name; a reference that names nothing is a usage error."""
    import difflib

    ids: set[str] = set()
    for ref in refs:
        hit = {rid for rid, cls in registry.rules.items() if _matches(ref, cls)}
        hit |= {rid for rid in extra_ids if rid.startswith(ref.strip().upper())}
        if not hit:
            known = [*registry.rules, *(c.name for c in registry.rules.values())]
            close = difflib.get_close_matches(ref.strip(), known, n=1)
            extra = f"; did you mean {close[0]}?" if close else " (see `halint rules`)"
            raise UsageError(f"{what}: no rule matches {ref!r}{extra}")
        ids |= hit
    return ids


def selected_ids(settings: Settings, registry) -> tuple[set[str], set[str]]:
    """(IDs of the rules to run, IDs explicitly ignored) for these settings."""
    chosen = set(registry.rules) if settings.select is None else resolve(settings.select, registry, "select")
    ignored = resolve(settings.ignore, registry, "ignore")
    for rid in [*settings.severity, *settings.options]:
        if registry.get(rid) is None:
            raise UsageError(f"configuration names unknown rule {rid!r} (see `halint rules`)", settings.source)
    return chosen - ignored, ignored
