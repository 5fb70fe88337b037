"""File names from a node or an archive reach the admin's terminal one line each, escaped as
``ls -b`` escapes them: no line split by a newline in a name, no escape sequence obeyed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from conftest import run_halint
from snapshot_helpers import make_node, take_snapshot

from elastix_halint.shown import count, printable

# A newline, an escape sequence, a tab, a byte that is not UTF-8, a DEL and a C1 control.
HOSTILE = [b"a\nb.conf", b"\x1b[31mred.conf", b"tab\there.conf", b"bad\xffname.conf", b"del\x7f.conf",
           "c1\u0085.conf".encode()]


def ls_b(folder: Path) -> list[str]:
    """What coreutils shows for the names of a folder (the admin's reference)."""
    done = subprocess.run(["ls", "-b", "-1", str(folder)], capture_output=True, text=True, check=True,
                          env=dict(os.environ, LC_ALL="C.UTF-8"))
    return done.stdout.splitlines()


def test_printable_writes_what_ls_b_writes(tmp_path):
    for name in HOSTILE:
        (tmp_path / os.fsdecode(name)).write_bytes(b"")
    mine = sorted(printable(os.fsdecode(n)) for n in os.listdir(os.fsencode(tmp_path)))
    if shutil.which("ls"):
        assert mine == sorted(ls_b(tmp_path))
    assert all("\n" not in m and "\x1b" not in m for m in mine)


def test_printable_keeps_ordinary_and_non_ascii_text():
    for text in ("/replica/etc/asterisk/sip.conf", "extensión ñ.conf", "nbsp\u00a0name", "日本語"):
        assert printable(text) == text


def test_count_agrees_in_number():
    assert [count(n, "file") for n in (0, 1, 2)] == ["0 files", "1 file", "2 files"]


def _hostile_names(folder: Path) -> None:
    for name in HOSTILE:
        with open(os.path.join(os.fsencode(folder), name), "wb") as f:
            f.write(b"x")


def test_show_and_diff_print_one_escaped_line_per_name(tmp_path):
    root = make_node(tmp_path)
    conf = root / "replica/etc/asterisk/odd"
    conf.mkdir()
    _hostile_names(conf)
    archive = take_snapshot(root)
    listing = run_halint("show", "--long", str(archive))
    assert listing.returncode == 0, listing.stderr
    shown = [line.rsplit("/", 1)[-1] for line in listing.stdout.splitlines() if "/replica/etc/asterisk/odd/" in line]
    assert sorted(shown) == sorted(ls_b(conf))
    assert "\x1b" not in listing.stdout
    for name in HOSTILE:
        with open(os.path.join(os.fsencode(conf), name), "ab") as f:
            f.write(b"changed")
    changes = run_halint("diff", str(archive), "--root", str(root))
    assert changes.returncode == 1, changes.stderr
    modified = [l for l in changes.stdout.splitlines() if l.startswith("modified")]
    assert sorted(l.split("/replica/etc/asterisk/odd/", 1)[1].rsplit(": ", 1)[0] for l in modified) == sorted(ls_b(conf))


def test_links_plan_prints_one_escaped_line_per_name(tmp_path):
    root = tmp_path / "node"
    (root / "replica/etc/asterisk").mkdir(parents=True)
    (root / "replica/etc/asterisk/sip.conf").write_text("[general]\n")
    # The upgrade wrote a real folder over the link, with two files the replica lacks.
    (root / "etc/asterisk").mkdir(parents=True)
    (root / "etc/asterisk/sip.conf").write_text("[general]\n")
    with open(os.path.join(os.fsencode(root / "etc/asterisk"), b"new\nfile\x1b[2J.conf"), "wb") as f:
        f.write(b"x")
    status = run_halint("links", "--root", str(root))
    plan = run_halint("links", "repair", "--root", str(root))
    for result in (status, plan):
        assert result.returncode == 1, result.stderr
        assert "\x1b" not in result.stdout
        assert all(line.startswith(("/", "  ", "PATH", "dry run", "note:")) for line in result.stdout.splitlines()), result.stdout
    assert "only in the upgraded copy, kept in" in plan.stdout and ": 1 file (use --merge-new" in plan.stdout
    assert "2 files, " in status.stdout
