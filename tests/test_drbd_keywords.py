"""The DRBD keyword tables are consistent data: every rename points at a real 8.4+ keyword,
every enum option has its values, every range fits its default, every block table exists."""

from __future__ import annotations

import pytest

from elastix_halint.model import drbd_keywords as kw

ALL_KEYWORDS = [(section, k) for section, table in kw.KEYWORDS.items() for k in table.values()]


@pytest.mark.parametrize("section, k", ALL_KEYWORDS, ids=[f"{s}.{k.name}" for s, k in ALL_KEYWORDS])
def test_keyword_definition_is_consistent(section, k):
    assert k.versions and k.versions <= kw.ALL
    if k.canonical:
        target_section, target = k.canonical
        assert kw.keyword(target_section, target) is not None, k.canonical
        assert kw.V84 in kw.keyword(target_section, target).versions or target == "protocol"
    if k.type == "enum":
        assert kw.enum_values(k.name), f"{k.name} has no value table"
    for version in k.versions:
        rng = k.range_for(version)
        if rng is not None:
            lo, hi, default = rng
            assert lo <= hi and (default is None or lo <= default <= hi)
    if k.type in ("size", "rate"):
        assert k.scale in kw.SCALE_BYTES and k.unit in ("bytes", "bytes/s")


def test_block_tables_cover_every_block_and_table_mapping():
    for parent, children in kw.SECTIONS.items():
        for child in children:
            assert kw.table_for(parent, child) in kw.KEYWORDS, (parent, child)
    assert kw.block_names("resource", kw.V83) == tuple(
        b for b, versions in kw.SECTIONS["resource"].items() if kw.V83 in versions)
    assert "volume" not in kw.block_names("resource", kw.V83) and "volume" in kw.block_names("resource", kw.V84)


def test_bounds_are_in_normalised_units():
    assert kw.keyword("syncer", "rate").bounds(kw.V83) == (1024, 4194304 * 1024)
    assert kw.keyword("net", "timeout").bounds(kw.V84) == (1, 600)
    assert kw.keyword("syncer", "al-extents").range_for(kw.V83) == (7, 3833, 127)
    assert kw.keyword("syncer", "al-extents").range_for(kw.V84) == (67, 65534, 1237)
    assert "retry-connect" in kw.enum_values("rr-conflict", kw.V9)
    assert "retry-connect" not in kw.enum_values("rr-conflict", kw.V83)
