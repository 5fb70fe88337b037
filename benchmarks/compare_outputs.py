"""Are halint's outputs the same as a git revision's? Every format, on the samples and the corpus.

Speed work must not change what halint says. This builds the wheel of ``--base`` (default
``main``) and of this checkout, installs each into its own venv (``harness.install``), copies the
inputs to one place (so both runs see the same paths), and runs in each venv, in one process per
venv, the same list of command lines:

* ``halint lint`` of every sample bundle, ``tests/data/good-cluster`` and a generated
  400-resource drbd.conf, in text (plain, and with colour forced), json, sarif and github, also
  with ``--verbose``;
* ``halint lint --files`` of every corpus file (text and json);
* ``halint parse`` (text and json) of every file of the samples and of the corpus;
* ``halint rules`` (text and json), ``halint explain ID`` of every rule, ``--help`` pages,
  ``--version`` and some usage errors.

stdout, stderr and the exit code of each are compared. JSON documents are compared after
reading, with every span in the object form of ``halint-parse/1`` and lint schema 1, without its
file when that is the file the enclosing part is about, and the schema marks set aside: the
compact spans of ``halint-parse/2`` and lint schema 2 (``[line, column, end_line, end_column]``,
+ the file when it is another one) are the one documented difference. Prints each difference (the first lines of it) and exits 1 if there is one.

    python benchmarks/compare_outputs.py [--base main] [--keep] [--show 5]
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import REPO, cleanup, generate_drbd, install, quiet_env

SHARED = REPO.parent / "shared"
SPAN_KEYS = ("line", "column", "end_line", "end_column")

# Runs each command line of argv[1] (a JSON list) in this process; writes JSON lines to argv[2].
DRIVER = r"""
import io, json, os, sys
from elastix_halint.cli import main
base_env = dict(os.environ)
with open(sys.argv[1]) as fh:
    jobs = json.load(fh)
with open(sys.argv[2], "w") as out:
    for job in jobs:
        os.environ.clear(); os.environ.update(base_env); os.environ.update(job.get("env", {}))
        stdout, stderr = io.StringIO(), io.StringIO()
        sys.stdout, sys.stderr = stdout, stderr
        try:
            main(job["argv"])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        out.write(json.dumps({"argv": job["argv"], "env": job.get("env", {}), "code": code,
                              "stdout": stdout.getvalue(), "stderr": stderr.getvalue()}) + "\n")
"""


def _bundles(inputs: Path) -> list[Path]:
    found = [p for p in sorted((inputs / "samples").iterdir()) if p.is_dir()]
    return found + [inputs / "good-cluster"]


def jobs_for(inputs: Path, rule_ids: list[str]) -> list[dict]:
    jobs: list[dict] = []
    add = lambda *argv, **env: jobs.append({"argv": [str(a) for a in argv], "env": env})  # noqa: E731
    for bundle in _bundles(inputs) + [inputs / "big" / "drbd.conf"]:
        for fmt in ("text", "json", "sarif", "github"):
            add("lint", "--format", fmt, bundle)
        add("lint", "--format", "text", bundle, FORCE_COLOR="1")
        add("lint", "--verbose", "--format", "text", bundle)
        add("lint", "--verbose", "--format", "json", bundle)
    files = sorted(p for p in (inputs / "samples").rglob("*") if p.is_file() and p.name != "README.md")
    corpus = sorted(p for p in (inputs / "corpus").rglob("*") if p.is_file() and p.parent != inputs / "corpus")
    for path in files:
        for fmt in ("text", "json"):
            add("parse", "--format", fmt, path)
    for path in corpus:
        kind = path.relative_to(inputs / "corpus").parts[0]
        for fmt in ("text", "json"):
            add("parse", "--kind", kind, "--format", fmt, path)
            add("lint", "--files", "--format", fmt, path)
    add("parse", "--format", "json", "--show-secrets", inputs / "samples" / "elastix-2.3" / "voipserver.drbd" / "etc" / "drbd.conf")
    add("parse", "--format", "json", inputs / "big" / "drbd.conf")
    for fmt in ("text", "json"):
        add("rules", "--format", fmt)
    for rid in rule_ids:
        add("explain", rid)
    for argv in ([], ["--help"], ["lint", "--help"], ["parse", "--help"], ["rules", "--help"], ["links", "--help"],
                 ["snapshot", "--help"], ["--version"], ["lint", "--format", "xml", "."], ["parse"], ["nope"],
                 ["lint", "--no-such-option"], ["explain", "NOPE999"], ["parse", "--kind", "nope", "x"]):
        add(*argv)
    return jobs


def make_inputs(work: Path) -> Path:
    inputs = work / "inputs"
    shutil.copytree(REPO / "samples", inputs / "samples")
    shutil.copytree(REPO / "tests" / "data" / "good-cluster", inputs / "good-cluster")
    if (SHARED / "corpus").is_dir():
        shutil.copytree(SHARED / "corpus", inputs / "corpus")
    else:
        (inputs / "corpus").mkdir()
        print(f"note: {SHARED / 'corpus'} is absent; the corpus is left out", file=sys.stderr)
    (inputs / "big").mkdir()
    (inputs / "big" / "drbd.conf").write_text(generate_drbd())
    return inputs


def run_jobs(py: Path, jobs: list[dict], work: Path, name: str) -> list[dict]:
    job_file, out_file = work / f"jobs-{name}.json", work / f"out-{name}.jsonl"
    job_file.write_text(json.dumps(jobs))
    env = quiet_env()
    subprocess.run([str(py), "-c", DRIVER, str(job_file), str(out_file)], check=True, cwd=work / "inputs", env=env)
    return [json.loads(line) for line in out_file.read_text().splitlines()]


def _span(value, home):
    """A span in either form as ``{line, column, end_line, end_column[, file]}``, without the file
    when it is ``home``; anything else unchanged (None when it is not a span)."""
    if isinstance(value, dict) and set(SPAN_KEYS) <= set(value) <= {*SPAN_KEYS, "file"}:
        span = dict(value)
    elif (isinstance(value, list) and len(value) in (4, 5) and all(type(v) is int for v in value[:4])
          and (len(value) == 4 or isinstance(value[4], str))):
        span = dict(zip(SPAN_KEYS, value[:4]))
        if len(value) == 5:
            span["file"] = value[4]
    else:
        return None
    if span.get("file") == home:
        del span["file"]
    return span


def normalise(doc, home: str | None = None):
    """Every span as an object, without its file when that is the file the enclosing part is
    about (a parse entry's ``path``, a lint problem's ``file``); schema marks dropped."""
    span = _span(doc, home)
    if span is not None:
        return span
    if isinstance(doc, dict):
        if isinstance(doc.get("path"), str) and "kind" in doc:
            home = doc["path"]
        elif "rule" in doc and isinstance(doc.get("file"), str):
            home = doc["file"]
        out = {}
        for key, value in doc.items():
            if key != "schema":
                out[key] = normalise(value, home)
        return out
    if isinstance(doc, list):
        return [normalise(v, home) for v in doc]
    return doc


def comparable(result: dict) -> dict:
    text = result["stdout"]
    is_json = "--format" in result["argv"] and result["argv"][result["argv"].index("--format") + 1] in ("json", "sarif")
    if is_json and text.strip():
        try:
            return {**result, "stdout": normalise(json.loads(text))}
        except ValueError:
            pass
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="main", help="git revision to compare with (default: main)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--show", type=int, default=5, help="differences to print in full (default 5)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="halint-compare-"))
    try:
        before = install(work, args.base, "before")
        after = install(work, None, "after")
        inputs = make_inputs(work)
        rule_ids = json.loads(subprocess.run([str(after), "-m", "elastix_halint", "rules", "--format", "json"],
                                             check=True, capture_output=True, text=True, cwd=work).stdout)
        rule_ids = [r["id"] for r in (rule_ids["rules"] if isinstance(rule_ids, dict) else rule_ids)]
        jobs = jobs_for(inputs, rule_ids)
        old, new = run_jobs(before, jobs, work, "before"), run_jobs(after, jobs, work, "after")
        differ = 0
        for a, b in zip(old, new):
            ca, cb = comparable(a), comparable(b)
            if ca == cb:
                continue
            differ += 1
            if differ <= args.show:
                print(f"--- differs: halint {' '.join(a['argv'])} {a['env'] or ''}")
                for key in ("code", "stdout", "stderr"):
                    if ca[key] != cb[key]:
                        left = json.dumps(ca[key], indent=1, sort_keys=True).splitlines() if not isinstance(ca[key], str) else ca[key].splitlines()
                        right = json.dumps(cb[key], indent=1, sort_keys=True).splitlines() if not isinstance(cb[key], str) else cb[key].splitlines()
                        diff = list(difflib.unified_diff(left, right, f"{key} ({args.base})", f"{key} (this tree)", lineterm="", n=1))
                        print("\n".join(diff[:40]) + ("\n..." if len(diff) > 40 else ""))
        print(f"{len(jobs)} command lines, {differ} with different output (base {args.base})")
        sys.exit(1 if differ else 0)
    finally:
        cleanup(work, args.keep)


if __name__ == "__main__":
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    main()
