"""The fast entry-point reader finds what importlib.metadata finds, with the same precedence."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points as slow_entry_points

import pytest

from elastix_halint.lint.entrypoints import entry_points


@pytest.mark.parametrize("group", ["elastix_halint.rules", "console_scripts"])
def test_same_entry_points_as_importlib_metadata(group):
    fast = sorted((ep.name, ep.value) for ep in entry_points(group))
    assert fast == sorted((ep.name, ep.value) for ep in slow_entry_points(group=group))
    assert fast  # both groups exist in this environment, so the comparison means something


def _dist(folder, name, version, entry_points_txt):
    meta = folder / f"{name}-{version}.dist-info"
    meta.mkdir(parents=True)
    (meta / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (meta / "entry_points.txt").write_text(entry_points_txt)


def test_first_distribution_on_sys_path_wins_and_other_groups_are_ignored(tmp_path, monkeypatch):
    first, second = tmp_path / "a", tmp_path / "b"
    _dist(first, "Halint_Extra", "2.0", "[console_scripts]\nx = y:z\n\n[halint.test.group]\n# a comment\nnew = extra.rules_v2\n")
    _dist(second, "halint_extra", "1.0", "[halint.test.group]\nold = extra.rules_v1\n")
    _dist(second, "other_plugin", "0.1", "[halint.test.group]\nother = other.rules\n[ halint.test.group ]\nspaced = not.this\n")
    egg = second / "eggy.egg-info"
    egg.mkdir()
    (egg / "entry_points.txt").write_text("[halint.test.group]\negg = eggy.rules\n")
    monkeypatch.setattr(sys, "path", [str(first), str(tmp_path / "missing"), str(second)])
    found = sorted((ep.name, ep.value) for ep in entry_points("halint.test.group"))
    assert found == sorted((ep.name, ep.value) for ep in slow_entry_points(group="halint.test.group"))
    assert found == [("egg", "eggy.rules"), ("new", "extra.rules_v2"), ("other", "other.rules")]
