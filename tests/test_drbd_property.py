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
