"""Custom link maps: single-file links, loops, relative targets — beyond the HOWTO's seven dirs."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import run_halint
from links_helpers import digests, links_args, listing, make_node, write

MAP = """# extra links of this site
mount /replica
/etc/odbc.ini -> /replica/etc/odbc.ini
/etc/amportal.conf /replica/etc/amportal.conf
/etc/asterisk-extra -> /replica/etc/asterisk-extra
"""


def _node(tmp_path: Path) -> tuple[Path, Path]:
    root = make_node(tmp_path)
    mapfile = write(tmp_path / "site.map", MAP)
    write(root / "replica/etc/amportal.conf", "AMPDBUSER=asteriskuser\n")
    write(root / "etc/amportal.conf", "AMPDBUSER=asteriskuser\nAMPDBPASS=new\n")  # upgraded, differs
    write(root / "etc/odbc.ini", "[asteriskcdrdb]\n")  # upgraded; the replica has none
    os.symlink("asterisk-extra", root / "etc/asterisk-extra")  # points at itself: a loop
    return root, mapfile


def _states(root: Path, mapfile: Path) -> dict[str, str]:
    out = run_halint(*links_args(root, "--links", str(mapfile), "--format", "json"))
    return {l["path"]: l["status"] for l in json.loads(out.stdout)["links"]}


def test_file_links_and_loops_are_reported_and_mended(tmp_path):
    root, mapfile = _node(tmp_path)
    assert _states(root, mapfile) == {
        "/etc/odbc.ini": "replaced-file",
        "/etc/amportal.conf": "replaced-file",
        "/etc/asterisk-extra": "loop",
    }
    before, before_bytes = listing(root), digests(root)
    result = run_halint(*links_args(root, "repair", "--apply", "--merge-new", "--links", str(mapfile)))
    assert result.returncode == 1, result.stdout + result.stderr  # amportal.conf is a conflict
    assert "conflict" in result.stdout and "amportal.conf" in result.stdout
    assert set(_states(root, mapfile).values()) == {"ok"}
    assert (root / "replica/etc/odbc.ini").read_text() == "[asteriskcdrdb]\n"
    assert (root / "replica/etc/amportal.conf").read_text() == "AMPDBUSER=asteriskuser\n"
    (aside,) = list((root / "etc").glob("amportal.conf.halint-*"))
    assert "AMPDBPASS=new" in aside.read_text()
    assert before_bytes <= digests(root)
    assert run_halint(*links_args(root, "undo")).returncode == 0
    assert listing(root) == before


def test_relative_link_to_the_right_place_is_ok(tmp_path):
    root, mapfile = _node(tmp_path)
    os.unlink(root / "etc/asterisk")
    os.symlink("../replica/etc/asterisk", root / "etc/asterisk")
    assert run_halint(*links_args(root)).returncode == 0


def test_forced_repair_never_creates_the_mount_point(tmp_path):
    """With --force on a node whose /replica does not exist, the links are made (dangling) but
    nothing is written where the replica would later be mounted over it."""
    root = tmp_path / "bare"
    (root / "etc").mkdir(parents=True)
    result = run_halint(*links_args(root, "repair", "--apply", "--force", "--merge-new"))
    assert "does not exist and is not created" in result.stdout
    assert not (root / "replica").exists()
    assert os.readlink(root / "etc/asterisk") == "/replica/etc/asterisk"
    assert result.returncode == 1  # the links dangle
