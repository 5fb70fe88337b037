"""Behaviour of the cluster rules beyond their fixtures: drbd.conf compared by meaning, secrets
never shown, other fact sources (lsblk, systemctl, DRBD 9 /proc/drbd)."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import REPO, run_halint
from rules_cluster_helpers import BACKUP, BOTH, SERVER, copy_bundle, findings, lint, replace

FACTS = REPO / "tests" / "data" / "facts"
SECRET = "hT7qLw2ZrX9vNc4KpB6mYs3DfG8jUe5A"
OTHER_SECRET = "Zq81-other-secret-Pm4"


@pytest.fixture
def bundle(tmp_path):
    return copy_bundle(tmp_path / "bundle")


def test_84_syntax_on_one_node_means_the_same_as_83_on_the_other(bundle):
    replace(bundle, [BACKUP], "etc/drbd.conf", "  syncer { rate 33M; }\n", "")
    replace(bundle, [BACKUP], "etc/drbd.conf", "    on-io-error detach;", "    on-io-error detach;\n    resync-rate 33M;")
    assert findings(lint(bundle, select=["DRBD200"]), "DRBD200") == []


def test_a_changed_rate_is_named_on_both_sides(bundle):
    replace(bundle, [BACKUP], "etc/drbd.conf", "syncer { rate 33M; }", "syncer { rate 10M; }")
    problems = findings(lint(bundle, select=["DRBD200"]), "DRBD200")
    by_node = {p.path.split("/")[0]: p for p in problems}
    assert set(by_node) == set(BOTH)
    assert "rate 10M" in by_node[BACKUP].message and "rate 33M" in by_node[BACKUP].message
    assert by_node[SERVER].related and by_node[SERVER].related[0].file.startswith(BACKUP)


def test_resource_only_on_one_node(bundle):
    path = bundle / BACKUP / "etc/drbd.conf"
    path.write_text(path.read_text() + 'resource r1 {\n  protocol C;\n  on voipserver.drbd { device /dev/drbd1; '
                    'disk /dev/sda4; address 10.1.1.1:7789; meta-disk internal; }\n  on voipbackup.drbd { device '
                    '/dev/drbd1; disk /dev/sda4; address 10.1.1.2:7789; meta-disk internal; }\n}\n')
    problems = findings(lint(bundle, select=["DRBD200"]), "DRBD200")
    assert {p.path.split("/")[0] for p in problems} == set(BOTH)
    assert all("resource r1" in p.message and "more difference" in p.message for p in problems)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_differing_secrets_are_never_shown(bundle, fmt):
    replace(bundle, [BACKUP], "etc/drbd.conf", SECRET, OTHER_SECRET)
    proc = run_halint("lint", "--select", "DRBD200", "--format", fmt, str(bundle))
    assert proc.returncode == 1, proc.stderr
    assert "shared-secrets" in proc.stdout
    assert SECRET not in proc.stdout + proc.stderr and OTHER_SECRET not in proc.stdout + proc.stderr


@pytest.mark.parametrize("fact, sample, size, smaller", [
    ("lsblk.json", "lsblk-util-linux-2.32.json", '"439213501440"', '"439213400000"'),
    ("sfdisk", "sfdisk-2.13.txt", "size=857838870", "size=857838000"),
])
def test_partition_sizes_from_other_tools(bundle, fact, sample, size, smaller):
    for node in BOTH:
        (bundle / node / "proc" / "partitions").unlink()
        shutil.copy(FACTS / sample, bundle / node / "facts" / fact)
    assert findings(lint(bundle, select=["DRBD202"]), "DRBD202") == []
    path = bundle / BACKUP / "facts" / fact
    assert size in path.read_text()
    path.write_text(path.read_text().replace(size, smaller, 1))
    [problem] = findings(lint(bundle, select=["DRBD202"]), "DRBD202")
    assert problem.severity.name == "ERROR" and problem.path == f"{BACKUP}/etc/drbd.conf"
    assert any(r.file == f"{BACKUP}/facts/{fact}" for r in problem.related)


def test_services_enabled_in_systemd(bundle):
    shutil.copy(FACTS / "systemctl-v219.txt", bundle / BACKUP / "facts" / "systemctl")
    (bundle / BACKUP / "facts" / "chkconfig").unlink()
    enabled = {line.split()[0].removesuffix(".service") for line in (FACTS / "systemctl-v219.txt").read_text().splitlines()
               if line.split()[1:2] == ["enabled"]}
    problems = findings(lint(bundle, select=["NODE103"]), "NODE103")
    named = {p.message.split()[0] for p in problems}
    assert named == {"mysqld", "asterisk", "httpd"} & enabled
    assert all(p.path == f"{BACKUP}/facts/systemctl" for p in problems)


def test_drbd9_proc_drbd_gives_no_state_findings(bundle):
    for node in BOTH:
        shutil.copy(FACTS / "procdrbd-9.txt", bundle / node / "proc" / "drbd")
    run = lint(bundle, select=["STATE"])
    assert [p for p in run.problems if p.rule_id.startswith("STATE")] == [] and run.warnings == []


def test_stalled_and_peer_paused_resync(bundle):
    shutil.copy(FACTS / "procdrbd-8.3-sync.txt", bundle / BACKUP / "proc" / "drbd")
    problems = findings(lint(bundle, select=["STATE108"]), "STATE108")
    assert len(problems) == 1 and "stalled" in problems[0].message and "by the peer" in problems[0].message


def test_node_names_checked_against_hacf_when_uname_is_missing(bundle):
    for node in BOTH:
        (bundle / node / "facts" / "uname-n").unlink()
        (bundle / node / "etc" / "hostname").unlink()
    replace(bundle, [SERVER], "etc/hosts", "127.0.0.1 localhost", "127.0.0.1 voipbackup.drbd localhost")
    problems = findings(lint(bundle, select=["NODE100"]), "NODE100")
    assert [p.path for p in problems] == [f"{SERVER}/etc/hosts"]


def test_json_report_of_drbd202_relates_both_partition_lines(bundle):
    replace(bundle, [BACKUP], "proc/partitions", "428919435 sda3", "418919435 sda3")
    proc = run_halint("lint", "--select", "DRBD202", "--format", "json", str(bundle))
    [problem] = json.loads(proc.stdout)["problems"]
    files = {r[4] if len(r) == 5 else problem["file"] for r in problem["related"]}  # [line, col, end_line, end_col(, file)]
    assert {f"{SERVER}/proc/partitions", f"{BACKUP}/proc/partitions", f"{SERVER}/etc/drbd.conf"} <= files


def test_a_local_handler_path_is_a_warning_and_a_net_difference_comes_first(bundle):
    replace(bundle, [BACKUP], "etc/drbd.conf", '"/usr/lib/drbd/notify-split-brain.sh root"',
            '"/usr/lib64/drbd/notify-split-brain.sh root"')
    problems = findings(lint(bundle, select=["DRBD200"]), "DRBD200")
    assert {p.severity.name for p in problems} == {"WARNING"} and all("split-brain" in p.message for p in problems)
    replace(bundle, [BACKUP], "etc/drbd.conf", "cram-hmac-alg sha1;", "cram-hmac-alg md5;")
    problems = findings(lint(bundle, select=["DRBD200"]), "DRBD200")
    assert {p.severity.name for p in problems} == {"ERROR"}
    assert all("cram-hmac-alg" in p.message and "1 more difference" in p.message for p in problems)


def test_bare_drbddisk_promotes_every_resource(bundle):
    for node in BOTH:
        replace(bundle, [node], "etc/drbd.conf", "    fencing resource-only;\n", "")
        replace(bundle, [node], "etc/ha.d/ha.cf", "respawn hacluster /usr/lib/heartbeat/dopd\n", "")
        replace(bundle, [node], "etc/ha.d/haresources", "drbddisk::r0", "drbddisk")
    problems = findings(lint(bundle, select=["DRBD209"]), "DRBD209")
    assert len(problems) == 2 and all("resource r0" in p.message for p in problems)


def test_protocol_in_net_equals_protocol_in_the_resource(bundle):
    replace(bundle, [BACKUP], "etc/drbd.conf", "  protocol C;\n", "")
    replace(bundle, [BACKUP], "etc/drbd.conf", "    cram-hmac-alg sha1;", "    protocol C;\n    cram-hmac-alg sha1;")
    assert findings(lint(bundle, select=["DRBD200"]), "DRBD200") == []
    replace(bundle, [BACKUP], "etc/drbd.conf", "    protocol C;", "    protocol A;")
    assert len(findings(lint(bundle, select=["DRBD200"]), "DRBD200")) == 2


def test_boot_services_use_the_peers_haresources_when_this_node_has_none(bundle):
    (bundle / BACKUP / "etc/ha.d/haresources").unlink()
    replace(bundle, [BACKUP], "facts/chkconfig", "mysqld         \t0:off\t1:off\t2:off\t3:off\t4:off\t5:off",
            "mysqld         \t0:off\t1:off\t2:on\t3:on\t4:on\t5:on")
    [problem] = findings(lint(bundle, select=["NODE103"]), "NODE103")
    assert problem.path == f"{BACKUP}/facts/chkconfig" and problem.message.startswith("mysqld ")


def test_drbd_may_be_off_at_boot_in_pacemaker_mode(bundle):
    for node in BOTH:
        replace(bundle, [node], "facts/chkconfig", "drbd           \t0:off\t1:off\t2:on\t3:on\t4:on\t5:on",
                "drbd           \t0:off\t1:off\t2:off\t3:off\t4:off\t5:off")
    assert {p.message.split()[0] for p in findings(lint(bundle, select=["NODE104"]), "NODE104")} == {"drbd"}
    for node in BOTH:
        path = bundle / node / "etc/ha.d/ha.cf"
        path.write_text(path.read_text() + "crm respawn\n")
    assert findings(lint(bundle, select=["NODE104"]), "NODE104") == []
