"""Rule discovery through entry points, and the declaration checks of the rule API."""

from __future__ import annotations

import sys
import types

import pytest
from lint_helpers import DOC

from elastix_halint.errors import UsageError
from elastix_halint.lint import registry as reg_mod
from elastix_halint.lint.rule import Rule, rule_doc, rule_problems


class _EP:
    def __init__(self, name, value):
        self.name, self.value = name, value


def _module(name, **attrs):
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    return mod


def _rule_in(modname, rid, rname):
    cls = type("R" + rid, (Rule,), {"__doc__": DOC, "id": rid, "name": rname, "kinds": ("drbd",), "check_file": lambda s, m, c: (), "__module__": modname})
    return cls


def test_plugins_loaded_one_by_one(monkeypatch):
    good = _module("fake_good_rules")
    good.R = _rule_in("fake_good_rules", "ZZZ101", "zzz-one")
    good.Imported = Rule  # the base class itself is not a rule
    monkeypatch.setitem(sys.modules, "fake_good_rules", good)
    eps = [_EP("good", "fake_good_rules"), _EP("broken", "fake_missing_plugin_xyz"), _EP("builtin", "elastix_halint.builtin.notwrittenyet")]
    monkeypatch.setattr(reg_mod, "_entry_points", lambda: eps)
    reg_mod.load_registry.cache_clear()
    try:
        reg = reg_mod.load_registry()
    finally:
        reg_mod.load_registry.cache_clear()
    assert list(reg.rules) == ["ZZZ101"]
    assert len(reg.warnings) == 1 and "fake_missing_plugin_xyz" in reg.warnings[0]


def test_a_plugin_package_brings_each_rule_module_of_its_own(tmp_path, monkeypatch):
    # Like the built-in families: one module per rule, a private helpers module, one broken module.
    pkg = tmp_path / "fake_family_xyz"
    pkg.mkdir()
    (pkg / "__init__.py").write_text('"""A family."""\n')
    (pkg / "_helpers.py").write_text("KINDS = ('drbd',)\n")
    rule = (
        "from elastix_halint.lint.rule import Rule\n"
        "from fake_family_xyz._helpers import KINDS\n"
        "from lint_helpers import DOC\n\n\n"
        "class R(Rule):\n"
        "    __doc__ = DOC\n"
        "    id, name, kinds = {rid!r}, {name!r}, KINDS\n\n"
        "    def check_file(self, model, ctx):\n"
        "        return ()\n"
    )
    (pkg / "zzz101_one.py").write_text(rule.format(rid="ZZZ101", name="one"))
    (pkg / "zzz102_two.py").write_text(rule.format(rid="ZZZ102", name="two"))
    (pkg / "zzz103_broken.py").write_text("raise RuntimeError('half-written')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(reg_mod, "_entry_points", lambda: [_EP("family", "fake_family_xyz")])
    reg_mod.load_registry.cache_clear()
    try:
        reg = reg_mod.load_registry()
    finally:
        reg_mod.load_registry.cache_clear()
        for name in [m for m in sys.modules if m.startswith("fake_family_xyz")]:
            monkeypatch.delitem(sys.modules, name)
    assert list(reg.rules) == ["ZZZ101", "ZZZ102"]
    assert reg.origin["ZZZ102"] == "fake_family_xyz.zzz102_two"
    assert reg.warnings == ["rule plugin family (fake_family_xyz.zzz103_broken) failed to load: RuntimeError: half-written"]


def test_rules_list_wins_and_duplicate_ids_are_an_error():
    a = _rule_in("m1", "ZZZ101", "one")
    b = _rule_in("m2", "ZZZ101", "two")
    m1 = _module("m1", RULES=[a], Other=_rule_in("m1", "ZZZ102", "other"))
    assert list(reg_mod.build_registry([("m1", m1)]).rules) == ["ZZZ101"]
    with pytest.raises(UsageError, match="ZZZ101"):
        reg_mod.build_registry([("m1", m1), ("m2", _module("m2", RULES=[b]))])


def test_badly_declared_rule_is_left_out_with_a_warning():
    bad = type("Bad", (Rule,), {"__doc__": DOC, "id": "lower1", "name": "x", "kinds": ("drbd",)})
    reg = reg_mod.build_registry([("m", _module("m", RULES=[bad]))])
    assert reg.rules == {} and "lower1" in reg.warnings[0]


def test_declaration_problems():
    class NoMethod(Rule):
        __doc__ = DOC
        id = "ABC123"
        name = "no-method"
        scope = "node"

    assert any("check_node" in p for p in rule_problems(NoMethod))

    class FileNoKinds(Rule):
        __doc__ = DOC
        id = "ABC124"
        name = "file-no-kinds"

        def check_file(self, model, ctx):
            return ()

    assert any("kinds" in p for p in rule_problems(FileNoKinds))

    class TypoNeed(FileNoKinds):
        kinds = ("drbd",)
        needs = ("stats",)

    assert any("needs 'stats'" in p for p in rule_problems(TypoNeed))
    assert not any("needs" in p for p in rule_problems(FileNoKinds))


def test_doc_sections_are_parsed_and_checked():
    cls = type("D", (Rule,), {"__doc__": DOC})
    doc = rule_doc(cls)
    assert doc.problems == () and doc.summary == "Test rule."
    assert list(doc.sections) == ["What it checks", "Why it matters", "Example", "Fix"]
    assert "## Fix" in doc.markdown() and "Fix:" in doc.text()
    swapped = DOC.replace("## Example", "## Tmp").replace("## Fix", "## Example").replace("## Tmp", "## Fix")
    assert rule_doc(type("S", (Rule,), {"__doc__": swapped})).problems
    assert rule_doc(type("E", (Rule,), {"__doc__": DOC.replace("Do not.", "")})).problems


def test_rule_docs_are_dedented_as_inspect_cleandoc_does():
    import inspect

    from elastix_halint.lint.rule import _dedent_doc

    docs = [cls.__doc__ for cls in reg_mod.load_registry().rules.values()]
    docs += ["  x\n\ty\n   z\n\n", "\n\n a\n  b", "", "one", "\tfoo\n\t  bar\n\n\t baz  \n", "x\n  \n    y"]
    assert [_dedent_doc(d) for d in docs] == [inspect.cleandoc(d).splitlines() for d in docs]


def test_submodules_are_those_pkgutil_lists(tmp_path):
    import pkgutil

    pkg = tmp_path / "plugin_pkg_xyz"
    for name in ("a.py", "_helper.py", "b.pyc", "c.cpython-311-x86_64-linux-gnu.so", "d.txt", "e.f.py", "__init__.py"):
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text("")
    (pkg / "sub").mkdir()
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "nosub").mkdir()
    (pkg / "nosub" / "x.py").write_text("")
    module = types.ModuleType("plugin_pkg_xyz")
    module.__path__ = [str(pkg), str(tmp_path / "missing")]
    listed = sorted(f"plugin_pkg_xyz.{m.name}" for m in pkgutil.iter_modules(module.__path__) if not m.name.startswith("_"))
    assert reg_mod.submodules(module) == listed == ["plugin_pkg_xyz.a", "plugin_pkg_xyz.b", "plugin_pkg_xyz.c", "plugin_pkg_xyz.sub"]
