"""The Elastix HOWTO's OCR slips each get an error on their line with the right fix."""

from __future__ import annotations

import pytest

from conftest import REPO, SAMPLES
from elastix_halint.parsing import drbd

OCR_SAMPLES = sorted(SAMPLES.glob("howto-ocr/*/etc/drbd.conf"))
MUTATIONS = REPO / "tests" / "data" / "drbd" / "ocr-mutations.conf"


def _line_of(path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def _errors(path):
    result = drbd.load(str(path))
    return result, [d for d in result.diagnostics if d.severity >= d.severity.ERROR]


@pytest.mark.parametrize("conf", OCR_SAMPLES, ids=lambda p: p.parent.parent.name)
@pytest.mark.parametrize(
    "needle, column_text, suggestion",
    [
        ("after-sb-lpri", "after-sb-lpri", "after-sb-1pri"),
        ('"shal"', '"shal"', "sha1"),
        ("on voipserver.drbd ({", "(", None),
        ("your need", "your", None),
    ],
)
def test_printed_howto_errors(conf, needle, column_text, suggestion):
    result, errors = _errors(conf)
    line = _line_of(conf, needle)
    column = conf.read_text().splitlines()[line - 1].index(column_text) + 1
    hits = [d for d in result.diagnostics if d.span.line == line and d.span.column == column]
    assert hits, [d.one_line() for d in result.diagnostics]
    assert hits[0].suggestion == suggestion
    # drbdadm takes any digest name (the kernel refuses `shal` later): a warning, not an error.
    assert hits[0].severity == (hits[0].severity.WARNING if needle == '"shal"' else hits[0].severity.ERROR)
    assert not result.ok


@pytest.mark.parametrize("conf", OCR_SAMPLES, ids=lambda p: p.parent.parent.name)
def test_stray_one_closes_the_host_block(conf):
    result, errors = _errors(conf)
    lines = conf.read_text().splitlines()
    line = lines.index("1") + 1
    assert any(d.span.line == line and d.suggestion == "}" for d in errors)
    # Recovery treats the `1` as the brace: both hosts are still read, nothing else breaks.
    (res,) = result.model.resources
    assert [h.names for h in res.hosts] == [("voipserver.drbd",), ("voipbackup.drbd",)]
    assert {h.address.ip for h in res.hosts} == {"10.1.1.1", "10.1.1.2"}
    assert not any("never closed" in d.message for d in errors)


@pytest.mark.parametrize(
    "needle, column_text, suggestion",
    [("after-sb-Opri", "after-sb-Opri", "after-sb-0pri"), ("/dev/drbdO", "/dev/drbdO", "/dev/drbd0"),
     ("after rO", "rO", "r0")],
)
def test_other_howto_slips(needle, column_text, suggestion):
    _, errors = _errors(MUTATIONS)
    line = _line_of(MUTATIONS, needle)
    column = MUTATIONS.read_text().splitlines()[line - 1].index(column_text) + 1
    assert [d.suggestion for d in errors if (d.span.line, d.span.column) == (line, column)] == [suggestion]


def test_lower_case_unit_is_no_slip():
    """`rate 10m` is 10 MiB/s for every drbdadm (new_strtoll takes k, m, g)."""
    result = drbd.load(str(MUTATIONS))
    line = _line_of(MUTATIONS, "rate 10m")
    column = MUTATIONS.read_text().splitlines()[line - 1].index("10m") + 1
    assert not [d for d in result.diagnostics if (d.span.line, d.span.column) == (line, column)]


def test_corrected_sample_is_clean_and_identical_on_both_nodes():
    confs = sorted(SAMPLES.glob("elastix-2.3/*/etc/drbd.conf"))
    assert len(confs) == 2 and confs[0].read_bytes() == confs[1].read_bytes()
    result = drbd.load(str(confs[0]))
    assert result.diagnostics == ()
    res = result.model.resource("r0")
    assert res.protocol_value == "C"
    assert res.effective("disk", "resync-rate").normalised == 100 * 1024 * 1024
    assert res.effective("net", "cram-hmac-alg").value == "sha1"
    assert [(h.names[0], str(h.address), h.volumes[0].device, h.volumes[0].disk) for h in res.hosts] == [
        ("voipserver.drbd", "10.1.1.1:7788", "/dev/drbd0", "/dev/sda3"),
        ("voipbackup.drbd", "10.1.1.2:7788", "/dev/drbd0", "/dev/sda3"),
    ]
