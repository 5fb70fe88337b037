"""The DRBD keyword tables are consistent data: every rename points at a real 8.4+ keyword,
every enum option has its values, every range fits its default, every block table exists."""

from __future__ import annotations

import pytest

from elastix_halint.model import drbd_keywords as kw

ALL_KEYWORDS = [(section, k) for section, table in kw.KEYWORDS.items() for k in table.values()]


@pytest.mark.parametrize("section, k", ALL_KEYWORDS, ids=[f"{s}.{k.name}" for s, k in ALL_KEYWORDS])
def test_keyword_definition_is_consistent(section, k):
    # Versions are what the binaries answered; a few words no drbdadm 9.22 takes in a file stay
    # known (discard-my-data, newer DRBD 9 options) so the rules can say so.
    assert k.versions <= kw.ALL
    if k.canonical:
        target_section, target = k.canonical
        assert kw.keyword(target_section, target) is not None, k.canonical
        assert k.versions & kw.keyword(target_section, target).versions or target == "protocol" or not k.versions
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


# The table against Debian's drbdadm binaries: what each accepts in a file is what the table
# lists for its version (drbdadm-84 reads 8.4 syntax, drbdadm 9 reads 9).
HOSTS = ("on a { device /dev/drbd0; disk /dev/sda3; address 10.0.0.1:7788; meta-disk internal; }\n"
         "on b { device /dev/drbd0; disk /dev/sda3; address 10.0.0.2:7788; meta-disk internal; }\n")
CHECKED = [("net", "discard-my-data", ""), ("disk", "no-disk-barrier", ""), ("disk", "no-disk-flushes", ""),
           ("disk", "no-disk-drain", ""), ("disk", "no-md-flushes", ""), ("net", "no-tcp-cork", ""),
           ("syncer", "rate", "10M"), ("syncer", "c-plan-ahead", "20"), ("syncer", "c-max-rate", "100M"),
           ("syncer", "c-min-rate", "1M"), ("syncer", "c-fill-target", "100"), ("syncer", "c-delay-target", "10"),
           ("syncer", "al-extents", "257"), ("syncer", "use-rle", ""), ("syncer", "verify-alg", "sha1")]


def _drbdadm_accepts(tool: str, body: str, tmp_path) -> bool:
    from drbd_helpers import dump_xml

    conf = tmp_path / "t.conf"
    conf.write_text("resource r0 {\n" + body + "\n" + HOSTS + "}\n")
    return dump_xml(tool, conf).returncode == 0


def _tools():
    from drbd_helpers import DRBDADM9, DRBDADM84, HAVE_DRBDADM

    if not HAVE_DRBDADM:
        pytest.skip("Debian drbd-utils not installed")
    return ((kw.V84, DRBDADM84), (kw.V9, DRBDADM9))


@pytest.mark.drbdadm
@pytest.mark.parametrize("section, name, value", CHECKED, ids=[f"{s}.{n}" for s, n, _ in CHECKED])
def test_versions_match_drbdadm(section, name, value, tmp_path):
    for version, tool in _tools():
        accepted = _drbdadm_accepts(tool, f"{section} {{ {name} {value}; }}", tmp_path)
        assert accepted == (version in kw.keyword(section, name).versions), (tool, section, name)


@pytest.mark.drbdadm
def test_congestion_extents_range_matches_drbdadm(tmp_path):
    for version, tool in _tools():
        lo, hi, _ = kw.keyword("net", "congestion-extents").range_for(version)
        verdicts = [_drbdadm_accepts(tool, f"net {{ congestion-extents {n}; }}", tmp_path)
                    for n in (lo - 1, lo, hi, hi + 1)]
        assert verdicts == [False, True, True, False], tool
