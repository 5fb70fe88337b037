"""A well-configured two-node cluster (tests/data/good-cluster) passes every rule of every
area without an error or a warning; breaking one thing in a copy of it is reported."""

from __future__ import annotations

import pytest
from rules_cluster_helpers import BACKUP, BOTH, BREAKS, GOOD, SERVER, copy_bundle, findings, lint, proc_state, replace

from elastix_halint.diagnostics import Severity


def _loud(run) -> list[str]:
    return [f"{p.rule_id} {p.path}:{p.span.line if p.span else '?'} {p.message}" for p in run.problems
            if p.severity in (Severity.ERROR, Severity.WARNING)]


def test_good_cluster_has_no_error_or_warning_with_all_rules():
    run = lint(GOOD)
    assert _loud(run) == []
    assert run.warnings == []  # no rule crashed on it


def test_good_cluster_has_every_fact_my_rules_need():
    from elastix_halint.loader import load_paths

    for node in load_paths([str(GOOD)]).nodes:
        assert node.missing == (), node.missing


EXPECTED = {
    "smaller_secondary_disk": "DRBD202",
    "renamed_backup": "DRBD201",
    "authkeys_644": "HB200",
    "filesystem_on_backing_disk": "HB303",
    "upgraded_asterisk": "NODE107",
    "peer_name_on_loopback": "NODE100",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_one_break_in_the_good_cluster_is_reported(name, tmp_path):
    bundle = copy_bundle(tmp_path / "bundle")
    BREAKS[name](bundle)
    run = lint(bundle)
    assert findings(run, EXPECTED[name]), _loud(run)


def test_violent_policy_in_the_good_cluster_is_reported(tmp_path):
    bundle = copy_bundle(tmp_path / "bundle")
    replace(bundle, BOTH, "etc/drbd.conf", "after-sb-1pri discard-secondary;", "after-sb-1pri violently-as0p;")
    assert any("violently-as0p" in p.message for p in findings(lint(bundle), "DRBD113"))


def test_split_brain_runtime_state_names_the_83_commands(tmp_path):
    bundle = copy_bundle(tmp_path / "bundle")
    proc_state(bundle, SERVER, " 0: cs:StandAlone ro:Primary/Unknown ds:UpToDate/DUnknown   r-----")
    proc_state(bundle, BACKUP, " 0: cs:StandAlone ro:Secondary/Unknown ds:UpToDate/DUnknown   r-----")
    problems = findings(lint(bundle, select=["STATE"]), "STATE100")
    assert len(problems) == 2
    assert all("drbdadm -- --discard-my-data connect r0" in p.hint for p in problems)
