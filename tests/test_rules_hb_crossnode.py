"""Cross-node rules (HB115 ha.cf, HB205 authkeys, HB300 haresources): one finding on one node's
file, naming both sides, with the other node's line as related location."""

from __future__ import annotations

import pytest
from lint_helpers import RULE_FIXTURES

from elastix_halint.lint.config import Settings
from elastix_halint.lint.engine import Engine
from elastix_halint.lint.registry import load_registry
from elastix_halint.loader import load_paths

REGISTRY = load_registry()
NODES = ("voipserver.drbd", "voipbackup.drbd")
CASES = [("HB115", "deadtime_differs"), ("HB115", "directive_on_one_node"), ("HB205", "different_keys"),
         ("HB300", "service_missing"), ("HB300", "extra_group")]


@pytest.mark.parametrize("rule_id, case", CASES, ids=[f"{r}/{c}" for r, c in CASES])
def test_finding_names_both_nodes_and_relates_the_other_file(rule_id, case):
    bundle = RULE_FIXTURES / rule_id / case / "bundle"
    run = Engine(REGISTRY, Settings(select=[rule_id])).lint(load_paths([str(bundle)]))
    [problem] = [p for p in run.problems if p.rule_id == rule_id]
    assert all(name in problem.message for name in NODES)
    here = problem.span.file.split("/")[0]
    assert problem.related, "the other node's line is given"
    assert {r.file.split("/")[0] for r in problem.related} == set(NODES) - {here}


@pytest.mark.parametrize("rule_id, case", CASES, ids=[f"{r}/{c}_ok" for r, c in CASES])
def test_equivalent_files_written_differently_are_not_reported(rule_id, case):
    bundle = RULE_FIXTURES / rule_id / f"{case}_ok" / "bundle"
    run = Engine(REGISTRY, Settings(select=[rule_id])).lint(load_paths([str(bundle)]))
    texts = {n: (bundle / n / "etc/ha.d" / {"HB115": "ha.cf", "HB205": "authkeys", "HB300": "haresources"}[rule_id]).read_text()
             for n in NODES}
    assert texts[NODES[0]] != texts[NODES[1]], "the _ok case must differ as text"
    assert [p for p in run.problems if p.rule_id == rule_id] == []
