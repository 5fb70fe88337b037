"""The pre-commit hooks: each hook's entry, run as pre-commit would, on sample inputs."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest
import yaml
from conftest import REPO, SAMPLES

HOOKS = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}


def _run_hook(hook: dict, cwd, filenames=()):
    """Run like pre-commit: entry + args (+ matching filenames when pass_filenames)."""
    pattern = re.compile(hook.get("files", ""))
    matched = [f for f in filenames if pattern.search(f)]
    argv = shlex.split(hook["entry"]) + list(hook.get("args", []))
    if hook.get("pass_filenames", True):
        argv += matched
    assert argv[0] == "halint"
    env = dict(os.environ, NO_COLOR="1")
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([sys.executable, "-m", "elastix_halint", *argv[1:]], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def repo(tmp_path):
    dest = tmp_path / "cluster-config"
    shutil.copytree(SAMPLES / "elastix-2.3", dest)
    return dest


def _files(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


def test_hooks_are_declared_as_designed():
    assert set(HOOKS) == {"halint", "halint-files"}
    for hook in HOOKS.values():
        assert {"id", "name", "entry", "language"} <= set(hook)
    assert HOOKS["halint"]["pass_filenames"] is False and HOOKS["halint"]["require_serial"] is True
    pattern = re.compile(HOOKS["halint-files"]["files"])
    for name in ("etc/drbd.conf", "n1/etc/drbd.d/r0.res", "etc/ha.d/ha.cf", "etc/ha.d/haresources", "etc/ha.d/authkeys", "etc/hosts"):
        assert pattern.search(name), name
    for name in ("etc/drbd.conf.bak", "README.md", "etc/ha.d/ha.cf~"):
        assert not pattern.search(name), name


def test_bundle_hook_lints_the_repository(repo):
    run = _run_hook(HOOKS["halint"], repo, _files(repo))
    assert run.returncode in (0, 1) and "Traceback" not in run.stderr
    conf = repo / "voipserver.drbd" / "etc" / "drbd.conf"
    conf.write_text(conf.read_text().replace("protocol C;", "protocoll C;", 1))
    broken = _run_hook(HOOKS["halint"], repo, _files(repo))
    assert broken.returncode == 1 and "PARSE001" in broken.stdout


def test_files_hook_checks_each_changed_file(repo):
    files = _files(repo)
    hook = dict(HOOKS["halint-files"], args=["--select", "PARSE"])  # the HOWTO sample trips real rules
    clean = _run_hook(hook, repo, files)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    conf = repo / "voipbackup.drbd" / "etc" / "drbd.conf"
    conf.write_text(conf.read_text().replace("protocol C;", "protocoll C;", 1))
    broken = _run_hook(hook, repo, files)
    assert broken.returncode == 1 and "voipbackup.drbd/etc/drbd.conf" in broken.stdout
