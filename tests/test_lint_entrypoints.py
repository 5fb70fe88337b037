"""lint/entrypoints.py finds the entry points importlib.metadata finds, or lets it find them."""

from __future__ import annotations

import sys
import zipfile
from importlib.metadata import entry_points as standard

import pytest

from elastix_halint.lint import entrypoints

GROUP = "elastix_halint.rules"


def _pairs(eps) -> list:
    return sorted((ep.name, ep.value) for ep in eps)


def _dist(folder, dirname, text=None):
    info = folder / dirname
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dirname.split('-')[0]}\nVersion: 1\n")
    if text is not None:
        (info / "entry_points.txt").write_text(text)


@pytest.mark.parametrize("group", [GROUP, "console_scripts", "no.such.group"])
def test_same_as_importlib_metadata_here(group):
    assert _pairs(entrypoints.entry_points(group)) == _pairs(standard(group=group))


def test_same_as_importlib_metadata_on_awkward_folders(tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    _dist(a, "Plug_In-1.0.dist-info", f"# comment\n[{GROUP}]\n  one = pkg.one  \n\n[other]\nx = y\n")
    _dist(a, "quiet-2.0.dist-info")  # no entry points at all
    _dist(a, "legacy.egg-info", f"[{GROUP}]\nold=pkg.old\n")
    _dist(b, "plug.in-9.0.dist-info", f"[{GROUP}]\nshadowed = pkg.shadowed\n")  # same name: a's wins
    _dist(b, "Other-1.0.dist-info", f"[{GROUP}]\ntwo = pkg.two\nthree = pkg.three:RULES\n")
    (b / "stray.dist-info.txt").write_text("not a distribution")
    monkeypatch.setattr(sys, "path", [str(a), str(tmp_path / "missing"), str(b)])
    got = entrypoints._fast(GROUP)
    assert got is not None and _pairs(got) == _pairs(standard(group=GROUP))
    assert ("shadowed", "pkg.shadowed") not in _pairs(got) and ("old", "pkg.old") in _pairs(got)


def test_what_it_would_not_read_alike_is_left_to_importlib_metadata(tmp_path, monkeypatch):
    wheel = tmp_path / "plugins.zip"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("zipped-1.0.dist-info/METADATA", "Name: zipped\nVersion: 1\n")
        zf.writestr("zipped-1.0.dist-info/entry_points.txt", f"[{GROUP}]\nz = pkg.z\n")
    monkeypatch.setattr(sys, "path", [str(wheel)])
    assert entrypoints._fast(GROUP) is None
    assert _pairs(entrypoints.entry_points(GROUP)) == [("z", "pkg.z")]
    bad = tmp_path / "bad"
    _dist(bad, "broken-1.0.dist-info", f"[{GROUP}]\nno equals sign here\n")
    monkeypatch.setattr(sys, "path", [str(bad)])
    assert entrypoints._fast(GROUP) is None
