"""No secret from a comment reaches any output: random secrets placed in random comments of
drbd.conf, authkeys and ha.cf (commented-out statements, a live secret repeated in a trailing
comment or in another file's comment) never appear in ``halint parse`` (text, JSON),
``halint lint`` (text with code frames, JSON, SARIF, GitHub) or a ``halint collect`` bundle."""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elastix_halint import collect
from elastix_halint.lint.session import LintOptions, run_lint
from elastix_halint.parsing.run import parse_files, render_json, render_text

# Distinct enough not to occur by chance in the files' other text.
SECRET = st.text("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", min_size=8, max_size=24).map(lambda s: "Zq" + s)
# A suppression naming an unknown rule makes halint lint report that comment's line, so the
# text report quotes it in a code frame.
QUOTE_ME = "halint: ignore[DRBD999]"


@st.composite
def configs(draw):
    live_drbd, old_drbd, live_key, old_key, old_key2, stonith_pw = (draw(SECRET) for _ in range(6))
    blank = draw(st.sampled_from([" ", "  ", "\t"]))
    drbd_comments = draw(st.lists(st.sampled_from([
        f"#{blank}shared-secret \"{old_drbd}\";",
        f"#shared-secret {old_drbd};",
        f"# the old one was: shared-secret {old_drbd}; {QUOTE_ME}",
        f"# {live_drbd} {QUOTE_ME}",
        f"# key {live_key} is in authkeys",
    ]), min_size=1, max_size=4))
    trailing = draw(st.sampled_from(["", f" # {live_drbd}", f" # {QUOTE_ME} {live_drbd}"]))
    drbd = "\n".join([
        "resource r0 {",
        "  protocol C;",
        "  net {",
        "    cram-hmac-alg sha1;",
        f"    shared-secret \"{live_drbd}\";{trailing}",
        *(f"    {c}" for c in drbd_comments),
        "  }",
        "  on alpha { device /dev/drbd0; disk /dev/sda1; address 10.0.0.1:7788; meta-disk internal; }",
        "  on beta { device /dev/drbd0; disk /dev/sda1; address 10.0.0.2:7788; meta-disk internal; }",
        "}",
        "",
    ])
    key_comments = draw(st.lists(st.sampled_from([
        f"#3 md5 {old_key}", f"# 2 sha1 {old_key2}", f"#{blank}1 sha1 {live_key}", f"#md5 {old_key}",
        f"# old: 2 sha1 {old_key2}", f"# {live_key}",
    ]), min_size=1, max_size=4))
    authkeys = "\n".join(["auth 1", f"1 sha1 {live_key}", *key_comments, ""])
    hacf = "\n".join([
        "node alpha", "node beta", "bcast eth1",
        f"#stonith_host * baytech 10.0.0.3 admin {stonith_pw}",
        f"keepalive 2 # drbd secret {live_drbd}" if draw(st.booleans()) else "keepalive 2",
        "",
    ])
    secrets = {live_drbd, old_drbd, live_key, old_key, old_key2, stonith_pw}
    return {"etc/drbd.conf": drbd, "etc/ha.d/authkeys": authkeys, "etc/ha.d/ha.cf": hacf}, secrets


def _write(root: Path, files: dict) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.chmod(path, 0o600)


def _stdout(fn, *args) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        fn(*args)
    return buf.getvalue()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_no_secret_from_a_comment_in_any_output(case):
    files, secrets = case
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "voipserver.drbd"
        _write(root, files)
        paths = [str(root / rel) for rel in files]
        outputs = {}
        outcomes = parse_files(paths, None)
        outputs["parse json"] = _stdout(render_json, outcomes, True)
        outputs["parse text"] = _stdout(render_text, outcomes, True)
        for fmt in ("text", "json", "sarif", "github"):
            outputs[f"lint {fmt}"] = _stdout(run_lint, LintOptions(paths=paths, fmt=fmt, files=True))
        bundle = collect.bundle_files(str(root))
        outputs["collect"] = b"".join(data for data, _mode in bundle.files.values()).decode("utf-8", "replace")
    # The outputs are real: the JSON parses, the suppression's line is quoted in the text report.
    assert json.loads(outputs["parse json"])["files"][0]["model"]["comments"]
    if QUOTE_ME in files["etc/drbd.conf"]:
        assert "DRBD999" in outputs["lint text"] and " | " in outputs["lint text"]
    for name, out in outputs.items():
        for secret in secrets:
            assert secret not in out, f"{secret} in {name}"


_PIECES = ["shared-secret", "SHARED-SECRET", " ", "\t", "\r", "\n", '"', "\\", "#", ";", "a", "x y", "é"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40))
def test_drbd_secrets_of_a_whole_text_are_those_of_its_lines(pieces):
    # secrets_of_text reads a drbd.conf in one pass: it must find exactly what reading it line
    # by line finds (a secret never runs over a line end, quoted or not).
    from elastix_halint import secrets

    text = "".join(pieces)
    by_line = {line[a:b] for line in text.split("\n") for a, b in secrets._syntax_ranges(line, "drbd")}
    assert set(secrets._secrets_written(text, "drbd")) == by_line


def _drbd_comment_start(line: str):
    """drbdadm's scanner, character by character: the first ``#`` outside a quoted string."""
    quoted, i = False, 0
    while i < len(line):
        if quoted and line[i] == "\\":
            i += 2
            continue
        if line[i] == '"':
            quoted = not quoted
        elif line[i] == "#" and not quoted:
            return i
        i += 1
    return None


@settings(max_examples=500, deadline=None)
@given(st.text('ab "#\\;', max_size=30))
def test_where_a_drbd_comment_starts(line):
    from elastix_halint.secrets import comment_start

    assert comment_start(line, "drbd") == comment_start(line, None) == _drbd_comment_start(line)
