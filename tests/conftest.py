"""Shared fixtures. ``../shared`` (beside the checkout) holds the corpus of real configs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"


def run_halint(*args: str, cwd: str | os.PathLike | None = None, env: dict | None = None, input: str | None = None):
    """Run ``python -m elastix_halint ARGS`` as a user would; return the CompletedProcess."""
    full_env = dict(os.environ)
    full_env.pop("GITHUB_ACTIONS", None)
    full_env.setdefault("NO_COLOR", "1")
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "elastix_halint", *args],
        cwd=cwd,
        env=full_env,
        input=input,
        capture_output=True,
        text=True,
        timeout=300,
    )


def drawn_in_fresh_interpreter(module: str, function: str, *args):
    """``module.function(*args)`` (JSON in, JSON out) run in a new interpreter that imports only
    that module of tests/. Hypothesis also draws literals of the project's modules loaded at
    the time (``providers._get_local_constants``), so derandomised examples drawn in this
    process depend on which tests ran before; drawn there, CI and a run of one file get the
    same ones, and an oracle test fails the same way in both."""
    import json

    code = ("import importlib, json, sys; sys.path.insert(0, sys.argv[1]); "
            "print(json.dumps(getattr(importlib.import_module(sys.argv[2]), sys.argv[3])(*json.loads(sys.argv[4]))))")
    done = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent), module, function, json.dumps(args)],
                          capture_output=True, text=True, check=True, timeout=900)
    return json.loads(done.stdout)


@pytest.fixture
def halint():
    return run_halint


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside the checkout")
    return CORPUS


@pytest.fixture(scope="session")
def ssh_lab(tmp_path_factory):
    """Loopback sshd servers and client config (tests/sshd_helpers.py says what is in it)."""
    from sshd_helpers import SshLab

    reason = SshLab.skip_reason()
    if reason:
        pytest.skip(reason)
    lab = SshLab.start(tmp_path_factory.mktemp("sshlab"))
    yield lab
    lab.stop()
