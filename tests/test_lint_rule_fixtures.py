"""Every rule against its fixtures (tests/data/rules/<ID>/<case>[_ok]/, see docs/lint.md), and
the meta-tests that keep every registered rule documented, fixtured, uniquely named and in a
module of its own (rules/<family>/<id>_<name>.py, at most 300 lines)."""

from __future__ import annotations

import importlib
import json

import pytest
from conftest import REPO
from lint_helpers import RULE_FIXTURES, fixture_cases, location_matches, run_case

from elastix_halint.lint.registry import BUILTIN_PREFIX, load_registry, rules_of_module
from elastix_halint.lint.rule import rule_problems

CASES = fixture_cases()
REGISTRY = load_registry()
RULE_FILES = sorted(p for p in (REPO / "rules").glob("*/*.py") if not p.name.startswith("_"))
MAX_RULE_LINES = 300


def _where(p) -> str:
    return f"{p.path}:{p.span.line}:{p.span.column}" if p.span else str(p.path)


@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_rule_fixture(case):
    if case.rule_id not in REGISTRY.rules:
        pytest.fail(f"fixtures for {case.rule_id}, but no such rule is registered")
    run = run_case(case)
    mine = [p for p in run.problems if p.rule_id == case.rule_id]
    if not case.positive:
        assert mine == [], [f"{_where(p)} {p.message}" for p in mine]
        return
    expected = json.loads((case.path / "expected.json").read_text())
    assert expected, "expected.json lists no finding"
    unmatched = list(mine)
    for want in expected:
        hit = next((p for p in unmatched if location_matches(want, p, p.sources)), None)
        assert hit is not None, f"no {case.rule_id} at {want}; got {[_where(p) for p in mine]}"
        unmatched.remove(hit)
    assert unmatched == [], f"unexpected {case.rule_id}: {[f'{_where(p)} {p.message}' for p in unmatched]}"


@pytest.mark.parametrize("rule_id", sorted(REGISTRY.rules))
def test_every_rule_has_both_kinds_of_fixture(rule_id):
    kinds = {c.positive for c in CASES if c.rule_id == rule_id}
    assert kinds == {True, False}, (
        f"{rule_id} needs tests/data/rules/{rule_id}/<case>/ (with expected.json) and <case>_ok/ "
        f"(scaffold: python tests/lint_helpers.py new {rule_id} CASE INPUT)"
    )


@pytest.mark.parametrize("rule_id", sorted(REGISTRY.rules))
def test_every_rule_is_declared_and_documented(rule_id):
    cls = REGISTRY.rules[rule_id]
    assert list(rule_problems(cls)) == []


def test_rule_ids_and_names_are_unique_and_plugins_load():
    assert REGISTRY.warnings == []
    names = [cls.name for cls in REGISTRY.rules.values()]
    assert len(names) == len(set(names))


def test_every_fixture_folder_is_a_case():
    for rule_dir in RULE_FIXTURES.iterdir():
        assert rule_dir.is_dir() and any(p.is_dir() for p in rule_dir.iterdir()), rule_dir
    for case in CASES:
        has_expected = (case.path / "expected.json").is_file()
        assert has_expected == case.positive, f"{case.label}: expected.json belongs in positive cases only"


def test_the_runner_catches_a_wrong_expectation(tmp_path, monkeypatch):
    import shutil

    import lint_helpers

    src = RULE_FIXTURES / "PARSE001" / "keyword"
    case_dir = tmp_path / "PARSE001" / "keyword"
    shutil.copytree(src, case_dir)
    case = lint_helpers.Case("PARSE001", case_dir, True)
    [problem] = [p for p in run_case(case).problems if p.rule_id == "PARSE001"]
    right = json.loads((src / "expected.json").read_text())[0]
    assert location_matches(right, problem, problem.sources)
    for wrong in ({**right, "line": right["line"] + 1}, {**right, "column": right["column"] + 1}, {**right, "file": "ha.cf"}):
        assert not location_matches(wrong, problem, problem.sources)
    monkeypatch.setattr(lint_helpers, "RULE_FIXTURES", tmp_path)
    made = lint_helpers.scaffold("XYZ123", "first", "etc/drbd.conf")
    assert [p.name for p in made] == ["first", "first_ok"]
    assert (tmp_path / "XYZ123" / "first" / "etc" / "drbd.conf").is_file()
    assert json.loads((tmp_path / "XYZ123" / "first" / "expected.json").read_text())[0]["file"] == "etc/drbd.conf"
    assert not (tmp_path / "XYZ123" / "first_ok" / "expected.json").exists()


def module_name(cls) -> str:
    """The one naming convention of rule modules: DRBD111 call-pri-lost-without-handler →
    drbd111_call_pri_lost_without_handler."""
    return f"{cls.id.lower()}_{cls.name.replace('-', '_')}"


@pytest.mark.parametrize("path", RULE_FILES, ids=[f"{p.parent.name}/{p.stem}" for p in RULE_FILES])
def test_each_rule_module_holds_one_rule_named_after_it(path):
    modname = f"{BUILTIN_PREFIX}{path.parent.name}.{path.stem}"
    rules = rules_of_module(importlib.import_module(modname))
    assert len(rules) == 1, f"{path.relative_to(REPO)} holds {len(rules)} rules; one module per rule"
    assert path.stem == module_name(rules[0]), f"{path.relative_to(REPO)} holds {rules[0].id} {rules[0].name}"
    assert REGISTRY.origin[rules[0].id] == modname
    lines = path.read_text().count("\n")
    assert lines <= MAX_RULE_LINES, f"{path.relative_to(REPO)} has {lines} lines (at most {MAX_RULE_LINES})"


def test_built_in_rules_come_from_rule_modules_of_families():
    families = {p.parent for p in (REPO / "rules").glob("*/__init__.py")}
    assert sorted(p.name for p in (REPO / "rules").iterdir() if p.suffix == ".py") == [], "rules/ holds packages only"
    for family in families:
        private = sorted(p.name for p in family.glob("_*.py"))
        assert set(private) <= {"__init__.py", "_helpers.py"}, f"{family.name}: at most one helpers module"
        for name in private:
            module = importlib.import_module(f"{BUILTIN_PREFIX}{family.name}.{name[:-3]}".removesuffix(".__init__"))
            assert rules_of_module(module) == [], f"rules/{family.name}/{name} defines a rule"
    builtin = {rid: origin for rid, origin in REGISTRY.origin.items() if origin.startswith(BUILTIN_PREFIX)}
    assert len(builtin) == len(RULE_FILES)
