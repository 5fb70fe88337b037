"""Helpers for the snapshot/diff/restore-over-ssh tests: a node tree with names that break naive
parsers, the shells a node may have, and halint run against the loopback sshd of ``ssh_lab``."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import run_halint
from snapshot_helpers import IS_ROOT, write

SHELLS = {"dash": ("dash",), "posh": ("posh",), "mksh": ("mksh",), "bash --posix": ("bash", "--posix"),
          "busybox sh": ("busybox", "sh")}


def local_shell(argv, path: str | None = None, tmp: Path | None = None):
    """The node-side scripts run here under ``argv`` (posh has no -s: the script comes as
    /dev/stdin), with only ``path`` on PATH when given, and TMPDIR ``tmp``."""
    from elastix_halint.remote.shell import LocalShell

    shell = LocalShell(argv, path=path, stdin_script="/dev/stdin" if tuple(argv) == ("posh",) else "-s --")
    if tmp is not None:
        shell.env["TMPDIR"] = str(tmp)
    return shell


def add_odd_names(root: Path) -> None:
    """Names with a newline (one that looks like a stat line), a backslash, spaces and tabs, a
    leading dash, bytes that are not UTF-8, a name past the 100 bytes of a tar header, a
    hardlink group spread over directories, and symlinks with such targets."""
    rep = root / "replica/var/lib/asterisk/odd"
    rep.mkdir(parents=True)
    names = ["new\nline", "41ed 0 0 4096 8 1 1 1 x\nfake", "back\\slash", "sp ace\ttab", "-dash", "quote'\"", "ünï"]
    for i, name in enumerate(names):
        write(rep / name, f"{i}\n" * (i + 1), 0o640)
    bad = os.fsencode(str(rep)) + b"/latin1-\xe9\xff"
    with open(bad, "wb") as fh:
        fh.write(b"not utf-8 name\n")
    write(rep / ("long-" + "x" * 140), "long name\n")
    deep = rep / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    write(deep / "f", "deep\n")
    os.link(rep / "-dash", root / "replica/etc/asterisk/dash-link")
    os.symlink("new\nline", rep / "link to newline")
    os.symlink("../odd/back\\slash", rep / "rel link")
    if IS_ROOT:
        os.setxattr(rep / "back\\slash", "user.odd name", b"v\nal\\ue")
        os.setxattr(rep / "new\nline", "trusted.halint", b"\x00")


def ssh_halint(lab, *args: str, env: dict | None = None):
    """``halint ARGS --ssh-config LAB`` (the lab's ssh_config names the servers)."""
    return run_halint(*args, "--ssh-config", str(lab.config), env=env)


def manifest(path) -> tuple:
    """(header, entries as JSON) of an archive."""
    from elastix_halint.snapshot import archive

    snap = archive.load(str(path))
    return snap.header, [e.to_json() for e in snap.entries]


def without_xattrs(entries: list) -> list:
    return [{k: v for k, v in e.items() if k != "xattrs"} for e in entries]
