"""The loader: cluster bundles, node folders, roots (fake and live), loose files, input errors."""

from __future__ import annotations

import os
import shutil

import pytest

from collect_helpers import make_root
from elastix_halint.errors import InputError, UsageError
from elastix_halint.loader import load_paths
from facts_helpers import DATA, SAMPLES_DIR

NODES = ("voipbackup.drbd", "voipserver.drbd")


def test_sample_bundle_has_both_nodes_with_files_and_facts():
    cluster = load_paths([str(SAMPLES_DIR)])
    assert cluster.origin == "bundle" and tuple(n.name for n in cluster.nodes) == NODES
    server = cluster.node("voipserver.drbd")
    assert server.drbd is not None and server.hacf is not None and server.missing == ()
    assert server.files["/etc/ha.d/ha.cf"].source.path == "voipserver.drbd/etc/ha.d/ha.cf"
    assert server.facts.nodename == "voipserver.drbd" and server.facts.hostname.nodename == "voipserver.drbd"
    assert "192.168.1.245" in server.facts.addresses("inet")
    assert "192.168.1.245" not in cluster.node("voipbackup.drbd").facts.addresses()
    sizes = {n.name: n.facts.partitions["sda3"].size_bytes for n in cluster.nodes}
    assert len(set(sizes.values())) == 1
    assert server.facts.sources["procdrbd"].source.path == "voipserver.drbd/proc/drbd"
    for node in cluster.nodes:  # the sample facts are clean captures
        assert all(r.ok and not r.diagnostics for r in node.facts.sources.values())
        assert set(node.facts.sources) == {"uname", "hostname", "stat", "links", "boot", "partitions", "ipaddrs", "procdrbd"}


def test_one_node_folder_keeps_bundle_relative_paths():
    cluster = load_paths([str(SAMPLES_DIR / "voipbackup.drbd")])
    (node,) = cluster.nodes
    assert node.name == "voipbackup.drbd" and node.facts.procdrbd.minors[0].role == "Secondary"
    assert node.files["/etc/drbd.conf"].source.path == "voipbackup.drbd/etc/drbd.conf"


def test_node_folders_given_one_by_one_make_one_cluster():
    cluster = load_paths([str(SAMPLES_DIR / n) for n in NODES])
    assert [n.name for n in cluster.nodes] == list(NODES)


def _node_folder(tmp_path, name="n1", **files):
    folder = tmp_path / "bundle" / name
    for rel, text in files.items():
        path = folder / rel.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def test_not_captured_differs_from_captured_empty(tmp_path):
    folder = _node_folder(tmp_path, facts__chkconfig="", facts__uname_n="n1\n")
    os.rename(folder / "facts/uname_n", folder / "facts/uname-n")
    (node,) = load_paths([str(folder)]).nodes
    assert node.facts.boot == {} and node.facts.links is None
    assert "links" in node.missing and "boot" not in node.missing and "/etc/ha.d/ha.cf" in node.missing
    assert not node.has("links") and node.has("boot") and node.has("uname")


def test_two_sources_of_one_fact_are_merged_first_wins(tmp_path):
    folder = _node_folder(tmp_path)
    (folder / "facts").mkdir(parents=True)
    (folder / "proc").mkdir()
    shutil.copy(DATA / "lsblk-util-linux-2.32.json", folder / "facts/lsblk.json")
    (folder / "proc/partitions").write_text("major minor  #blocks  name\n\n   8  3  5 sda3\n   8  16  100 sdb\n")
    (node,) = load_paths([str(folder)]).nodes
    assert node.facts.partitions["sda3"].size_bytes == 439213501440 and node.facts.partitions["sdb"].size_bytes == 102400
    assert set(node.facts.sources) == {"partitions", "proc/partitions"}


def test_unreadable_file_becomes_a_diagnostic(tmp_path):
    folder = _node_folder(tmp_path, etc__ha_d="")
    (folder / "etc/ha_d").unlink()
    (folder / "etc/ha.d").mkdir(parents=True)
    (folder / "etc/ha.d/ha.cf").write_text("")
    (node,) = load_paths([str(folder)]).nodes
    assert node.hacf is None and node.diagnostics[0].span.file.endswith("n1/etc/ha.d/ha.cf")
    assert "empty" in node.diagnostics[0].message


def test_loose_files_form_an_anonymous_node(tmp_path):
    renamed = tmp_path / "captured.txt"
    shutil.copy(DATA / "chkconfig-centos5.txt", renamed)
    hacf = SAMPLES_DIR / "voipserver.drbd/etc/ha.d/ha.cf"
    cluster = load_paths([str(hacf), str(renamed), str(DATA / "procdrbd-9.txt")])
    (node,) = cluster.nodes
    assert cluster.origin == "files" and node.anonymous
    assert node.files[str(renamed)].kind == "chkconfig" and node.facts.boot["drbd"].enabled
    assert node.hacf is not None and node.files[str(hacf)].source.path == str(hacf)
    assert node.facts.procdrbd.major == "9.1"


def test_fake_root_and_peer(tmp_path):
    root = make_root(tmp_path)
    cluster = load_paths([], root=str(root), peer=str(SAMPLES_DIR / "voipbackup.drbd"))
    me, peer = cluster.nodes
    assert cluster.origin == "root" and me.name == "voipserver.drbd" and peer.name == "voipbackup.drbd"
    assert me.facts.stat["/etc/ha.d/authkeys"].mode == 0o600 and me.facts.links["/var/www"].is_symlink
    assert me.files["/etc/hosts"].source.path == "root/etc/hosts"
    assert [s.path for s in me.files["/etc/drbd.conf"].all_sources()][-1] == "root/etc/drbd.d/r0.res"


def test_live_root_reads_the_running_system():
    cluster = load_paths([], root="/")
    (node,) = cluster.nodes
    assert node.live and node.root == "/" and node.name == os.uname().nodename
    assert node.facts.uname.nodename == os.uname().nodename and node.facts.stat is not None
    assert all(not d.span or d.span.file.startswith(("/", "live:")) for d in node.diagnostics)


def test_input_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_paths([str(tmp_path / "missing")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="not a cluster bundle"):
        load_paths([str(tmp_path / "empty")])
    with pytest.raises(UsageError):
        load_paths([str(SAMPLES_DIR), str(DATA / "procdrbd-9.txt")])
    twin = make_root(tmp_path, "twin")
    (twin / "etc/hostname").write_text("voipbackup.drbd\n")
    with pytest.raises(InputError, match="two nodes"):
        load_paths([], root=str(twin), peer=str(SAMPLES_DIR / "voipbackup.drbd"))
    with pytest.raises(UsageError):
        load_paths([])
    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello world\n")
    with pytest.raises(InputError, match="what kind"):
        load_paths([str(unknown)])


def test_centos5_hostname_comes_from_sysconfig_network(tmp_path):
    folder = _node_folder(tmp_path, "c5", etc__sysconfig__network='NETWORKING=yes\nHOSTNAME="voipserver.drbd"\nGATEWAY=192.168.1.1\n')
    (node,) = load_paths([str(folder)]).nodes
    assert node.facts.hostname.nodename == "voipserver.drbd" and node.facts.nodename == "voipserver.drbd"
    span = node.facts.hostname.span
    assert (span.file, span.line, span.column, span.end_column) == ("c5/etc/sysconfig/network", 2, 11, 26)
    (folder / "etc/hostname").write_text("other\n")
    (node,) = load_paths([str(folder)]).nodes
    assert node.facts.hostname.nodename == "other"  # /etc/hostname first, as systemd reads it


def test_interfaces_include_those_without_an_address(tmp_path):
    folder = _node_folder(tmp_path, facts__ip_addr="")
    (folder / "facts/ip_addr").write_text(
        "3: eth2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast qlen 1000\\    link/ether 00:0c:29:00:00:01 brd ff:ff:ff:ff:ff:ff\n"
        "2: eth0    inet 10.0.0.1/24 brd 10.0.0.255 scope global eth0\n"
    )
    os.rename(folder / "facts/ip_addr", folder / "facts/ip-addr")
    (node,) = load_paths([str(folder)]).nodes
    assert node.facts.interfaces == ("eth2", "eth0") and node.facts.addresses() == {"10.0.0.1"}
