"""Snapshot → restore brings back content, modes, owners, ns mtimes, links, sparse files, xattrs."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from snapshot_helpers import IS_ROOT, halint_ok, make_node, take_snapshot, tree_state
from conftest import run_halint


def _wreck(root: Path) -> None:
    """What a bad upgrade does: edits, deletions, new files, a link replaced by a directory."""
    rep = root / "replica"
    (rep / "etc/asterisk/sip.conf").write_text("broken\n")
    shutil.rmtree(rep / "var/spool/asterisk/voicemail")
    (rep / "usr/lib/asterisk/modules/app_y.so").write_bytes(b"new")
    os.chmod(rep / "var/www/html/index.php", 0o666)
    os.unlink(rep / "etc/asterisk/sip-alias.conf")
    os.unlink(root / "etc/asterisk")
    (root / "etc/asterisk").mkdir()
    (root / "etc/asterisk/asterisk.conf").write_text("from the rpm\n")


def test_round_trip_is_identical(tmp_path):
    root = make_node(tmp_path)
    before = tree_state(root / "replica")
    archive = take_snapshot(root)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    _wreck(root)
    assert tree_state(root / "replica") != before
    result = halint_ok("restore", str(archive), "--root", str(root), "--quiet")
    after = tree_state(root / "replica")
    assert after == before
    assert after["var/lib/mysql/ibdata1"]["sparse"], "holes of the sparse file were not recreated"
    assert after["etc/asterisk/sip.conf"]["xattrs"]["user.halint"] == b"\x00\x01binary\xff"
    assert after["etc/asterisk/sip-hardlink.conf"]["group"] == after["etc/asterisk/sip.conf"]["group"]
    assert os.readlink(root / "etc/asterisk") == "/replica/etc/asterisk"
    old = [p for p in (root / "etc").iterdir() if p.name.startswith("asterisk.halint-old-")]
    assert old and (old[0] / "asterisk.conf").read_text() == "from the rpm\n", "replaced data must be kept"
    assert "warning" not in result.stderr


@pytest.mark.skipif(not IS_ROOT, reason="owners and security.* xattrs need root")
def test_round_trip_keeps_owners_and_selinux_labels(tmp_path):
    root = make_node(tmp_path)
    archive = take_snapshot(root)
    rep = root / "replica"
    os.chown(rep / "var/www/html/index.php", 0, 0)
    os.removexattr(rep / "etc/asterisk/extensions.conf", "security.selinux")
    halint_ok("restore", str(archive), "--root", str(root), "--quiet")
    st = os.lstat(rep / "var/www/html/index.php")
    assert (st.st_uid, st.st_gid) == (48, 48)
    assert os.getxattr(rep / "etc/asterisk/extensions.conf", "security.selinux") == b"system_u:object_r:etc_t:s0\x00"
    assert stat.S_IMODE(os.lstat(rep / "usr/lib/asterisk/modules/app_x.so").st_mode) == 0o4755


def test_gnu_tar_lists_and_extracts_and_links_sh_recreates_links(tmp_path):
    root = make_node(tmp_path)
    before = tree_state(root / "replica")
    archive = take_snapshot(root)
    listing = subprocess.run(["tar", "-tf", str(archive)], capture_output=True, text=True, check=True).stdout.split()
    assert listing[0] == ".halint/manifest.jsonl"
    assert "replica/etc/asterisk/extensions.conf" in listing
    assert "replica/etc/asterisk/sip-alias.conf" not in listing  # links are not members
    target = tmp_path / "gnu"
    target.mkdir()
    subprocess.run(["tar", "--xattrs", "--xattrs-include=*", "-C", str(target), "-xpf", str(archive)], check=True)
    subprocess.run(["sh", str(target / ".halint/links.sh"), str(target)], check=True)
    got = tree_state(target / "replica")
    for path, item in before.items():
        assert path in got, path
        for key in ("mode", "sha", "target"):
            assert got[path].get(key) == item.get(key), (path, key)
        # Whole seconds in the tar headers (halint restores the ns from the manifest); links.sh
        # adds names after tar set directory times, so only non-directories are compared.
        if "mtime_ns" in item and not stat.S_ISDIR(item["mode"]):
            assert got[path]["mtime_ns"] // 10**9 == item["mtime_ns"] // 10**9, path
    assert got["etc/asterisk/sip-hardlink.conf"]["group"] == got["etc/asterisk/sip.conf"]["group"]
    assert got["etc/asterisk/sip.conf"]["xattrs"].get("user.halint") == b"\x00\x01binary\xff"
    assert os.readlink(target / "etc/asterisk") == "/replica/etc/asterisk"


@pytest.mark.parametrize("kind", ["gzip", "none"])
def test_other_compressions_round_trip(tmp_path, kind):
    root = make_node(tmp_path)
    before = tree_state(root / "replica")
    archive = take_snapshot(root, "--compress", kind)
    assert archive.name.endswith({"gzip": ".tar.gz", "none": ".tar"}[kind])
    (root / "replica/etc/asterisk/sip.conf").write_text("x")
    halint_ok("verify", str(archive))
    halint_ok("restore", str(archive), "--root", str(root), "--quiet")
    assert tree_state(root / "replica") == before


def test_dry_run_touches_nothing_and_only_restores_one_directory(tmp_path):
    root = make_node(tmp_path)
    archive = take_snapshot(root)
    (root / "replica/etc/asterisk/sip.conf").write_text("edited")
    (root / "replica/var/www/html/index.php").write_text("edited")
    wrecked = tree_state(root)
    plan = halint_ok("restore", str(archive), "--root", str(root), "--dry-run")
    assert "replace /replica/etc" in plan.stdout and "nothing was changed" in plan.stdout
    assert tree_state(root) == wrecked
    halint_ok("restore", str(archive), "--root", str(root), "--only", "/etc/asterisk", "--quiet")
    assert (root / "replica/etc/asterisk/sip.conf").read_text().startswith("[general]")
    assert (root / "replica/var/www/html/index.php").read_text() == "edited"


def test_prune_removes_only_moved_aside_data(tmp_path):
    root = make_node(tmp_path)
    archive = take_snapshot(root)
    halint_ok("restore", str(archive), "--root", str(root), "--quiet")
    aside = [p for p in (root / "replica").iterdir() if ".halint-old-" in p.name]
    assert aside
    result = halint_ok("restore", "--prune", "--root", str(root))
    assert all(not p.exists() for p in aside) and "removed" in result.stdout
    assert (root / "replica/etc/asterisk/sip.conf").exists()
    assert "nothing to prune" in halint_ok("restore", "--prune", "--root", str(root)).stdout


def test_diff_reports_each_kind_of_change(tmp_path):
    root = make_node(tmp_path)
    archive = take_snapshot(root)
    clean = run_halint("diff", str(archive), "--root", str(root))
    assert clean.returncode == 0 and "no changes" in clean.stdout
    rep = root / "replica"
    (rep / "etc/asterisk/new.conf").write_text("n")
    os.unlink(rep / "var/www/html/index.php")
    (rep / "etc/asterisk/extensions.conf").write_text("[other]\nexten => 200,1,Hangup\n")
    os.chmod(rep / "var/lib/mysql/asterisk/cdr.MYD", 0o600)
    os.unlink(rep / "etc/asterisk/sip-alias.conf")
    os.symlink("extensions.conf", rep / "etc/asterisk/sip-alias.conf")
    os.unlink(root / "var/www")
    result = run_halint("diff", str(archive), "--root", str(root))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "added     /replica/etc/asterisk/new.conf" in lines
    assert "removed   /replica/var/www/html/index.php" in lines
    assert any(l.startswith("modified  /replica/etc/asterisk/extensions.conf") for l in lines)
    assert any(l.startswith("metadata  /replica/var/lib/mysql/asterisk/cdr.MYD: mode 0644 -> 0600") for l in lines)
    assert any(l.startswith("link      /replica/etc/asterisk/sip-alias.conf") for l in lines)
    assert any(l.startswith("link      /var/www: link map") for l in lines)
    assert not any("sip.conf:" in l for l in lines)


def test_show_summary_and_long_listing(tmp_path):
    root = make_node(tmp_path)
    archive = take_snapshot(root)
    short = halint_ok("show", str(archive)).stdout
    assert "DRBD Primary, /replica mounted" in short
    assert "/etc/asterisk -> /replica/etc/asterisk" in short
    long = halint_ok("show", str(archive), "--long").stdout
    assert "-rwsr-xr-x" in long and "/replica/etc/asterisk/sip-alias.conf -> sip.conf" in long
    assert "hunter2" not in long
