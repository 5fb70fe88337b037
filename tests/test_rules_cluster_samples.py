"""The broken sample bundles (samples/broken-*): each is samples/elastix-2.3 with exactly one
thing broken, and `halint lint` reports that thing."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SAMPLES, run_halint
from rules_cluster_helpers import SAMPLE, SAMPLES as BROKEN, copy_bundle, findings, lint

BASE = lint(SAMPLE)


def _tree_differences(left, right) -> list[str]:
    """Paths only on one side or with other bytes. By content, not filecmp.dircmp's size and
    mtime: in a checkout or a copy, a broken file may have its original's size and second."""
    def files(top: Path) -> dict[str, Path]:
        return {str(p.relative_to(top)): p for p in top.rglob("*") if p.is_file()}

    a, b = files(Path(left)), files(Path(right))
    return sorted(rel for rel in a.keys() | b.keys()
                  if rel not in a or rel not in b or a[rel].read_bytes() != b[rel].read_bytes())


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_sample_is_the_howto_cluster_with_one_break(name, tmp_path):
    brk, _rule = BROKEN[name]
    expected = brk(copy_bundle(tmp_path / name, SAMPLE)) or tmp_path / name
    assert _tree_differences(str(SAMPLES / name), str(expected)) == []
    assert _tree_differences(str(SAMPLES / name), str(SAMPLE)) != []  # something is broken


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_sample_gives_its_finding(name):
    _brk, rule = BROKEN[name]
    before = {(p.path, p.span.line if p.span else None, p.message) for p in findings(BASE, rule)}
    after = [p for p in findings(lint(SAMPLES / name), rule)
             if (p.path, p.span.line if p.span else None, p.message) not in before]
    assert after, f"{name}: no new {rule} finding"
    assert all(p.severity.name in ("ERROR", "WARNING") for p in after)


def test_split_brain_sample_names_the_violent_policy():
    messages = [p.message for p in findings(lint(SAMPLES / "broken-split-brain-policy"), "DRBD113")]
    assert any("violently-as0p" in m for m in messages) and any("discard-local" in m for m in messages)


def test_broken_partition_sample_is_an_error_about_the_secondary():
    [problem] = findings(lint(SAMPLES / "broken-partition-sizes"), "DRBD202")
    assert problem.severity.name == "ERROR"
    assert problem.path.startswith("voipbackup.drbd/") and "Secondary" in problem.message


def test_upgrade_sample_hint_names_links_repair_on_the_command_line():
    proc = run_halint("lint", "--select", "NODE107", str(SAMPLES / "broken-upgrade-symlink"))
    assert proc.returncode == 1, proc.stderr
    assert "/etc/asterisk" in proc.stdout and "halint links repair" in proc.stdout
