"""What the model answers about a node for every rule (model/cluster.py, model/drbd.py,
model/haresources.py): which `on` section is the node's, its devices and minors, what
Heartbeat promotes, its addresses and partitions. Built from real files of a node folder."""

from __future__ import annotations

import shutil

import pytest
from rules_cluster_helpers import GOOD, SERVER, replace

from elastix_halint.loader import load_paths
from elastix_halint.model.drbd import is_drbd_device
from elastix_halint.model.haresources import ALL_RESOURCES, prefix_length


@pytest.fixture
def node_dir(tmp_path):
    return shutil.copytree(GOOD / SERVER, tmp_path / SERVER)


def node_of(folder):
    return load_paths([str(folder)]).nodes[0]


def test_the_nodes_on_section_exact_and_case_folded(node_dir):
    replace(node_dir.parent, [SERVER], "etc/drbd.conf", "on voipserver.drbd", "on VoipServer.drbd")
    node = node_of(node_dir)
    (res,) = node.drbd_resources
    assert node.label == "voipserver.drbd"
    assert node.drbd_host(res) is None  # drbdadm compares exactly
    assert [h.names for h in node.drbd_hosts(res)] == [("VoipServer.drbd",)]  # Heartbeat folds case
    assert node.drbd_devices(res) == {"/dev/drbd/by-res/r0", "/dev/drbd0"}
    assert node.resource_of_minor(0)[0] is res and node.resource_of_minor(7) == (None, None)


def test_a_node_named_nowhere_falls_back_to_every_on_section(node_dir):
    (node_dir / "facts" / "uname-n").write_text("elsewhere\n")
    (node_dir / "etc" / "hostname").unlink()
    node = node_of(node_dir)
    (res,) = node.drbd_resources
    assert len(node.drbd_hosts(res)) == 2 and node.drbd_hosts(res, fallback=False) == []


def test_what_heartbeat_promotes(node_dir):
    node = node_of(node_dir)
    assert set(node.managed_resources) == {"r0"} and node.managed_resources["r0"][0] == "voipserver.drbd"
    assert set(node.drbddisk_resources) == {"r0"}
    (node_dir / "etc" / "ha.d" / "haresources").write_text("voipserver.drbd drbddisk 10.0.0.9/24/eth0\n")
    bare = node_of(node_dir)
    assert set(bare.managed_resources) == {"r0"}  # every resource of drbd.conf
    assert set(bare.drbddisk_resources) == {ALL_RESOURCES}  # as written
    (group,) = bare.haresources.groups
    assert [(pos, name) for pos, name, _res in group.drbddisk_names] == [(0, ALL_RESOURCES)]
    [(ipres, fields)] = list(bare.haresources.ip_resources())
    assert fields == ("10.0.0.9", 24, "eth0", None) and ipres.part_span("eth0").column == ipres.span.column + len("10.0.0.9/24/")


def test_addresses_and_partitions_of_a_node(node_dir):
    facts = node_of(node_dir).facts
    assert facts.address_line("192.168.1.243").ifname == "eth0"
    assert facts.address_line("::0001").address == "::1"  # compared as addresses
    assert facts.address_line("192.168.1.99") is None
    assert [(a.address, str(net)) for a, net in facts.subnets_holding("192.168.1.245")] == \
        [("192.168.1.243", "192.168.1.0/24")]
    assert facts.partition_of("/dev/sda3").size_bytes == 428919435 * 1024
    assert facts.partition_of("/dev/sdz9") is None and facts.partition_of("/dev/disk/by-id/x") is None
    assert {"lo", "eth0"} <= facts.interface_names


def test_cluster_wide_answers():
    cluster = load_paths([str(GOOD)])
    assert set(cluster.node_names) == {"voipserver.drbd", "voipbackup.drbd"}
    assert list(cluster.floating_ips) == ["192.168.1.245"]


def test_device_and_mask_helpers():
    assert is_drbd_device("/dev/drbd0") and is_drbd_device("/dev/drbd/by-res/r0")
    assert not is_drbd_device("/dev/sda3") and not is_drbd_device("/dev/drbd")
    assert prefix_length("255.255.255.0") == 24 and prefix_length("24") == 24
    assert prefix_length("33") is None and prefix_length("255.0.255.0") is None and prefix_length(None) is None
