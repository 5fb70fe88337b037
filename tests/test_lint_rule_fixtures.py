"""Every rule against its fixtures (tests/data/rules/<ID>/<case>[_ok]/, see docs/lint.md), and
the meta-tests that keep every registered rule documented, fixtured and uniquely named."""

from __future__ import annotations

import json

import pytest
from lint_helpers import RULE_FIXTURES, fixture_cases, location_matches, run_case

from elastix_halint.lint.registry import load_registry
from elastix_halint.lint.rule import rule_problems

CASES = fixture_cases()
REGISTRY = load_registry()


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
