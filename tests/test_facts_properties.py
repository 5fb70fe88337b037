"""Properties every fact parser keeps on any input: no exception, every diagnostic on a line of
the file, and a garbage line costs exactly that line."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elastix_halint.parsing import kinds
from elastix_halint.source import SourceFile
from facts_helpers import DATA, SAMPLES_DIR

FACT_KINDS = [k for k, m in kinds.PARSERS.items() if m.startswith("facts.")]
LINE_KINDS = {  # line-structured kinds and a valid capture of each
    "procdrbd": DATA / "procdrbd-8.3-sync.txt",
    "chkconfig": DATA / "chkconfig-centos5.txt",
    "systemctl": DATA / "systemctl-v239.txt",
    "partitions": SAMPLES_DIR / "voipserver.drbd/proc/partitions",
    "sfdisk": DATA / "sfdisk-2.13.txt",
    "stat": SAMPLES_DIR / "voipserver.drbd/facts/stat",
    "links": DATA / "links-coreutils9-c.txt",
    "ipaddr": DATA / "ip-addr-iproute2-5.txt",
}
GARBAGE = "@@! this is not output of that command ~~~"
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=300)
line_texts = st.lists(
    st.sampled_from(["version: 8.3.13 (api:88/proto:86-96)", " 0: cs:Connected", "ns:1 nr:2", "sda 1 2", "600 a b /c",
                     "x|/y|'/y'", "2: eth0    inet 1.2.3.4/8", "UNIT FILE STATE", "a.service enabled", "", "   ", "::::"])
    | texts.map(lambda t: t.replace("\n", " ")),
    max_size=12,
).map("\n".join)


def _check_spans(result, text: str) -> None:
    last = max(1, len(text.splitlines()))
    for d in result.diagnostics:
        assert d.span is not None and 1 <= d.span.line <= last, d.one_line()
        assert d.span.column >= 1 and d.span.end_column > d.span.column


@pytest.mark.parametrize("kind", FACT_KINDS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts | line_texts)
def test_any_text_gives_diagnostics_inside_the_file(kind, text):
    module = kinds.module_for(kind)
    result = module.parse(SourceFile("facts/x", text))
    _check_spans(result, text)
    if result.model is not None:
        result.model.to_json()


@pytest.mark.parametrize("kind", sorted(LINE_KINDS))
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_a_garbage_line_costs_exactly_that_line(kind, data):
    module = kinds.module_for(kind)
    lines = LINE_KINDS[kind].read_text(encoding="utf-8").splitlines()
    at = data.draw(st.integers(min_value=1, max_value=len(lines)))
    spoiled = lines[: at - 1] + [GARBAGE] + lines[at - 1 :]
    clean = module.parse(SourceFile("f", "\n".join(lines) + "\n"))
    result = module.parse(SourceFile("f", "\n".join(spoiled) + "\n"))
    assert [d.span.line for d in result.diagnostics if d not in clean.diagnostics and d.span.line == at] == [at]
    assert len(result.diagnostics) == len(clean.diagnostics) + 1
