"""Helpers for the drbd rule tests: lint real files (a loose drbd.conf, or a node folder with
haresources and /proc/drbd) with only the DRBD1xx rules, the way `halint lint` does."""

from __future__ import annotations

import shutil
from pathlib import Path

from elastix_halint.lint.config import Settings
from elastix_halint.lint.engine import Engine
from elastix_halint.lint.registry import load_registry
from elastix_halint.loader import load_paths

REGISTRY = load_registry()
DRBD1 = ["DRBD1"]

HARESOURCES = ("voipserver.drbd drbddisk::r0 Filesystem::/dev/drbd0::/replica::ext3 "
               "IPaddr::192.168.1.245/24/eth0/192.168.1.255 mysqld asterisk httpd\n")
PROC_DRBD = {
    "8.3": "version: 8.3.13 (api:88/proto:86-96)\n",
    "8.4": "version: 8.4.11-1 (api:1/proto:86-101)\n",
    "9": "version: 9.1.12 (api:2/proto:86-121)\nTransports (api:18): tcp (9.1.12)\n",
}


def lint(paths, select=DRBD1, options=None):
    settings = Settings(select=list(select), options=options or {})
    return Engine(REGISTRY, settings).lint(load_paths([str(p) for p in paths]))


def lint_text(tmp_path: Path, text: str, select=DRBD1, options=None, name="drbd.conf"):
    conf = tmp_path / name
    conf.write_text(text)
    return lint([conf], select, options)


def make_node(folder: Path, drbd_source: Path, haresources: str | None = HARESOURCES, proc: str | None = None) -> Path:
    """A node folder whose etc/ holds ``drbd_source`` (a file, or a folder with drbd.conf and
    its includes) as etc/drbd.conf, plus haresources and /proc/drbd when given."""
    etc = folder / "etc"
    etc.mkdir(parents=True)
    if drbd_source.is_dir():
        shutil.copytree(drbd_source, etc, dirs_exist_ok=True)
    else:
        shutil.copy(drbd_source, etc / "drbd.conf")
    if haresources is not None:
        (etc / "ha.d").mkdir(exist_ok=True)
        (etc / "ha.d" / "haresources").write_text(haresources)
    if proc is not None:
        (folder / "proc").mkdir()
        (folder / "proc" / "drbd").write_text(proc)
    return folder


def ids(run) -> list[str]:
    return sorted(p.rule_id for p in run.problems if p.rule_id.startswith("DRBD1"))


def crashes(run) -> list[str]:
    return [w for w in run.warnings if "crashed" in w]
