"""``halint parse`` on Heartbeat/hosts files: detection, secrets, bad input."""

from __future__ import annotations

import json

from conftest import SAMPLES, run_halint

OCR = SAMPLES / "howto-ocr" / "voipserver.drbd" / "etc"
GOOD = SAMPLES / "elastix-2.3" / "voipserver.drbd" / "etc"


def _json(*args):
    proc = run_halint("parse", "--format", "json", *args)
    return proc, json.loads(proc.stdout)


def test_kinds_detected_by_name():
    proc, doc = _json(*(str(GOOD / p) for p in ("ha.d/ha.cf", "ha.d/authkeys", "ha.d/haresources", "hosts")))
    assert proc.returncode == 0, proc.stderr
    assert [f["kind"] for f in doc["files"]] == ["hacf", "authkeys", "haresources", "hosts"]
    assert all(f["ok"] for f in doc["files"])


def test_secret_never_shown_without_show_secrets(tmp_path):
    keys = tmp_path / "authkeys"
    keys.write_text("auth 1\n1 shal Very-Secret-1\n2 sha1 Very-Secret-2 extra\nx sha1 Very-Secret-3\n")
    for fmt in ("text", "json"):
        proc = run_halint("parse", "--format", fmt, str(keys))
        assert proc.returncode == 2  # 'shal' is an error
        assert "Very-Secret" not in proc.stdout + proc.stderr
        assert "sha1" in proc.stdout  # the suggestion is shown
    shown = run_halint("parse", "--format", "json", "--show-secrets", str(keys))
    assert "Very-Secret-1" in shown.stdout and "Very-Secret-2" in shown.stdout


def test_ocr_sample_reports_each_file(tmp_path):
    proc = run_halint("parse", *(str(OCR / p) for p in ("ha.d/ha.cf", "ha.d/authkeys", "ha.d/haresources", "hosts")))
    assert proc.returncode == 2
    out = proc.stdout
    for expected in ("local0", "sha1", "/dev/drbd0", "::1"):
        assert f"did you mean {expected}?" in out, out
    assert "MySecret" not in out


def test_empty_binary_and_latin1(tmp_path):
    empty = tmp_path / "ha.cf"
    empty.write_bytes(b"")
    proc = run_halint("parse", str(empty))
    assert proc.returncode == 2 and "empty" in (proc.stdout + proc.stderr)
    assert "Traceback" not in proc.stderr

    binary = tmp_path / "authkeys"
    binary.write_bytes(b"auth 1\n\x00\x01\x02")
    proc = run_halint("parse", str(binary))
    assert proc.returncode == 2 and "binary" in (proc.stdout + proc.stderr)

    latin = tmp_path / "hosts"
    latin.write_bytes("# h\xf4te du r\xe9seau\n10.0.0.1 n\xe9ud1\n".encode("latin-1"))
    proc, doc = _json(str(latin))
    (f,) = doc["files"]
    assert f["encoding"] == "latin-1" and f["warnings"]
    assert f["model"]["entries"][0]["names"][0]["text"] == "n\xe9ud1"
    assert "Traceback" not in proc.stderr

    empty_res = tmp_path / "haresources"
    empty_res.write_bytes(b"")
    proc, doc = _json(str(empty_res))
    assert proc.returncode == 0 and doc["files"][0]["model"]["groups"] == []
