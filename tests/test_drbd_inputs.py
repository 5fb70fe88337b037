"""`halint parse` on drbd files: secrets stay hidden unless asked for, and unreadable inputs end
with exit 2 and one line naming the file (a Latin-1 comment is only a warning)."""

from __future__ import annotations

import json

import pytest

from conftest import SAMPLES, run_halint

SECRET = "CentOSru!3z"
GOOD = (SAMPLES / "elastix-2.3" / "voipserver.drbd" / "etc" / "drbd.conf").read_text()


@pytest.mark.parametrize("fmt", ["json", "text"])
@pytest.mark.parametrize("conf", sorted(SAMPLES.glob("*/*/etc/drbd.conf")), ids=str)
def test_secret_only_with_show_secrets(conf, fmt):
    assert SECRET in conf.read_text()
    hidden = run_halint("parse", "--format", fmt, str(conf))
    shown = run_halint("parse", "--format", fmt, "--show-secrets", str(conf))
    assert hidden.returncode == shown.returncode and hidden.returncode in (0, 2)
    assert SECRET not in hidden.stdout + hidden.stderr
    assert "<redacted>" in hidden.stdout
    assert SECRET in shown.stdout


def test_json_model_has_the_secret_option_redacted(tmp_path):
    conf = tmp_path / "drbd.conf"
    conf.write_text(GOOD)
    doc = json.loads(run_halint("parse", "--format", "json", str(conf)).stdout)
    net = doc["files"][0]["model"]["resources"][0]["settings"]["net"]
    (secret,) = [o for o in net if o["name"] == "shared-secret"]
    assert secret["text"] == secret["normalised"] == secret["values"][0] == "<redacted>"
    assert secret["span"][0] == GOOD.splitlines().index('    shared-secret "CentOSru!3z";') + 1


def _one_line_error(proc, name: str) -> None:
    assert proc.returncode == 2
    out = (proc.stdout + proc.stderr).strip()
    assert "Traceback" not in out
    assert name in out


@pytest.mark.parametrize("content", [b"", b"   \n", b"resource r0 {\x00}\n"], ids=["empty", "blank", "binary"])
def test_unreadable_content(tmp_path, content):
    conf = tmp_path / "drbd.conf"
    conf.write_bytes(content)
    _one_line_error(run_halint("parse", str(conf)), "drbd.conf")


def test_directory_and_missing(tmp_path):
    folder = tmp_path / "drbd.conf"
    folder.mkdir()
    _one_line_error(run_halint("parse", str(folder)), "drbd.conf")
    _one_line_error(run_halint("parse", str(tmp_path / "x" / "drbd.conf")), "drbd.conf")


def test_oversized(tmp_path):
    conf = tmp_path / "drbd.conf"
    with open(conf, "wb") as fh:
        fh.truncate(16 * 1024 * 1024 + 1)
    _one_line_error(run_halint("parse", str(conf)), "drbd.conf")


def test_latin1_comment_is_a_warning(tmp_path):
    conf = tmp_path / "drbd.conf"
    conf.write_bytes(("# réplica de données\n" + GOOD).encode("latin-1"))
    proc = run_halint("parse", "--format", "json", str(conf))
    assert proc.returncode == 0, proc.stdout
    entry = json.loads(proc.stdout)["files"][0]
    assert entry["encoding"] == "latin-1" and entry["warnings"]
    assert entry["model"]["comments"][0]["text"] == "réplica de données"


def test_unreadable_include_is_a_diagnostic_not_a_crash(tmp_path):
    (tmp_path / "bin.conf").write_bytes(b"\x00\x01")
    conf = tmp_path / "drbd.conf"
    conf.write_text('include "bin.conf";\n' + GOOD)
    proc = run_halint("parse", "--format", "json", str(conf))
    assert proc.returncode == 2
    (diag,) = json.loads(proc.stdout)["files"][0]["diagnostics"]
    assert diag["code"] == "PARSE003" and diag["span"] == [1, 9, 1, 19]  # "bin.conf", in the entry's own file
