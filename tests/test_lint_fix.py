"""--fix changes only the edited characters and writes atomically; --diff redacts secrets."""

from __future__ import annotations

import os

from lint_helpers import fake_parse, lint, make_cluster
from test_lint_engine import BadKey

from elastix_halint.lint.fix import plan_fixes, unified_diff, write_fix


def _lint_file(path, kind="drbd"):
    data = path.read_bytes()
    text = data[3:].decode() if data.startswith(b"\xef\xbb\xbf") else data.decode()
    result = fake_parse("n1/etc/drbd.conf", text, kind=kind, real_path=str(path))
    return lint(make_cluster({"n1": {"/etc/drbd.conf": result}}), BadKey)


def test_fix_rewrites_only_the_edited_words(tmp_path):
    path = tmp_path / "drbd.conf"
    original = b"\xef\xbb\xbfres {\r\n  bad 1;  other\t2\r\n\tbad 3 \r\n}\r\n# \xc3\xa9t\xc3\xa9 no newline at end"
    path.write_bytes(original)
    os.chmod(path, 0o640)
    run = _lint_file(path)
    [plan] = plan_fixes(run.problems)
    write_fix(plan)
    assert path.read_bytes() == original.replace(b"bad", b"good")
    assert oct(path.stat().st_mode & 0o777) == "0o640"
    assert [p.name for p in tmp_path.iterdir()] == ["drbd.conf"]  # no temp file left


def test_a_file_changed_since_lint_is_left_alone(tmp_path):
    path = tmp_path / "drbd.conf"
    path.write_text("bad 1\n")
    run = _lint_file(path)
    path.write_text("bad 1\nbad 2\n")
    assert plan_fixes(run.problems) == []


def test_overlapping_edits_keep_the_first(tmp_path):
    from elastix_halint.model.record import replace

    path = tmp_path / "drbd.conf"
    path.write_text("bad 1\n")
    run = _lint_file(path)
    p = run.problems[0]
    clash = replace(p, rule_id="TST999", fix=replace(p.fix, replacement="evil"))
    [plan] = plan_fixes([p, clash])
    assert plan.new == "good 1\n" and plan.fixed == [p]


def test_diff_is_unified_and_redacts_secrets(tmp_path):
    path = tmp_path / "drbd.conf"
    path.write_text('net {\n  shared-secret "TopSecret42";\n  bad 1;\n}\n')
    run = _lint_file(path)
    [plan] = plan_fixes(run.problems)
    diff = unified_diff(plan)
    assert "-  bad 1;\n+  good 1;\n" in diff and diff.startswith("--- a/n1/etc/drbd.conf\n+++ b/n1/etc/drbd.conf\n")
    assert "TopSecret42" not in diff
    assert path.read_text().count("bad") == 1  # --diff writes nothing
