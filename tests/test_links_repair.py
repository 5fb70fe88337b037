"""`halint links`, `links repair` and `links undo` on a temp root laid out like an upgraded node."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from conftest import run_halint
from links_helpers import IS_ROOT, NEW, digests, links_args, listing, make_node, simulate_upgrade, write

from elastix_halint.noderoot.linkmap import ELASTIX_PATHS

EXPECTED = {
    "/etc/asterisk": "replaced-dir",
    "/var/lib/asterisk": "dangling",
    "/var/lib/mysql": "wrong-target",
    "/var/www": "missing",
}


@pytest.fixture
def upgraded(tmp_path) -> Path:
    root = make_node(tmp_path)
    simulate_upgrade(root)
    return root


def _status(root: Path) -> dict:
    result = run_halint(*links_args(root, "--format", "json"))
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_status_reports_each_state_and_exits_1(upgraded):
    doc = _status(upgraded)
    states = {l["path"]: l["status"] for l in doc["links"]}
    assert states == {p: EXPECTED.get(p, "ok") for p in ELASTIX_PATHS}
    assert doc["not_ok"] == 4
    replaced = next(l for l in doc["links"] if l["path"] == "/etc/asterisk")["replaced"]
    # sip.conf changed; features.conf, new.d/pjsip.conf and the sip-alias.conf link are new.
    assert replaced["files"] == 5 and replaced["differ"] == 1 and replaced["absent"] == 3
    assert replaced["size"] == sum(
        f.stat().st_size for f in (upgraded / "etc/asterisk").rglob("*") if f.is_file() and not f.is_symlink()
    )
    text = run_halint(*links_args(upgraded))
    assert text.returncode == 1
    for path, status in EXPECTED.items():
        assert any(line.split()[:2] == [path, status] for line in text.stdout.splitlines()), text.stdout


def test_healthy_node_is_ok_with_howto_trailing_slashes(tmp_path):
    root = make_node(tmp_path)
    assert os.readlink(root / "etc/asterisk").endswith("/")
    result = run_halint(*links_args(root))
    assert result.returncode == 0, result.stdout
    assert _status(root)["not_ok"] == 0


def test_dry_run_changes_nothing(upgraded):
    before = listing(upgraded)
    result = run_halint(*links_args(upgraded, "repair", "--merge-new"))
    assert result.returncode == 1
    assert "move /etc/asterisk aside" in result.stdout and "dry run" in result.stdout
    assert listing(upgraded) == before
    assert not (upgraded / "var/lib/halint").exists()


def test_repair_mends_every_link_and_loses_no_byte(upgraded):
    before = digests(upgraded)
    upgraded_sip = (upgraded / "etc/asterisk/sip.conf").read_text()
    replica_sip = (upgraded / "replica/etc/asterisk/sip.conf").read_text()
    result = run_halint(*links_args(upgraded, "repair", "--apply", "--merge-new"))
    assert result.returncode == 1, result.stderr  # 1: sip.conf is a listed conflict
    assert "1 conflict:" in result.stdout
    assert before <= digests(upgraded)
    assert _status(upgraded)["not_ok"] == 0
    for path in ELASTIX_PATHS:
        assert os.readlink(upgraded / path.lstrip("/")).rstrip("/") == "/replica" + path
    (aside,) = list((upgraded / "etc").glob("asterisk.halint-*"))
    assert (aside / "sip.conf").read_text() == upgraded_sip
    assert (upgraded / "replica/etc/asterisk/sip.conf").read_text() == replica_sip
    copied = upgraded / "replica/etc/asterisk/features.conf"
    st = copied.stat()
    assert (st.st_mode & 0o7777, st.st_mtime_ns) == (0o600, NEW)
    if IS_ROOT:
        assert (st.st_uid, st.st_gid) == (100, 101)
        nested = (upgraded / "replica/etc/asterisk/new.d/pjsip.conf").stat()
        assert (nested.st_uid, nested.st_gid, nested.st_mode & 0o777) == (102, 103, 0o604)
    assert os.readlink(upgraded / "replica/etc/asterisk/sip-alias.conf") == "sip.conf"
    assert (upgraded / "replica/var/lib/asterisk").is_dir()
    again = run_halint(*links_args(upgraded, "repair", "--apply", "--merge-new"))
    assert again.returncode == 0 and "nothing to repair" in again.stdout


def test_undo_returns_the_exact_prior_tree(upgraded):
    before = listing(upgraded)
    assert run_halint(*links_args(upgraded, "repair", "--apply", "--merge-new")).returncode == 1
    assert listing(upgraded) != before
    undo = run_halint(*links_args(upgraded, "undo"))
    assert undo.returncode == 0, undo.stderr
    assert listing(upgraded) == before
    again = run_halint(*links_args(upgraded, "undo"))
    assert again.returncode == 0 and "nothing to undo" in again.stdout


def test_undo_works_back_through_two_repairs(upgraded):
    before = listing(upgraded)
    assert run_halint(*links_args(upgraded, "repair", "--apply")).returncode == 0
    (upgraded / "var/www").unlink()  # a second upgrade
    assert run_halint(*links_args(upgraded, "repair", "--apply")).returncode == 0
    for _ in range(2):
        assert run_halint(*links_args(upgraded, "undo")).returncode == 0
    assert listing(upgraded) == before


def test_repair_without_merge_keeps_new_files_only_aside(upgraded):
    result = run_halint(*links_args(upgraded, "repair", "--apply"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (upgraded / "replica/etc/asterisk/features.conf").exists()
    (aside,) = list((upgraded / "etc").glob("asterisk.halint-*"))
    assert (aside / "features.conf").is_file()


@pytest.mark.parametrize("broken, message", [("proc/mounts", "not mounted"), ("proc/drbd", "not DRBD Primary")])
def test_refuses_without_mount_or_primary_unless_forced(tmp_path, broken, message):
    root = make_node(tmp_path, mounted=broken != "proc/mounts", primary=broken != "proc/drbd")
    simulate_upgrade(root)
    before = listing(root)
    refused = run_halint(*links_args(root, "repair", "--apply"))
    assert refused.returncode == 2
    assert message in refused.stderr and "--force" in refused.stderr
    assert listing(root) == before
    dry = run_halint(*links_args(root, "repair"))
    assert dry.returncode == 1 and message in dry.stdout
    assert run_halint(*links_args(root, "repair", "--apply", "--force")).returncode == 0
    assert run_halint(*links_args(root, "undo")).returncode == 2
    assert run_halint(*links_args(root, "undo", "--force")).returncode == 0
    assert listing(root) == before


def test_suggests_a_snapshot_unless_one_is_newer_than_the_upgrade(upgraded):
    result = run_halint(*links_args(upgraded, "repair"))
    assert "halint snapshot" in result.stderr
    old = write(upgraded / "var/backups/halint/before.tar.zst", "x", mtime_ns=NEW - 10**9)
    assert "halint snapshot" in run_halint(*links_args(upgraded, "repair")).stderr
    os.utime(old, ns=(NEW + 10**9, NEW + 10**9))
    assert "halint snapshot" not in run_halint(*links_args(upgraded, "repair")).stderr


def _snapshot(root: Path, tmp_path: Path, compress: str, map_text: str | None = None) -> Path:
    """A real `halint snapshot` of ``root`` (with the link map ``map_text`` when given)."""
    args = ["snapshot", "--root", str(root), "--force", "-q", "--compress", compress, "--out", str(tmp_path / "snaps")]
    if map_text:
        (tmp_path / "map").write_text(map_text)
        args += ["--links", str(tmp_path / "map")]
    made = run_halint(*args)
    assert made.returncode == 0, made.stderr
    return Path(made.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("compress", ["zstd", "gzip", "none"])
def test_from_snapshot_takes_the_link_map_of_the_manifest(upgraded, tmp_path, compress):
    archive = _snapshot(upgraded, tmp_path, compress, "mount /replica\n/var/www /replica/var/www\n")
    result = run_halint(*links_args(upgraded, "repair", "--from-snapshot", str(archive)))
    assert result.returncode == 1, result.stderr
    assert "link /var/www -> /replica/var/www" in result.stdout
    assert "/etc/asterisk" not in result.stdout


def test_from_snapshot_refuses_what_is_not_a_snapshot(upgraded, tmp_path):
    missing = run_halint(*links_args(upgraded, "repair", "--from-snapshot", str(tmp_path / "none.tar")))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    junk = write(tmp_path / "junk.tar.gz", "not an archive")
    bad = run_halint(*links_args(upgraded, "repair", "--from-snapshot", str(junk)))
    assert bad.returncode == 2 and "junk.tar.gz" in bad.stderr


def test_a_snapshot_taken_after_the_upgrade_silences_the_hint(upgraded, tmp_path):
    assert "halint snapshot" in run_halint(*links_args(upgraded, "repair")).stderr
    archive = _snapshot(upgraded, tmp_path, "zstd")
    backups = upgraded / "var/backups/halint"
    backups.mkdir(parents=True)
    os.rename(archive, backups / archive.name)
    assert "halint snapshot" not in run_halint(*links_args(upgraded, "repair")).stderr


def test_bad_arguments_exit_2(upgraded, tmp_path):
    assert run_halint(*links_args(tmp_path / "absent")).returncode == 2
    assert run_halint(*links_args(upgraded, "--format", "xml")).returncode == 2
    assert run_halint(*links_args(upgraded, "--links", str(tmp_path / "nomap"))).returncode == 2


def test_one_repair_at_a_time(upgraded):
    import fcntl

    state = upgraded / "var/lib/halint/links"
    state.mkdir(parents=True)
    before = listing(upgraded)
    with open(state / "lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        busy = run_halint(*links_args(upgraded, "repair", "--apply"))
    assert busy.returncode == 2 and "another" in busy.stderr
    assert listing(upgraded) == before
    assert run_halint(*links_args(upgraded, "repair", "--apply")).returncode == 0


def test_fifos_and_sockets_are_not_conflicts(upgraded):
    """mysqld's socket and a fifo, in both the upgraded copy and the replica, are the same thing
    on both sides; a socket only in the upgraded copy is a server's, meaningless once moved."""
    conf = upgraded / "etc/asterisk"
    for side in (conf, upgraded / "replica/etc/asterisk"):
        os.mkfifo(side / "events.fifo")
        os.mknod(side / "mysql.sock", 0o777 | stat.S_IFSOCK)
    os.mknod(conf / "only-here.sock", 0o777 | stat.S_IFSOCK)
    before = listing(upgraded)
    plan = run_halint(*links_args(upgraded, "repair", "--merge-new"))
    assert plan.returncode == 1, plan.stderr
    conflicts = [l for l in plan.stdout.splitlines() if "conflict:" in l]
    assert [c.rsplit("/", 1)[1].split(" ")[0] for c in conflicts] == ["sip.conf"]  # the real one only
    result = run_halint(*links_args(upgraded, "repair", "--apply", "--merge-new"))
    assert "1 conflict:" in result.stdout, result.stdout
    assert not (upgraded / "replica/etc/asterisk/only-here.sock").exists()
    (aside,) = list((upgraded / "etc").glob("asterisk.halint-*"))
    assert stat.S_ISSOCK(os.lstat(aside / "only-here.sock").st_mode)
    undo = run_halint(*links_args(upgraded, "undo"))
    assert undo.returncode == 0, undo.stderr
    assert listing(upgraded) == before
