"""``halint lint``, ``rules`` and ``explain`` as a user runs them: exit codes, formats, fixes."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import SAMPLES

BROKEN_LINE = "  protocoll C;"


@pytest.fixture
def bundle(tmp_path):
    """The HOWTO sample bundle with a misspelt keyword on one node."""
    dest = tmp_path / "bundle"
    shutil.copytree(SAMPLES / "elastix-2.3", dest)
    conf = dest / "voipserver.drbd" / "etc" / "drbd.conf"
    text = conf.read_text()
    assert "  protocol C;" in text
    conf.write_text(text.replace("  protocol C;", BROKEN_LINE, 1))
    return dest


def test_exit_codes_follow_fail_on(halint, bundle):
    assert halint("lint", "--format", "text", str(bundle)).returncode == 1
    assert halint("lint", "--fail-on", "never", str(bundle)).returncode == 0
    clean = halint("lint", "--format", "json", str(SAMPLES / "elastix-2.3"), "--select", "PARSE", "--fail-on", "error")
    assert clean.returncode == 0, clean.stdout + clean.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--select", "NOPE"], "no rule matches"),
        (["--fail-on", "sometimes"], "fail-on"),
        (["--format", "xml"], "--format"),
        (["--fix", "--diff"], "cannot be combined"),
        (["--config", "/nonexistent/halint.toml"], "no such configuration"),
    ],
)
def test_usage_errors_exit_2_with_one_line(halint, bundle, args, message):
    proc = halint("lint", *args, str(bundle))
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr


def test_missing_path_is_an_input_error(halint, tmp_path):
    proc = halint("lint", str(tmp_path / "nope"))
    assert proc.returncode == 2 and "no such file" in proc.stderr and "Traceback" not in proc.stderr


def test_auto_format_is_github_in_actions(halint, bundle):
    proc = halint("lint", str(bundle), env={"GITHUB_ACTIONS": "true"})
    lines = proc.stdout.splitlines()
    assert lines and all(line.startswith("::") for line in lines[:-1]) and lines[-1].startswith("Found ")
    assert any(line.startswith("::error file=") and "title=PARSE001::" in line for line in lines)


def test_json_output_and_config_file(halint, bundle):
    (bundle / ".halint.toml").write_text('[severity]\nPARSE001 = "info"\n')
    proc = halint("lint", "--format", "json", "--select", "PARSE", str(bundle))
    doc = json.loads(proc.stdout)
    assert proc.returncode == 0  # downgraded to info, below the default fail-on
    [p] = [p for p in doc["problems"] if p["rule"] == "PARSE001"]
    assert p["severity"] == "info" and p["span"][0] > 0 and p["node"] == "voipserver.drbd"


def test_diff_then_fix(halint, bundle):
    conf = bundle / "voipserver.drbd" / "etc" / "drbd.conf"
    before = conf.read_bytes()
    diff = halint("lint", "--diff", str(bundle))
    assert diff.returncode == 1 and f"-{BROKEN_LINE}\n+  protocol C;\n" in diff.stdout
    assert "CentOSru" not in diff.stdout  # the sample's shared-secret
    assert conf.read_bytes() == before
    fixed = halint("lint", "--fix", "--select", "PARSE", "--format", "text", str(bundle))
    assert "1 fixed" in fixed.stdout, fixed.stdout
    assert conf.read_bytes() == before.replace(BROKEN_LINE.encode(), b"  protocol C;", 1)
    assert halint("lint", "--diff", str(bundle)).stdout == ""


def test_files_mode_lints_each_file_alone(halint, bundle, tmp_path):
    conf = bundle / "voipserver.drbd" / "etc" / "drbd.conf"
    proc = halint("lint", "--files", "--format", "json", "--select", "PARSE", str(conf), str(bundle / "voipbackup.drbd" / "etc" / "drbd.conf"))
    doc = json.loads(proc.stdout)
    assert [p["rule"] for p in doc["problems"]] == ["PARSE001"] and proc.returncode == 1
    assert halint("lint", "--files", str(bundle)).returncode == 2


def test_rules_and_explain(halint):
    table = halint("rules")
    assert table.returncode == 0 and table.stdout.splitlines()[0].split() == ["ID", "SEVERITY", "SCOPE", "NAME"]
    rows = json.loads(halint("rules", "--format", "json").stdout)
    hal = next(r for r in rows if r["id"] == "HAL001")
    assert (hal["name"], hal["severity"], hal["scope"]) == ("unused-suppression", "info", "run")
    doc = halint("explain", "unused-suppression")
    assert doc.returncode == 0 and "## Why it matters" in doc.stdout and doc.stdout.startswith("HAL001")
    wrong = halint("explain", "HAL01")
    assert wrong.returncode == 2 and "did you mean HAL001" in wrong.stderr
