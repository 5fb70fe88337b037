"""Parsers compiled at wheel build time (hatch_build.py + parsing/lark_prebuilt.py): the loaded
parser is the one Lark would build, a stale file is never used, nothing is written at run time,
and the installed wheel really loads them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import zipfile

import pytest
from lark import Lark
from lark.lexer import Lexer, Token

from conftest import REPO
from elastix_halint.parsing import lark_prebuilt

GRAMMARS = sorted(p for p in (REPO / "grammars").glob("*.lark"))


def _saved(tmp_path, grammar_file, **extra):
    text = grammar_file.read_text(encoding="utf-8")
    path = tmp_path / (grammar_file.name + lark_prebuilt.SUFFIX)
    lark_prebuilt.save(text, lark_prebuilt.options(**extra), str(path))
    return text, str(path)


def _table_shape(parser) -> list:
    """The LALR table without its state numbers (which differ from one build to the next)."""
    states = parser.parser.parser.parser.parse_table.states
    return sorted(
        sorted((sym, action.name, str(arg) if action.name == "Reduce" else "") for sym, (action, arg) in acts.items())
        for acts in states.values()
    )


@pytest.mark.parametrize("grammar_file", GRAMMARS, ids=lambda p: p.name)
def test_loaded_parser_has_the_tables_lark_builds(tmp_path, grammar_file):
    text, path = _saved(tmp_path, grammar_file)
    opts = lark_prebuilt.options()
    loaded = lark_prebuilt.load(text, opts, path)
    built = Lark(text, **opts)
    assert loaded is not None
    assert _table_shape(loaded) == _table_shape(built)
    assert sorted(t.name for t in loaded.terminals) == sorted(t.name for t in built.terminals)


def test_loaded_parser_parses_like_a_built_one(tmp_path):
    text, path = _saved(tmp_path, REPO / "grammars" / "hacf.lark")
    opts = lark_prebuilt.options()
    loaded, built = lark_prebuilt.load(text, opts, path), Lark(text, **opts)
    for line in ("keepalive 2", "node voipserver.drbd voipbackup.drbd  # both", "# only a comment", ""):
        a, b = loaded.parse(line), built.parse(line)
        assert a == b
        assert [(t.line, t.column, t.end_column) for t in a.scan_values(lambda _: True)] == \
               [(t.line, t.column, t.end_column) for t in b.scan_values(lambda _: True)]


def test_a_changed_grammar_or_option_is_not_served_by_a_stale_file(tmp_path):
    text, path = _saved(tmp_path, REPO / "grammars" / "hosts.lark")
    assert lark_prebuilt.load(text + "\n// edited\n", lark_prebuilt.options(), path) is None
    assert lark_prebuilt.load(text, lark_prebuilt.options(maybe_placeholders=True), path) is None
    assert lark_prebuilt.load(text, lark_prebuilt.options(), str(tmp_path / "missing.bin")) is None
    with open(path, "rb") as fh:
        head = fh.read(200)
    damaged = tmp_path / "damaged.bin"
    damaged.write_bytes(head)  # the right key, then a cut-off pickle
    assert lark_prebuilt.load(text, lark_prebuilt.options(), str(damaged)) is None


def test_load_time_options_and_a_custom_lexer_are_honoured(tmp_path):
    grammar = 'start: WORD+\nWORD: /[a-z]+/\n%ignore " "\n'
    path = str(tmp_path / "g.bin")
    lark_prebuilt.save(grammar, lark_prebuilt.options(), path)

    class Upper(Lexer):  # a lexer the saved file knows nothing about
        def __init__(self, conf):
            pass

        def lex(self, data):
            for word in data.split():
                yield Token("WORD", word.upper())

    parser = lark_prebuilt.load(grammar, lark_prebuilt.options(lexer=Upper, propagate_positions=False), path)
    assert parser.parse("ab cd").children == ["AB", "CD"]


def test_loading_writes_nothing(tmp_path):
    text, path = _saved(tmp_path, REPO / "grammars" / "authkeys.lark")
    before = sorted(os.listdir(tmp_path))
    os.chmod(tmp_path, 0o555)
    try:
        assert lark_prebuilt.load(text, lark_prebuilt.options(), path) is not None
    finally:
        os.chmod(tmp_path, 0o755)
    assert sorted(os.listdir(tmp_path)) == before


def test_the_wheel_carries_and_uses_a_prebuilt_parser_per_grammar(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(REPO)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for grammar_file in GRAMMARS:
        assert f"elastix_halint/_grammars/{grammar_file.name}{lark_prebuilt.SUFFIX}" in names
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    sample_files = sorted(str(p) for p in (REPO / "samples").rglob("*") if p.is_file() and p.name != "README.md")
    check = textwrap.dedent(f"""
        import lark, elastix_halint
        from elastix_halint.parsing import run
        from elastix_halint.parsing.larkkit import lark_parser
        assert elastix_halint.__file__.startswith({str(unpacked)!r}), elastix_halint.__file__
        built = []  # every grammar compiled at run time (Lark's constructor; loading skips it)
        lark.Lark.__init__ = lambda self, grammar, **options: built.append(grammar[:60])
        for name in {[g.name for g in GRAMMARS]!r}:
            lark_parser(name)
        run.parse_files({sample_files!r}, None)  # each parser with the options its module uses
        print(built)
    """)
    env = dict(os.environ, PYTHONPATH=str(unpacked))
    proc = subprocess.run([sys.executable, "-c", check], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]", f"built at run time instead of loaded: {proc.stdout}"
    # Same findings, syntax errors (their expected-terminal lists come from the tables) included.
    samples = [str(REPO / "samples" / name) for name in ("elastix-2.3", "howto-ocr")]
    lint = [sys.executable, "-m", "elastix_halint", "lint", "--format", "json", *samples]
    from_wheel = subprocess.run(lint, cwd=tmp_path, env=env, capture_output=True, text=True)
    checkout_env = dict(os.environ, PYTHONPATH=str(REPO))
    from_checkout = subprocess.run(lint, cwd=tmp_path, env=checkout_env, capture_output=True, text=True)
    assert from_wheel.returncode == from_checkout.returncode == 1, from_wheel.stderr
    assert from_wheel.stdout == from_checkout.stdout
