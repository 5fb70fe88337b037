"""The four lint report formats over one run: JSON schema fields, SARIF 2.1.0 validity and
fingerprints, GitHub annotation escaping, the Rich text frame; secrets in none of them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest
from lint_helpers import fake_parse, lint, make_cluster
from test_lint_engine import BadKey, PeerDiffers

from elastix_halint.lint.config import Settings
from elastix_halint.report import github, lint_json, sarif, text

SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
SECRET = "TopSecret42"
NODE1 = f'net {{\n  bad 1; shared-secret "{SECRET}";\n}}\nrate 10M\n'
NODE2 = "rate 20M\n"


def _run(tmp_path, monkeypatch, node1=NODE1):
    monkeypatch.chdir(tmp_path)
    files = {}
    for name, body in (("n1", node1), ("n2", NODE2)):
        real = tmp_path / "bundle" / name / "etc" / "drbd.conf"
        real.parent.mkdir(parents=True, exist_ok=True)
        real.write_text(body)
        files[name] = {"/etc/drbd.conf": fake_parse(f"{name}/etc/drbd.conf", body, real_path=str(real))}
    from elastix_halint.lint.registry import build_registry
    from lint_helpers import registry_of

    cluster = make_cluster(files)
    registry = registry_of(BadKey, PeerDiffers)
    from elastix_halint.lint.engine import Engine

    return Engine(registry, Settings()).lint(cluster), registry


def _out(render, *args, **kw):
    buf = io.StringIO()
    render(*args, out=buf, **kw)
    return buf.getvalue()


def test_sarif_is_valid_2_1_0_and_complete(tmp_path, monkeypatch):
    run, registry = _run(tmp_path, monkeypatch)
    doc = json.loads(_out(sarif.render, run, registry))
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(doc)
    [sarif_run] = doc["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert set(ids) == set(registry.rules) and ids == sorted(ids)  # every selected rule
    for r in rules:
        assert r["shortDescription"]["text"] and r["fullDescription"]["text"]
        assert "## Why it matters" in r["help"]["markdown"] and "Why it matters:" in r["help"]["text"]
    assert rules[ids.index("TST101")]["defaultConfiguration"]["level"] == "warning"
    assert rules[ids.index("HAL001")]["defaultConfiguration"]["level"] == "note"
    assert sarif_run["originalUriBaseIds"]["SRCROOT"]["uri"] == tmp_path.as_uri() + "/"
    by_rule = {r["ruleId"]: r for r in sarif_run["results"]}
    bad = by_rule["TST101"]
    assert rules[bad["ruleIndex"]]["id"] == "TST101"
    loc = bad["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "bundle/n1/etc/drbd.conf", "uriBaseId": "SRCROOT"}
    line = NODE1.split("\n")[1]
    assert loc["region"] == {"startLine": 2, "startColumn": line.index("bad") + 1, "endLine": 2, "endColumn": len(line) + 1}
    peer = by_rule["TST301"]
    assert peer["level"] == "error"
    assert peer["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "bundle/n2/etc/drbd.conf"
    assert SECRET not in json.dumps(doc)


def test_sarif_fingerprints_survive_moved_lines_and_count_occurrences(tmp_path, monkeypatch):
    def prints(body):
        run, registry = _run(tmp_path, monkeypatch, body)
        doc = sarif.render_document(run, registry)
        return [(r["ruleId"], r["partialFingerprints"]["halint/v1"]) for r in doc["runs"][0]["results"] if r["ruleId"] == "TST101"]

    before = prints("bad 1\nbad 1\n")
    after = prints("# a new first line\n\nbad 1\nbad 1\n")
    assert before == after and len({fp for _, fp in before}) == 2
    assert before[0][1].endswith(":1") and before[1][1].endswith(":2")
    assert prints("bad 2\n")[0] != before[0]


def test_json_document(tmp_path, monkeypatch):
    run, _ = _run(tmp_path, monkeypatch)
    doc = json.loads(_out(lint_json.render, run, Settings()))
    assert doc["schema"] == 2 and doc["tool"]["name"] == "halint"
    assert doc["summary"] == {
        "problems": 2, "error": 1, "warning": 1, "info": 0, "fixable": 1, "fixed": 0,
        "suppressed": 0, "fail_on": "warning", "failed": True,
    }
    bad = next(p for p in doc["problems"] if p["rule"] == "TST101")
    assert bad["file"] == "n1/etc/drbd.conf" and bad["location"] == "bundle/n1/etc/drbd.conf"
    assert bad["span"][0] == 2 and len(bad["span"]) == 4 and bad["fix"]["replacement"] == "good" and bad["node"] == "n1"
    assert SECRET not in json.dumps(doc)


def test_github_annotations_are_escaped(tmp_path, monkeypatch):
    from elastix_halint.model.record import replace

    run, _ = _run(tmp_path, monkeypatch)
    p = next(p for p in run.problems if p.rule_id == "TST101")
    line = github.annotation(replace(p, message="50% done,\nnext: x"))
    assert line.startswith("::warning file=bundle/n1/etc/drbd.conf,line=2,col=")
    assert ",title=TST101::50%25 done,%0Anext: x%0Ahint: use good" in line
    assert github.annotation(replace(p, rule_id="A:B,C")).count("title=A%3AB%2CC::") == 1
    out = _out(github.render, run, Settings())
    assert out.splitlines()[-1].startswith("Found 2 problems") and "::error " in out


def test_text_report_quotes_the_line_with_a_caret_and_redacts(tmp_path, monkeypatch):
    from elastix_halint.report.styled import Lines

    run, _ = _run(tmp_path, monkeypatch)
    buf = io.StringIO()
    text.render(run, Settings(), out=Lines(buf))
    out = buf.getvalue()
    assert SECRET not in out and "<redacted>" in out
    lines = out.splitlines()
    i = lines.index(next(l for l in lines if "TST101" in l))
    assert "bad" in lines[i + 1] and lines[i + 2].strip().startswith("|")
    caret_col = lines[i + 2].index("^")
    assert lines[i + 1][caret_col:].startswith("bad")
    assert "bundle/n1/etc/drbd.conf" in out and "see also: n2/etc/drbd.conf:1:1" in out
    assert lines[-1] == "Found 2 problems (1 error, 1 warning, 0 info); 1 fixable with --fix."


@pytest.mark.parametrize("fmt", ["json", "sarif", "github"])
def test_machine_formats_do_not_import_rich(fmt, halint):
    from conftest import SAMPLES

    code = (
        "import sys\nfrom elastix_halint.cli import main\n"
        f"try:\n    main(['lint', '--format', '{fmt}', {str(SAMPLES / 'elastix-2.3')!r}])\n"
        "except SystemExit:\n    pass\n"
        "sys.stderr.write('RICH' if any(m == 'rich' or m.startswith('rich.') for m in sys.modules) else 'NORICH')\n"
    )
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stderr.endswith("NORICH"), proc.stderr[-2000:]


def test_text_verbose_lists_skipped_rules(tmp_path, monkeypatch):
    from elastix_halint.report.styled import Lines

    run, _ = _run(tmp_path, monkeypatch)
    run.skipped.append(("NODE101", "n2", "stat"))
    quiet, loud = io.StringIO(), io.StringIO()
    text.render(run, Settings(), out=Lines(quiet))
    text.render(run, Settings(), verbose=True, out=Lines(loud))
    assert "NODE101" not in quiet.getvalue() and "skipped NODE101 on n2: missing stat" in loud.getvalue()
