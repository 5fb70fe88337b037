"""Hand-made hostile archives: each is refused before anything is written, inside or outside."""

from __future__ import annotations

import os
import tarfile

import pytest

from conftest import run_halint
from snapshot_helpers import build_archive, entry, make_node, manifest_header, member, tree_state, write

BASE = [entry("/replica", "dir"), entry("/replica/etc", "dir")]
OK_DATA = b"fine\n"


def _ok_file(name="replica/etc/ok.conf"):
    return [entry("/" + name, data=OK_DATA)], [member(name, OK_DATA)]


def _dirs():
    return [member("replica/", None, tarfile.DIRTYPE, 0o755), member("replica/etc/", None, tarfile.DIRTYPE, 0o755)]


def case_absolute_path():
    return BASE + [entry("/etc/evil", data=b"x")], _dirs() + [member("/etc/evil", b"x")]


def case_dotdot():
    return BASE + [entry("/replica/etc/x", data=b"x")], _dirs() + [member("../evil", b"x")]


def case_dotdot_inside_name():
    return BASE, _dirs() + [member("replica/../../evil", b"x")]


def case_symlink_member():
    return BASE, _dirs() + [member("replica/etc/l", None, tarfile.SYMTYPE, linkname="/etc")]


def case_write_through_symlink():
    return BASE, _dirs() + [member("replica/etc/l", None, tarfile.SYMTYPE, linkname="../../outside"),
                            member("replica/etc/l/pwned", b"x")]


def case_hardlink_outside():
    return BASE, _dirs() + [member("replica/etc/h", None, tarfile.LNKTYPE, linkname="/etc/passwd")]


def case_hardlink_dotdot():
    return BASE, _dirs() + [member("replica/etc/h", None, tarfile.LNKTYPE, linkname="../outside/x")]


def case_char_device():
    return BASE, _dirs() + [member("replica/etc/null", None, tarfile.CHRTYPE, devmajor=1, devminor=3)]


def case_block_device():
    return BASE, _dirs() + [member("replica/etc/sda", None, tarfile.BLKTYPE, devmajor=8, devminor=0)]


def case_fifo():
    return BASE + [entry("/replica/etc/fifo", data=b"")], _dirs() + [member("replica/etc/fifo", None, tarfile.FIFOTYPE)]


def case_duplicate_member():
    entries, members = _ok_file()
    return BASE + entries, _dirs() + members + [member("replica/etc/ok.conf", OK_DATA)]


def case_member_not_in_manifest():
    entries, members = _ok_file()
    return BASE + entries, _dirs() + members + [member("replica/etc/extra.conf", b"surprise")]


def case_manifest_lies_about_size():
    return BASE + [entry("/replica/etc/ok.conf", data=b"short")], _dirs() + [member("replica/etc/ok.conf", b"much longer data")]


def case_pax_path_override():
    info, data = member("replica/etc/ok.conf", OK_DATA)
    info.pax_headers = {"path": "../../evil"}
    return BASE + [entry("/replica/etc/ok.conf", data=OK_DATA)], _dirs() + [(info, data)]


def case_short_pax_path_hiding_name():
    info, data = member("replica/etc/ok.conf", OK_DATA)
    info.pax_headers = {"path": "replica/etc/other.conf"}
    entries = [entry("/replica/etc/ok.conf", data=OK_DATA), entry("/replica/etc/other.conf", data=OK_DATA)]
    return BASE + entries, _dirs() + [(info, data), member("replica/etc/ok.conf", OK_DATA)]


def case_gnu_longname_traversal():
    long_evil = "replica/" + "a/" * 60 + "../" * 70 + "evil"
    return BASE, _dirs() + [member(long_evil, b"x")], tarfile.GNU_FORMAT


def case_undeclared_setuid():
    data = b"\x7fELF"
    return BASE + [entry("/replica/etc/su", data=data, mode=0o755)], _dirs() + [member("replica/etc/su", data, mode=0o4755)]


def case_manifest_entry_outside_replica():
    return BASE + [entry("/etc/passwd", data=b"x")], _dirs()


def case_manifest_symlink_escapes():
    return BASE + [entry("/replica/etc/l", "symlink", target="../../../etc/shadow")], _dirs()


def case_manifest_absolute_symlink_elsewhere():
    return BASE + [entry("/replica/etc/l", "symlink", target="/root/.ssh")], _dirs()


def case_manifest_hardlink_outside():
    return BASE + [entry("/replica/etc/h", "hardlink", target="/etc/shadow")], _dirs()


def case_linkmap_not_in_users_map():
    header = manifest_header(links=[{"path": "/etc/passwd", "target": "/replica/x", "state": "link", "actual": "/replica/x"}])
    return BASE, _dirs(), tarfile.PAX_FORMAT, header


def case_linkmap_points_outside_replica():
    header = manifest_header(links=[{"path": "/etc/asterisk", "target": "/replica/etc/asterisk", "state": "link", "actual": "/etc"}])
    return BASE, _dirs(), tarfile.PAX_FORMAT, header


def case_file_under_a_file():
    entries, members = _ok_file()
    return BASE + entries + [entry("/replica/etc/ok.conf/x", data=b"x")], _dirs() + members + [member("replica/etc/ok.conf/x", b"x")]


def case_bad_digest_in_content():
    return BASE + [entry("/replica/etc/ok.conf", data=b"good!")], _dirs() + [member("replica/etc/ok.conf", b"evil!")]


def case_manifest_edited_after_writing():
    entries, members = _ok_file()
    return BASE + entries, _dirs() + members, tarfile.PAX_FORMAT, None, {"manifest_sha256": "0" * 64}


CASES = {name[5:]: fn for name, fn in dict(globals()).items() if name.startswith("case_")}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_archive_is_refused_and_nothing_is_written(tmp_path, name):
    built = CASES[name]()
    entries, members = built[0], built[1]
    fmt = built[2] if len(built) > 2 else tarfile.PAX_FORMAT
    header = built[3] if len(built) > 3 else None
    trailer = built[4] if len(built) > 4 else {}
    archive = build_archive(tmp_path / f"{name}.tar", entries, members, header, fmt, **trailer)
    root = make_node(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    write(tmp_path / "sentinel", "untouched")
    everything_but_lock = lambda n: n == "lock"  # noqa: E731 - /var/lock holds the (released) lock file
    before_root, before_outside = tree_state(root, skip=everything_but_lock), sorted(os.listdir(tmp_path))
    result = run_halint("restore", str(archive), "--root", str(root), "--quiet")
    assert result.returncode == 2, (name, result.stdout, result.stderr)
    assert "refusing" in result.stderr or "nothing" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert tree_state(root, skip=everything_but_lock) == before_root, "the target changed"
    assert sorted(os.listdir(tmp_path)) == before_outside and not os.listdir(outside)
    assert not os.path.lexists("/evil") and not os.path.lexists(tmp_path.parent / "evil")


def test_there_are_at_least_fifteen_cases():
    assert len(CASES) >= 15


def test_a_clean_hand_made_archive_restores(tmp_path):
    """The builder itself is sound: without the hostile part the same archive restores."""
    entries, members = _ok_file()
    archive = build_archive(tmp_path / "ok.tar", BASE + entries, _dirs() + members)
    root = make_node(tmp_path)
    result = run_halint("restore", str(archive), "--root", str(root), "--quiet", "--only", "/replica/etc")
    assert result.returncode == 0, result.stderr
    assert (root / "replica/etc/ok.conf").read_bytes() == OK_DATA


def test_files_changed_while_archiving_need_force(tmp_path):
    """A forced snapshot lists late changes in its trailer; their digests cannot match."""
    entries = BASE + [entry("/replica/etc/log", data=b"old content")]
    members = _dirs() + [member("replica/etc/log", b"new content")]
    archive = build_archive(tmp_path / "late.tar", entries, members, changed=["/replica/etc/log"])
    root = make_node(tmp_path)
    refused = run_halint("restore", str(archive), "--root", str(root), "--only", "/replica/etc")
    assert refused.returncode == 2 and "changed while the snapshot was written" in refused.stderr
    forced = run_halint("restore", str(archive), "--root", str(root), "--only", "/replica/etc", "--force", "--quiet")
    assert forced.returncode == 0, forced.stderr
    assert (root / "replica/etc/log").read_bytes() == b"new content"
