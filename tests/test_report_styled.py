"""report/styled.py: plain lines are what Rich itself writes when it styles nothing, and Rich is
used (and loaded) only where it would style."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elastix_halint.report.styled import Lines, rich_would_style

STYLES = st.sampled_from(["", "bold", "dim", "yellow", "bold red"])
TEXT = st.text(alphabet=st.sampled_from(list("ab [/]:\t\r\x07\x0b\x0c\\é漢 -100:smile:")), max_size=30)
PIECE = st.one_of(TEXT, st.tuples(TEXT, STYLES))


def _written(pieces_per_line, plain: bool) -> str:
    buf = io.StringIO()
    out = Lines(buf, plain=plain)
    for pieces in pieces_per_line:
        out.line(*pieces)
    out.flush()
    return buf.getvalue()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(PIECE, max_size=5), min_size=1, max_size=4))
def test_plain_lines_are_what_rich_writes_without_a_terminal(lines):
    assert _written(lines, plain=True) == _written(lines, plain=False)


def test_markup_and_emoji_codes_are_text():
    out = _written([["[bold]x[/] :100: a\tb\r"]], plain=True)
    assert out == "[bold]x[/] :100: a\tb\n".expandtabs(8)


@pytest.mark.parametrize("env, tty, expected", [
    ({}, False, False), ({}, True, True), ({"FORCE_COLOR": "1"}, False, True), ({"FORCE_COLOR": ""}, True, False),
    ({"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, True, False), ({"TTY_COMPATIBLE": "1"}, False, True),
])
def test_styled_exactly_where_rich_is_a_terminal(monkeypatch, env, tty, expected):
    from rich.console import Console

    for key in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "NO_COLOR"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    class Stream(io.StringIO):
        def isatty(self):
            return tty

    stream = Stream()
    assert rich_would_style(stream) is expected
    assert Console(file=stream).is_terminal is expected


def test_text_reports_to_a_pipe_do_not_import_rich(tmp_path):
    from conftest import SAMPLES

    code = (
        "import sys\nfrom elastix_halint.cli import main\n"
        f"for argv in (['lint', '--format', 'text', {str(SAMPLES / 'elastix-2.3')!r}],\n"
        f"             ['parse', {str(SAMPLES / 'howto-ocr' / 'voipserver.drbd' / 'etc' / 'drbd.conf')!r}]):\n"
        "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
        "sys.stderr.write('RICH' if any(m == 'rich' or m.startswith('rich.') for m in sys.modules) else 'NORICH')\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert "Found" in proc.stdout and proc.stderr.endswith("NORICH"), proc.stderr[-2000:]
