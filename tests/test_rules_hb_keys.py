"""authkeys rules on what users really lint: collected bundles whose keys are markers, roots
whose file modes are read from disk, and reports that must never show a key."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLES, run_halint

from elastix_halint.lint.config import Settings
from elastix_halint.lint.engine import Engine
from elastix_halint.lint.registry import load_registry
from elastix_halint.loader import load_paths
from elastix_halint.secrets import marker_for

REGISTRY = load_registry()

NODES = ("voipserver.drbd", "voipbackup.drbd")
LONG_KEY = "Zq8-unusual-k3y-value-77"


def make_bundle(tmp_path: Path, keys: dict[str, str], stat: bool = True) -> Path:
    """The HOWTO bundle with each node's authkeys key replaced (and facts/stat kept or dropped)."""
    bundle = tmp_path / "bundle"
    shutil.copytree(SAMPLES / "elastix-2.3", bundle)
    for node, key in keys.items():
        (bundle / node / "etc/ha.d/authkeys").write_text(f"auth 1\n1 sha1 {key}\n")
        if not stat:
            (bundle / node / "facts/stat").unlink()
    return bundle


def lint(path: Path | None = None, root: Path | None = None, select: str = "HB2"):
    """Lint in-process as `halint lint` would (the report tests below run the real command)."""
    run = Engine(REGISTRY, Settings(select=[select])).lint(load_paths([str(path)] if path else [], root=str(root) if root else None))
    assert [w for w in run.warnings if "crashed" in w] == []
    return run


def rule_ids(run) -> list[str]:
    return [p.rule_id for p in run.problems]


def test_markers_of_a_collected_bundle_still_show_the_howto_key(tmp_path):
    bundle = make_bundle(tmp_path, {n: marker_for("MySecret") for n in NODES})
    ids = rule_ids(lint(bundle))
    assert ids.count("HB204") == 2 and "HB205" not in ids  # equal markers: the same key on both nodes


def test_different_markers_mean_different_keys(tmp_path):
    bundle = make_bundle(tmp_path, {NODES[0]: marker_for(LONG_KEY), NODES[1]: marker_for(LONG_KEY + "x")})
    run = lint(bundle)
    assert rule_ids(run) == ["HB205"]
    assert run.problems[0].related, "the other node's key line is given as related location"


def test_a_redacted_key_against_a_plain_one_is_not_called_different(tmp_path):
    bundle = make_bundle(tmp_path, {NODES[0]: marker_for(LONG_KEY), NODES[1]: LONG_KEY})
    assert "HB205" not in rule_ids(lint(bundle))


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_keys_never_appear_in_reports(tmp_path, fmt):
    other = LONG_KEY.replace("77", "78")
    bundle = make_bundle(tmp_path, {NODES[0]: LONG_KEY, NODES[1]: other})
    proc = run_halint("lint", "--format", fmt, str(bundle))
    assert proc.returncode == 1, proc.stderr
    assert "HB205" in proc.stdout
    for secret in (LONG_KEY, other):
        assert secret not in proc.stdout + proc.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
@pytest.mark.parametrize("line", [f"1 sha1{LONG_KEY}", f"1 {LONG_KEY}", f"1 {LONG_KEY} sha1"])
def test_a_key_typed_without_its_method_is_not_shown_when_nodes_differ(tmp_path, fmt, line):
    """`1 sha1KEY` (a space lost in a copy from a web page) or `1 KEY`: the word in the method's
    place is the key, also when the rule comparing the two nodes names each node's method."""
    bundle = make_bundle(tmp_path, {NODES[1]: LONG_KEY.replace("77", "78")})
    (bundle / NODES[0] / "etc/ha.d/authkeys").write_text(f"auth 1\n{line}\n")
    proc = run_halint("lint", "--format", fmt, str(bundle))
    assert proc.returncode == 1, proc.stderr
    assert "HB205" in proc.stdout
    assert LONG_KEY not in proc.stdout + proc.stderr


def test_short_key_is_reported_without_being_shown(tmp_path):
    bundle = make_bundle(tmp_path, {n: "k9#Qz" for n in NODES})
    proc = run_halint("lint", "--select", "HB204", str(bundle))
    assert proc.returncode == 1 and "shorter than 8" in proc.stdout
    assert "k9#Qz" not in proc.stdout


def test_no_permission_finding_without_captured_modes(tmp_path):
    # A configuration kept in git has no meaningful file modes: no facts/stat, no HB200/HB201.
    bundle = make_bundle(tmp_path, {n: LONG_KEY for n in NODES}, stat=False)
    for node in NODES:
        os.chmod(bundle / node / "etc/ha.d/authkeys", 0o644)
    assert rule_ids(lint(bundle)) == []


@pytest.mark.parametrize("mode, expected", [(0o644, ["HB200"]), (0o640, ["HB200"]), (0o600, []), (0o400, [])])
def test_a_root_is_judged_by_the_real_file_mode(tmp_path, mode, expected):
    root = tmp_path / "root"
    shutil.copytree(SAMPLES / "elastix-2.3" / NODES[0] / "etc", root / "etc")
    (root / "etc/ha.d/authkeys").write_text(f"auth 1\n1 sha1 {LONG_KEY}\n")
    os.chmod(root / "etc/ha.d/authkeys", mode)
    ids = rule_ids(lint(root=root, select="HB200"))
    assert ids == expected
