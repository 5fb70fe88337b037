"""Find the rules: every module of the ``elastix_halint.rules`` entry-point group.

An entry point names a module or a package; a package also brings each of its submodules whose
name does not start with ``_`` (the built-in families are such packages, one module per rule).
A module contributes its ``RULES`` list when it has one, else every ``Rule`` subclass defined in
it. Each module is loaded on its own: a broken plugin costs a warning line, not the run; a
built-in module that is not written yet is silently absent. Two rules with one ID is an error.
"""

from __future__ import annotations

import functools
import os

from elastix_halint.errors import UsageError
from elastix_halint.lint.rule import Rule, rule_problems
from elastix_halint.model.record import Mutable, field

GROUP = "elastix_halint.rules"
BUILTIN_PREFIX = "elastix_halint.builtin."


class Registry(Mutable):
    rules: dict[str, type[Rule]] = field(default_factory=dict)  # by ID, in ID order
    warnings: list[str] = field(default_factory=list)
    origin: dict[str, str] = field(default_factory=dict)  # rule ID -> module it came from

    def by_name(self) -> dict[str, type[Rule]]:
        return {cls.name: cls for cls in self.rules.values()}

    def get(self, ref: str) -> type[Rule] | None:
        ref_u = ref.strip().upper()
        return self.rules.get(ref_u) or self.by_name().get(ref.strip().lower())


def rules_of_module(module) -> list[type[Rule]]:
    listed = getattr(module, "RULES", None)
    if listed is not None:
        return list(listed)
    return [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule
        and obj.__module__ == module.__name__ and obj.id
    ]


def _missing_builtin(exc: ModuleNotFoundError, target: str) -> bool:
    return target.startswith(BUILTIN_PREFIX) and exc.name == target


def build_registry(modules: list[tuple[str, object]], warnings: list[str] | None = None) -> Registry:
    """Registry from ``(module name, module)`` pairs; bad rule declarations become warnings."""
    reg = Registry(warnings=list(warnings or []))
    for modname, module in modules:
        for cls in rules_of_module(module):
            problems = list(rule_problems(cls, docs=False))  # a badly written docstring is the meta-test's
            if problems:
                reg.warnings.append(f"rule {cls.__name__} in {modname} ignored: {problems[0]}")
                continue
            if cls.id in reg.rules:
                raise UsageError(
                    f"two rules share the ID {cls.id}: {reg.origin[cls.id]} and {modname}"
                    " (uninstall or fix one plugin)"
                )
            reg.rules[cls.id] = cls
            reg.origin[cls.id] = modname
    reg.rules = dict(sorted(reg.rules.items()))
    return reg


def _entry_points():
    # importlib.metadata's search, done without importing it where that gives the same answer
    # (lint/entrypoints.py); plugins installed any way pip or another installer knows are found.
    from elastix_halint.lint.entrypoints import entry_points

    return entry_points(GROUP)


@functools.cache
def load_registry() -> Registry:
    """All installed rules (built once per process)."""
    import importlib

    modules: list[tuple[str, object]] = []
    warnings: list[str] = []
    seen: set[str] = set()

    def load(ep_name: str, target: str):
        try:
            module = importlib.import_module(target)
        except ModuleNotFoundError as exc:
            if not _missing_builtin(exc, target):
                warnings.append(f"rule plugin {ep_name} ({target}) failed to load: {exc}")
            return None
        except Exception as exc:  # a plugin's bug must not stop the linter
            warnings.append(f"rule plugin {ep_name} ({target}) failed to load: {type(exc).__name__}: {exc}")
            return None
        modules.append((target, module))
        return module

    for ep in sorted(_entry_points(), key=lambda e: e.value):
        if ep.value in seen:  # an editable install and a wheel may both declare one module
            continue
        seen.add(ep.value)
        package = load(ep.name, ep.value)
        for name in submodules(package) if package is not None else ():
            load(ep.name, name)
    return build_registry(modules, warnings)


def submodules(package) -> list[str]:
    """The rule modules of a plugin package: its submodules not named ``_...`` (helpers), sorted;
    none for a plain module. What ``pkgutil.iter_modules`` lists in the package's folders
    (``.py``/``.pyc``/extension modules, and folders with an ``__init__``), without importing
    pkgutil and inspect."""
    path = getattr(package, "__path__", None)
    if path is None:
        return []
    from importlib.machinery import all_suffixes

    suffixes = sorted(all_suffixes(), key=len, reverse=True)  # inspect.getmodulename's order

    def module_name(filename: str) -> str | None:
        for suffix in suffixes:
            if filename.endswith(suffix):
                return filename[: -len(suffix)]
        return None

    names: set[str] = set()
    for folder in path:
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            name = module_name(entry)
            if name is None and "." not in entry and os.path.isdir(os.path.join(folder, entry)):
                try:
                    inner = os.listdir(os.path.join(folder, entry))
                except OSError:
                    continue
                name = entry if any(module_name(f) == "__init__" for f in inner) else None
            if name and name != "__init__" and "." not in name and not name.startswith("_"):
                names.add(name)
    return sorted(package.__name__ + "." + name for name in names)
