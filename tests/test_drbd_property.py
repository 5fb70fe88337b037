"""Random and mutated drbd.conf texts: the parser never raises, and every diagnostic points
inside the file it names."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CORPUS, SAMPLES
from elastix_halint.parsing import drbd
from elastix_halint.source import SourceFile

SEEDS = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(SAMPLES.glob("*/*/etc/drbd.conf"))]
SEEDS += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(CORPUS.glob("drbd/*.res"))]
PIECES = ["{", "}", ";", '"', "#", "\n", " ", "resource", "on", "net", "skip", "include", "1", "(", "[", "]",
          "address", "ipv6", "10.1.1.1:7788", "/dev/drbdO", "10m", "volume", "\\", "\x0b", "é"]


def _check(text: str) -> None:
    result = drbd.parse(SourceFile("fuzz.conf", text))
    lines = text.split("\n")
    for d in result.diagnostics:
        assert d.span is not None and d.span.file == "fuzz.conf"
        assert 1 <= d.span.line <= len(lines), d.one_line()
        assert 1 <= d.span.column <= len(lines[d.span.line - 1]) + 1, d.one_line()
    result.model.to_json(redact=True)
    result.model.summary(redact=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=5), max_size=60).map("".join))
def test_random_token_soup(text):
    _check(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 8),
                                                  st.sampled_from(PIECES + [""])), max_size=6))
def test_mutated_real_configs(seed, edits):
    text = seed
    for at, cut, piece in edits:
        at %= len(text) + 1
        text = text[:at] + piece + text[at + cut:]
    _check(text)


def test_hostile_nesting_is_a_diagnostic_not_a_recursion_error():
    for text in ["a { " * 5000 + "} " * 5000, "{ " * 5000, "resource r { " + "on a { " * 3000]:
        _check(text)
        assert any(d.severity.name == "ERROR" for d in drbd.parse(SourceFile("fuzz.conf", text)).diagnostics)


def test_drbdadm_line_past_an_open_string_keeps_its_column_inside_the_line():
    """Found by test_mutated_real_configs: a quoted string left open swallows the line end for
    drbdadm, which then names the empty line 4 for the `volume` of line 5 (drbdadm 9 prints
    `q.conf:4: Parse error: ';' expected, but got 'volume'`); halint keeps drbdadm's line and
    puts the column inside it (it was column 2 of an empty line)."""
    text = 'resource site1 {\n\tnet {\n\t\tshared-secret "abc{\t}\n\n\tvolume 0 {\n\t\tdevice minor 0;\n\t}\n}\n'
    _check(text)
    stops = [d for d in drbd.parse(SourceFile("fuzz.conf", text)).diagnostics if "drbdadm 9 stops here" in d.message]
    assert [(d.span.line, d.span.column) for d in stops] == [(4, 1)]
