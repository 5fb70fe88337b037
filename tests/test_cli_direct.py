"""commands/direct.py runs command lines without Typer exactly as Typer would, or not at all;
and the commands a user starts most import nothing heavy they do not need."""

from __future__ import annotations

import functools
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO, SAMPLES
from elastix_halint.commands import direct
from elastix_halint.commands.params import prepare

SEED = SAMPLES / "elastix-2.3" / "voipserver.drbd" / "etc" / "drbd.conf"


def typer_kwargs(name: str, argv: list[str]):
    """What Typer passes to command ``name`` for ``argv``, or None when it refuses the line."""
    import typer
    from typer._click import exceptions

    func = direct.commands()[name]
    seen: list[dict] = []

    @functools.wraps(func)
    def spy(**kwargs):
        seen.append(kwargs)
        return 0

    app = typer.Typer()
    app.command(name)(spy)
    app.command("other")(lambda: 0)  # a group, as halint is: the command name is read too
    prepare(app)
    try:
        app(args=[name, *argv], prog_name="halint", standalone_mode=False)
    except (exceptions.ClickException, exceptions.Exit):
        return None
    return seen[0] if seen else None


def _words(name: str) -> list[str]:
    specs = direct._specs(direct.commands()[name])
    words = ["a", "b,c", "-", "", "--", "-x", "--nope", "DRBD111", "--help"]
    for s in specs:
        for decl in s.param.decls or ("--" + s.name.replace("_", "-"),):
            words += [decl, f"{decl}=v", f"{decl}v"]
    return words


@pytest.mark.parametrize("name", ["lint", "parse", "rules", "explain"])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_direct_reads_a_line_as_typer_does_or_leaves_it_to_typer(name, data):
    argv = data.draw(st.lists(st.sampled_from(_words(name)), max_size=6))
    planned = direct.plan([name, *argv])
    if planned is not None:
        assert planned[1] == typer_kwargs(name, argv), argv


@pytest.mark.parametrize("name, argv", [
    ("lint", []), ("lint", ["a", "b"]), ("lint", ["-f", "json", "--select", "A,B", "--select", "C", "x"]),
    ("lint", ["--format=sarif", "-fjson", "--fix", "--verbose", "--", "-odd-name"]),
    ("lint", ["--root", "r", "--peer", "p", "--fail-on", "never", "--ignore", "X", "--files", "-v", "--config", "c"]),
    ("lint", ["--ssh", "node1", "--ssh", "node2:/srv", "--ssh-option", "A=b", "--keep-bundle", "k"]),
    ("parse", ["f"]), ("parse", ["-k", "drbd", "--format", "json", "--show-secrets", "a", "b"]),
    ("rules", []), ("rules", ["-f", "json"]), ("explain", ["DRBD111"]),
])
def test_ordinary_lines_are_run_directly(name, argv):
    planned = direct.plan([name, *argv])
    assert planned is not None and planned[1] == typer_kwargs(name, argv)


@pytest.mark.parametrize("argv", [["parse"], ["lint", "--nope"], ["lint", "-vf", "json"], ["lint", "--root"],
                                  ["explain"], ["explain", "A", "B"], ["lint", "--root", "-x"], ["collect", "--out", "x"],
                                  ["lint", "--fix=yes"], ["--format", "json"]])
def test_unusual_lines_are_left_to_typer(argv):
    assert direct.plan(argv) is None


def _halint(*argv, env=None):
    code = "import sys; from elastix_halint.cli import main; sys.argv[0] = 'halint'; main()"
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, **(env or {})}, timeout=120)


def test_a_rejected_value_is_reported_by_typer_with_its_usage_line():
    proc = _halint("parse", "--format", "xml", str(SEED))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("Usage: halint parse [OPTIONS] {FILE...}\n") and "Invalid value for --format" in proc.stderr


def test_help_pages_rendered_at_build_time_are_typers_pages(monkeypatch, tmp_path):
    path = tmp_path / "_help_pages.py"
    direct.write_help_pages(str(path))
    namespace: dict = {}
    exec(path.read_text(), namespace)
    pages = namespace["PAGES"]
    assert set(pages) >= {"", "lint", "parse", "rules", "explain", "collect", "snapshot", "links"}
    module = type(sys)("elastix_halint._help_pages")
    module.PAGES, module.TYPER = pages, namespace["TYPER"]
    monkeypatch.setitem(sys.modules, "elastix_halint._help_pages", module)
    for columns in ("80", "132"):
        monkeypatch.setenv("COLUMNS", columns)
        for name in ("", "lint", "parse", "links"):
            typer_page = _halint(*name.split(), "--help", env={"COLUMNS": columns}).stdout
            assert direct.help_page(name.split()) == typer_page, (name, columns)
    monkeypatch.setenv("COLUMNS", "79")  # Click wraps narrower there: Typer renders it
    assert direct.help_page(["lint"]) is None
    monkeypatch.setenv("COLUMNS", "100")
    module.TYPER = "typer-0.0.0.dist-info"  # another Typer release than the one that rendered them
    assert direct.help_page(["lint"]) is None


HEAVY = ("typer", "click", "rich", "lark", "tarfile", "zstandard", "tarsafe")


@pytest.mark.parametrize("argv, allowed", [
    (["--version"], ()),
    (["rules"], ()),
    (["rules", "--format", "json"], ()),
    (["explain", "DRBD111"], ()),
    # an error-free drbd.conf needs no parser tables (drbd_lark.plain_items)
    (["parse", "--format", "json", str(SEED)], ()),
    (["parse", str(SEED)], ()),
])
def test_commands_import_only_what_they_need(argv, allowed):
    code = (
        "import sys\nfrom elastix_halint.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as exc:\n    code = exc.code\n"
        f"heavy = {HEAVY!r}\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & set(heavy))\n"
        "sys.stderr.write(f'\\nEXIT {code} LOADED {\",\".join(loaded)}')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120, cwd=REPO)
    tail = proc.stderr.rsplit("\n", 1)[-1]
    assert tail.startswith("EXIT 0 LOADED"), proc.stderr[-2000:]
    loaded = [m for m in tail.split("LOADED ")[1].split(",") if m]
    assert sorted(loaded) == sorted(allowed), (argv, loaded)


def _program(prelude: str, *argv: str) -> subprocess.CompletedProcess:
    """``halint ARGV`` as the console script runs it (``main()`` without arguments)."""
    code = f"{prelude}\nfrom elastix_halint.cli import main\nmain()\n"
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120, cwd=REPO)


def test_quick_exit_keeps_output_and_exit_code():
    # The program ends with os._exit after a command run without Typer: everything it wrote to
    # the pipe must still arrive, with the command's exit code, as from main(argv).
    proc = _program("", "lint", "--format", "json", str(SAMPLES / "elastix-2.3"))
    in_process = subprocess.run(
        [sys.executable, "-c", "import sys\nfrom elastix_halint.cli import main\nmain(sys.argv[1:])",
         "lint", "--format", "json", str(SAMPLES / "elastix-2.3")], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == in_process.returncode == 1
    assert proc.stdout == in_process.stdout and len(proc.stdout) > 1000


def test_quick_exit_waits_for_what_is_left_to_run_at_exit():
    # An atexit callback (a coverage tool, a plugin's cleanup) makes the program end the usual way.
    proc = _program("import atexit; atexit.register(lambda: print('AT EXIT'))", "--version")
    assert proc.returncode == 0 and proc.stdout.endswith("AT EXIT\n"), proc
    proc = _program("import sys; sys.stdout.write('unflushed')", "explain", "NOPE999")
    assert proc.returncode == 2 and proc.stdout == "unflushed" and "NOPE999" in proc.stderr


def test_the_program_runs_the_cyclic_collector_less_often_and_main_argv_leaves_it_alone():
    # The halint program raises the collector's first threshold (a parse builds a large model
    # that forms no cycles); a caller of main(argv) in its own process keeps its settings.
    report = "import atexit, gc, sys; atexit.register(lambda: sys.stderr.write(f'GC {gc.get_threshold()}'))"
    proc = _program(report, "parse", "--format", "json", str(SEED))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.endswith("GC (10000, 10, 10)"), proc.stderr[-500:]
    code = ("import gc, sys\nfrom elastix_halint.cli import main\ngc.set_threshold(700, 10, 10)\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    sys.stderr.write(f'GC {gc.get_threshold()}')\n")
    proc = subprocess.run([sys.executable, "-c", code, "parse", str(SEED)], capture_output=True, text=True,
                          timeout=120, cwd=REPO)
    assert proc.stderr.endswith("GC (700, 10, 10)"), proc.stderr[-500:]


def test_the_program_leaves_parsed_models_to_its_exit_and_main_argv_keeps_none():
    # Freeing a large model object by object only delays an os._exit; a caller of main(argv)
    # (a test process running many commands) must get its memory back.
    # Nor does the program's collector walk the model again (frozen when the pause ends).
    report = ("import atexit, gc, sys\nfrom elastix_halint import collector\n"
              "atexit.register(lambda: sys.stderr.write(f'KEPT {len(collector._kept)} GC {gc.isenabled()} '\n"
              "                                         f'FROZEN {gc.get_freeze_count() > 1000}'))")
    for command in (["parse", "--format", "json"], ["lint"]):
        proc = _program(report, *command, str(SEED))
        kept = 1 if command[0] == "parse" else 0
        assert proc.stderr.endswith(f"KEPT {kept} GC True FROZEN True"), proc.stderr[-500:]
    code = ("import gc, sys\nfrom elastix_halint import collector\nfrom elastix_halint.cli import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n"
            "    sys.stderr.write(f'KEPT {len(collector._kept)} GC {gc.isenabled()} FROZEN {gc.get_freeze_count()}')\n")
    proc = subprocess.run([sys.executable, "-c", code, "parse", str(SEED)], capture_output=True, text=True,
                          timeout=120, cwd=REPO)
    assert proc.stderr.endswith("KEPT 0 GC True FROZEN 0"), proc.stderr[-500:]
