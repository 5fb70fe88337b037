"""A machine with no DRBD resource and no Heartbeat files is not a cluster node: linting its root
must not report cluster findings about its host name or the Elastix replica links. Give it a
haresources and the same facts become findings."""

from __future__ import annotations

import json

from conftest import run_halint


def _root(tmp_path, with_heartbeat: bool):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "hostname").write_text("pbx1\n")
    (root / "etc" / "hosts").write_text("127.0.0.1 localhost pbx1\n")
    # drbd-utils installs this on any machine: includes, but no resource.
    (root / "etc" / "drbd.conf").write_text('include "drbd.d/global_common.conf";\ninclude "drbd.d/*.res";\n')
    (root / "etc" / "drbd.d").mkdir()
    (root / "etc" / "drbd.d" / "global_common.conf").write_text("global { usage-count no; }\ncommon { }\n")
    if with_heartbeat:
        (root / "etc" / "ha.d").mkdir()
        (root / "etc" / "ha.d" / "haresources").write_text(
            "pbx1 drbddisk::r0 Filesystem::/dev/drbd0::/replica::ext3 asterisk\n"
        )
    return root


def _rules(tmp_path, with_heartbeat: bool) -> set[str]:
    result = run_halint("lint", "--root", str(_root(tmp_path, with_heartbeat)), "--format", "json", "--fail-on", "never")
    assert result.returncode == 0, result.stderr
    return {p["rule"] for p in json.loads(result.stdout)["problems"]}


def test_lone_machine_gets_no_cluster_findings(tmp_path):
    assert not _rules(tmp_path, with_heartbeat=False) & {"NODE100", "NODE101", "NODE106", "NODE107"}


def test_the_same_machine_with_heartbeat_gets_them(tmp_path):
    found = _rules(tmp_path, with_heartbeat=True)
    assert "NODE100" in found
    assert "NODE106" in found
