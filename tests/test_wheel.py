"""A wheel built from the repo carries the grammars and the rule plugins and works with no
source tree: build it, install it into a fresh venv, run the installed ``halint`` elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile

import pytest

from conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("*.whl")
    return path


def test_wheel_carries_grammars_and_rules(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "elastix_halint/_grammars/drbd.lark" in names and "elastix_halint/_lalr_tables.py" in names
    # One module per rule, in one subpackage per family, and nothing compiled from the checkout.
    rule_files = sorted((REPO / "rules").glob("*/*.py"))
    assert rule_files and all(f"elastix_halint/builtin/{p.parent.name}/{p.name}" in names for p in rule_files)
    assert not any("__pycache__" in n for n in names)
    assert not any(n.startswith(("rules/", "grammars/")) for n in names), "no top-level packages leak into site-packages"
    # The node-side scripts travel as readable .sh files (halint collect --script prints them).
    assert {"elastix_halint/remote/scripts/lib.sh", "elastix_halint/remote/scripts/collect.sh"} <= set(names)


def test_installed_wheel_parses_without_source_tree(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    pip = env_dir / "bin" / "pip"
    subprocess.run([str(pip), "install", "-q", str(wheel)], check=True, capture_output=True)
    conf = tmp_path / "work" / "drbd.conf"
    conf.parent.mkdir()
    conf.write_text(
        "resource r0 {\n  protocol C;\n  on alpha { device /dev/drbd0; disk /dev/sda3; address 10.1.1.1:7788; meta-disk internal; }\n"
        "  on beta { device /dev/drbd0; disk /dev/sda3; address 10.1.1.2:7788; meta-disk internal; }\n}\n"
    )
    proc = subprocess.run(
        [str(env_dir / "bin" / "halint"), "parse", "--format", "json", str(conf)],
        cwd=conf.parent,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert '"r0"' in proc.stdout
    # The installed tool finds its built-in rules through the entry points.
    rules = subprocess.run([str(env_dir / "bin" / "halint"), "rules"], cwd=conf.parent, capture_output=True, text=True)
    assert rules.returncode == 0, rules.stderr
    rule_modules = [p for p in (REPO / "rules").glob("*/*.py") if not p.name.startswith("_")]
    assert rules.stdout.rstrip().endswith(f"\n{len(rule_modules)} rules")
    # ... and prints the node-side script from the package data.
    printed = subprocess.run([str(env_dir / "bin" / "halint"), "collect", "--script"], cwd=conf.parent, capture_output=True, text=True)
    assert printed.returncode == 0 and printed.stdout.startswith("#!/bin/sh") and "hl_collect()" in printed.stdout
    # ... and runs them: DRBD114 lives in rules/drbd/drbd114_no_split_brain_notification.py.
    lint = subprocess.run([str(env_dir / "bin" / "halint"), "lint", "--select", "DRBD114", "--fail-on", "info", str(conf)],
                          cwd=conf.parent, capture_output=True, text=True)
    assert lint.returncode == 1, lint.stdout + lint.stderr
    assert "DRBD114" in lint.stdout and "warning" not in lint.stderr
    # --help comes from the pages rendered at build time: the installed halint imports no Typer
    # (nor anything else heavy) for it, and prints what Typer prints.
    probe = ("import sys\nfrom elastix_halint.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "sys.stderr.write('LOADED ' + ','.join(sorted({m.split('.')[0] for m in sys.modules} & "
             "{'typer', 'click', 'rich', 'lark', 'tarfile', 'zstandard', 'tarsafe'})))\n")
    for argv in (["--help"], ["lint", "--help"], ["--version"]):
        run = subprocess.run([str(env_dir / "bin" / "python"), "-c", probe, *argv], cwd=conf.parent, capture_output=True,
                             text=True, env={**os.environ, "COLUMNS": "100"})
        assert run.stderr.endswith("LOADED "), run.stderr[-2000:]
        typer_page = subprocess.run([sys.executable, "-m", "elastix_halint", *argv], cwd=REPO, capture_output=True,
                                    text=True, env={**os.environ, "COLUMNS": "100"}).stdout
        assert run.stdout == typer_page and run.stdout
    # Parsing runs the LALR tables written into the wheel: no Lark at run time.
    for argv in (["parse", "--format", "json", str(conf)], ["lint", "--format", "text", str(conf)]):
        run = subprocess.run([str(env_dir / "bin" / "python"), "-c", probe, *argv], cwd=conf.parent, capture_output=True,
                             text=True, env={k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")})
        assert run.stderr.endswith("LOADED "), (argv, run.stderr[-2000:])
