"""halint lint --ssh A --ssh B: the same report, in every format, and the same exit code as
linting the bundle collected locally; --keep-bundle keeps exactly that bundle; failures are
one line with exit code 2 and leave nothing behind."""

from __future__ import annotations

import os
import re
import shutil
import tempfile

import pytest

from collect_helpers import bundle_modes, make_root
from conftest import run_halint


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two node roots (the HOWTO's layout, the second one a little broken) and their local bundle."""
    base = tmp_path_factory.mktemp("cluster")
    a = make_root(base, "a")
    b = make_root(base, "b")
    (b / "etc/hostname").write_text("voipbackup.drbd\n")
    (b / "etc/ha.d/authkeys").chmod(0o644)  # a finding only node b has
    bundle = base / "bundle"
    for root in (a, b):
        assert run_halint("collect", "--root", str(root), "--out", str(bundle)).returncode == 0
    return a, b, bundle


def _lint_remote(lab, a, b, *args, cwd=None):
    return run_halint("lint", "--ssh-config", str(lab.config), "--ssh", f"modern:{a}", "--ssh", f"busybox:{b}", *args, cwd=cwd)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_same_report_and_exit_code_as_the_local_bundle(ssh_lab, cluster, fmt, tmp_path):
    a, b, bundle = cluster
    remote = _lint_remote(ssh_lab, a, b, "--format", fmt, cwd=tmp_path)
    local = run_halint("lint", ".", "--format", fmt, cwd=bundle)  # reports name files node/etc/...
    assert local.returncode == 1 and "HB200" in local.stdout  # findings, among them node b's authkeys mode
    # SARIF's SRCROOT is the folder linted from: the bundle there, a private copy of it here.
    srcroot = re.compile(r'("SRCROOT": \{\s*"uri": )"[^"]*"')
    assert (remote.returncode, srcroot.sub(r"\1", remote.stdout)) == (local.returncode, srcroot.sub(r"\1", local.stdout))
    assert "Traceback" not in remote.stderr and "halint-bundle-" not in srcroot.sub("", remote.stdout)


def test_options_and_settings_apply_as_locally(ssh_lab, cluster, tmp_path):
    a, b, bundle = cluster
    (tmp_path / ".halint.toml").write_text('ignore = ["HB200"]\nfail-on = "never"\n')
    remote = _lint_remote(ssh_lab, a, b, "--format", "json", "--select", "HB,DRBD", cwd=tmp_path)
    # A local lint finds the settings upward from the bundle, a remote one from where it runs.
    shutil.copytree(bundle, tmp_path / "bundle")
    local = run_halint("lint", ".", "--format", "json", "--select", "HB,DRBD", cwd=tmp_path / "bundle")
    assert (remote.returncode, remote.stdout) == (local.returncode, local.stdout) and remote.returncode == 0
    assert '"HB200' not in remote.stdout and '"HB1' in remote.stdout and '"NODE' not in remote.stdout


def test_keep_bundle_keeps_the_local_bundle(ssh_lab, cluster, tmp_path):
    a, b, bundle = cluster
    kept = tmp_path / "kept"
    done = _lint_remote(ssh_lab, a, b, "--keep-bundle", str(kept))
    local = run_halint("lint", str(kept))
    assert (done.returncode, done.stdout) == (local.returncode, local.stdout) and str(kept) in done.stdout
    assert sorted(os.listdir(kept)) == sorted(os.listdir(bundle)) == ["voipbackup.drbd", "voipserver.drbd"]
    for node in os.listdir(bundle):
        assert bundle_modes(kept / node) == bundle_modes(bundle / node)


def test_failures_are_one_line_and_leave_nothing(ssh_lab, cluster, tmp_path):
    a, b, _ = cluster
    kept = tmp_path / "kept"
    done = run_halint("lint", "--ssh-config", str(ssh_lab.config), "--ssh", f"modern:{a}", "--ssh", "old-plain",
                      "--keep-bundle", str(kept))
    assert done.returncode == 2 and done.stdout == "" and done.stderr.count("\n") == 1
    assert "--ssh-option KexAlgorithms=+diffie-hellman-group14-sha1" in done.stderr and not kept.exists()
    # Every node that failed is named, each on its line: one that cannot be reached does not
    # hide another that was reached but has no such root.
    done = run_halint("lint", "--ssh-config", str(ssh_lab.config), "--ssh", "old-plain", "--ssh", f"modern:{a}/nonexistent")
    lines = done.stderr.splitlines()
    assert done.returncode == 2 and done.stdout == "" and len(lines) == 2, done.stderr
    assert "old-plain" in lines[0] and "KexAlgorithms" in lines[0] and f"{a}/nonexistent" in lines[1]
    private = tempfile.mkdtemp(prefix="t", dir="/tmp")  # short: the ssh socket folder goes there too
    try:
        done = run_halint("lint", "--ssh-config", str(ssh_lab.config), "--ssh", f"modern:{a}", "--ssh", f"modern:{a}",
                          env={"TMPDIR": private})
        assert done.returncode == 2 and "both named 'voipserver.drbd'" in done.stderr
        assert os.listdir(private) == []  # no bundle, no socket folder left
    finally:
        shutil.rmtree(private)


@pytest.mark.parametrize(
    "args,message",
    [
        (["--ssh", "node1", "bundle/"], "no PATH, --root or --peer"),
        (["--ssh", "node1", "--fix"], "--keep-bundle DIR, then lint DIR"),
        (["--keep-bundle", "x", "bundle/"], "give --ssh DEST"),
        (["--ssh-config", "x", "bundle/"], "need --ssh"),
    ],
)
def test_usage_errors(args, message):
    done = run_halint("lint", *args)
    assert done.returncode == 2 and message in done.stderr and done.stderr.count("\n") == 1
