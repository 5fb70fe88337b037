"""NODE106/NODE107 on a node root read with `--root DIR` (facts/links then comes from lstat and
readlink of the real tree) agree with `halint links` on the same tree."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from conftest import run_halint
from rules_cluster_helpers import BACKUP, GOOD, SERVER, findings, lint

from elastix_halint.noderoot.linkmap import ELASTIX_PATHS


def _root(tmp_path, real_dirs=(), wrong=(), mount="/replica"):
    """voipserver.drbd's files under tmp/voipserver.drbd, its data paths linked into ``mount``
    (which holds the data, as on the Primary), except ``real_dirs`` (real directories) and
    ``wrong`` (links elsewhere)."""
    root = tmp_path / SERVER
    shutil.copytree(GOOD / SERVER / "etc", root / "etc")
    if mount != "/replica":
        hr = root / "etc/ha.d/haresources"
        hr.write_text(hr.read_text().replace("::/replica::", f"::{mount}::"))
    for path in ELASTIX_PATHS:
        target = root / (mount + path).lstrip("/")
        target.mkdir(parents=True, exist_ok=True)
        link = root / path.lstrip("/")
        link.parent.mkdir(parents=True, exist_ok=True)
        if path in real_dirs:
            link.mkdir()
            (link / "sip.conf").write_text("[general]\n")
        elif path in wrong:
            os.symlink("/srv/elsewhere", link)
        else:
            os.symlink(mount + path + "/", link)
    return root


def _statuses_of_links_command(root) -> dict:
    proc = run_halint("links", "--root", str(root), "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    return {entry["path"]: entry["status"] for entry in json.loads(proc.stdout)["links"]}


def test_real_directory_under_a_root_is_node107_like_links_replaced_dir(tmp_path):
    root = _root(tmp_path, real_dirs=("/etc/asterisk",), wrong=("/var/www",))
    run = lint(root=str(root), peer=str(GOOD / BACKUP), select=["NODE106", "NODE107"])
    replaced = findings(run, "NODE107")
    not_linked = findings(run, "NODE106")
    assert [("/etc/asterisk" in p.message) for p in replaced] == [True]
    assert "halint links repair" in replaced[0].hint
    assert [("/var/www" in p.message) for p in not_linked] == [True]
    statuses = _statuses_of_links_command(root)
    assert statuses["/etc/asterisk"] == "replaced-dir" and statuses["/var/www"] == "wrong-target"
    assert {p for p, s in statuses.items() if s != "ok"} == {"/etc/asterisk", "/var/www"}


def test_correct_root_gives_no_replica_finding(tmp_path):
    root = _root(tmp_path)
    run = lint(root=str(root), peer=str(GOOD / BACKUP), select=["NODE106", "NODE107"])
    assert findings(run, "NODE106") + findings(run, "NODE107") == []
    assert set(_statuses_of_links_command(root).values()) == {"ok"}


@pytest.mark.parametrize("mount", ["/replica", "/data"])
def test_mount_point_comes_from_haresources(tmp_path, mount):
    """Links into /data are right when haresources mounts /data, and wrong when it mounts /replica."""
    root = _root(tmp_path, mount="/data")
    if mount == "/replica":
        hr = root / "etc/ha.d/haresources"
        hr.write_text(hr.read_text().replace("::/data::", "::/replica::"))
    peer = tmp_path / "peer"
    shutil.copytree(GOOD / BACKUP, peer)
    (peer / "etc/ha.d/haresources").write_text((root / "etc/ha.d/haresources").read_text())
    problems = findings(lint(root=str(root), peer=str(peer), select=["NODE106"]), "NODE106")
    on_root = [p for p in problems if p.node == SERVER]
    assert len(on_root) == (len(ELASTIX_PATHS) if mount == "/replica" else 0)
