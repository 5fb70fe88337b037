"""contrib/ansible/lint.yml with a real ansible-playbook against the loopback sshd: three
clusters of two nodes (one broken; one cluster's nodes behind the busybox-only and the
CentOS-5-like sshd) and a cluster whose node cannot be reached. Reports per cluster, the broken
one told apart, the unreachable node reported without stopping the rest, the play failing at
the end, and no secret anywhere. Run with pip's ansible-core, and Debian 12's 2.14 (when
installed) on part of the fleet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from collect_helpers import bundle_modes, make_good_root
from conftest import REPO, run_halint
from sshd_helpers import ansible_env
from elastix_halint.secrets import secrets_of_text

PLAYBOOK = REPO / "contrib" / "ansible" / "lint.yml"
VENV_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")
DEBIAN_PLAYBOOK = Path("/usr/bin/ansible-playbook")  # Debian 12: ansible-core 2.14


@pytest.fixture(scope="module")
def fleet(ssh_lab, tmp_path_factory):
    """Roots and an inventory: alpha and charlie clean, bravo broken, delta unreachable."""
    base = tmp_path_factory.mktemp("fleet")
    roots = {}
    for cluster in ("alpha", "bravo", "charlie"):
        roots[f"{cluster}1"] = make_good_root(base, f"{cluster}1", "voipserver.drbd")
        roots[f"{cluster}2"] = make_good_root(base, f"{cluster}2", "voipbackup.drbd")
    (roots["bravo2"] / "etc/ha.d/authkeys").chmod(0o644)  # Heartbeat would refuse to start: an error
    conf = roots["bravo2"] / "etc/drbd.conf"
    conf.write_text(conf.read_text().replace("protocol C;", "protocol Q;"))
    via = {"alpha1": "modern", "alpha2": "modern", "bravo1": "modern", "bravo2": "modern", "charlie1": "busybox", "charlie2": "old"}
    common = f"-F {ssh_lab.config}"
    inventory = {"all": {"children": {
        cluster: {"hosts": {h: {"ansible_host": via[h], "ansible_ssh_common_args": common, "halint_root": str(roots[h])}
                            for h in (f"{cluster}1", f"{cluster}2")}}
        for cluster in ("alpha", "bravo", "charlie")
    }}}
    inventory["all"]["children"]["delta"] = {"hosts": {"delta1": {
        "ansible_host": "127.0.0.1", "ansible_port": _closed_port(), "ansible_ssh_common_args": common}}}
    path = base / "inventory.json"  # JSON is YAML
    path.write_text(json.dumps(inventory))
    secrets = set()
    for root in roots.values():
        for rel, kind in (("etc/drbd.conf", "drbd"), ("etc/ha.d/authkeys", "authkeys"), ("etc/ha.d/ha.cf", "hacf")):
            secrets |= secrets_of_text((root / rel).read_text(), kind)
    assert secrets  # the clusters do have secrets to keep
    return roots, path, secrets


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_playbook(playbook: Path, inventory: Path, out: Path, tmp: Path, *extra: str) -> subprocess.CompletedProcess:
    halint_cmd = f"{sys.executable} -m elastix_halint"
    return subprocess.run(
        [str(playbook), "-i", str(inventory), str(PLAYBOOK), "-e", f"halint_out={out}", "-e", f"halint_cmd='{halint_cmd}'", *extra],
        env=ansible_env(tmp), capture_output=True, text=True, timeout=600,
    )


def _needs(playbook: Path) -> None:
    if not playbook.exists():
        pytest.skip(f"{playbook} is not installed (pip install -e '.[test]'; apt-get install ansible-core)")


def _no_secret(secrets, done, out) -> None:
    everything = done.stdout + done.stderr + "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())
    assert not [s for s in secrets if s in everything]


def test_fleet_playbook(fleet, tmp_path):
    _needs(VENV_PLAYBOOK)
    roots, inventory, secrets = fleet
    out = tmp_path / "out"
    done = run_playbook(VENV_PLAYBOOK, inventory, out, tmp_path)
    assert done.returncode != 0, done.stdout  # bravo has errors and delta1 cannot be reached
    assert "Traceback" not in done.stdout + done.stderr
    summary = {c["cluster"]: c for c in json.loads((out / "summary.json").read_text())["clusters"]}
    assert sorted(summary) == ["alpha", "bravo", "charlie", "delta"]
    for clean in ("alpha", "charlie"):
        assert (summary[clean]["errors"], summary[clean]["failed"], summary[clean]["unreachable"]) == (0, False, []), summary[clean]
    assert summary["bravo"]["errors"] >= 2 and summary["bravo"]["failed"]
    assert summary["delta"]["unreachable"] == ["delta1"] and summary["delta"]["errors"] is None
    for cluster in ("alpha", "bravo", "charlie"):
        report = json.loads((out / f"{cluster}.json").read_text())
        assert report["summary"]["error"] == summary[cluster]["errors"]
        assert json.loads((out / f"{cluster}.sarif").read_text())["runs"][0]["results"] is not None
    bravo = {p["rule"] for p in json.loads((out / "bravo.json").read_text())["problems"] if p["severity"] == "error"}
    assert "HB200" in bravo and not (out / "delta.json").exists()
    # The bundles are those `halint collect --root` writes for the same roots.
    for host, root in roots.items():
        local = tmp_path / "local" / host
        assert run_halint("collect", "--root", str(root), "--out", str(local)).returncode == 0
        (node,) = os.listdir(local)
        assert bundle_modes(out / "bundles" / host[:-1] / node) == bundle_modes(local / node)
    # The summary table, and no secret in anything the play printed or wrote.
    table = done.stdout[done.stdout.index("cluster "):]
    assert "bravo" in table and "delta1" in table
    _no_secret(secrets, done, out)


def test_debian_ansible_core_2_14(fleet, tmp_path):
    """The same play with Debian 12's ansible-core 2.14, on the broken and the unreachable cluster."""
    _needs(DEBIAN_PLAYBOOK)
    if DEBIAN_PLAYBOOK.resolve() == VENV_PLAYBOOK.resolve():
        pytest.skip("the only ansible-playbook here is pip's")
    _, inventory, secrets = fleet
    out = tmp_path / "out"
    done = run_playbook(DEBIAN_PLAYBOOK, inventory, out, tmp_path, "--limit", "bravo:delta")
    assert done.returncode != 0 and "Traceback" not in done.stdout + done.stderr
    summary = {c["cluster"]: c for c in json.loads((out / "summary.json").read_text())["clusters"]}
    assert sorted(summary) == ["bravo", "delta"] and summary["bravo"]["failed"] and summary["bravo"]["errors"] >= 2
    assert summary["delta"]["unreachable"] == ["delta1"] and (out / "bravo.sarif").is_file()
    _no_secret(secrets, done, out)


def test_limit_runs_only_the_chosen_clusters(fleet, tmp_path):
    _needs(VENV_PLAYBOOK)
    _, inventory, _ = fleet
    out = tmp_path / "out"
    done = run_playbook(VENV_PLAYBOOK, inventory, out, tmp_path, "--limit", "alpha", "--forks", "2")
    assert done.returncode == 0, done.stdout[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert [c["cluster"] for c in summary["clusters"]] == ["alpha"] and summary["clusters"][0]["failed"] is False
    assert sorted(os.listdir(out)) == ["alpha.json", "alpha.sarif", "bundles", "summary.json"]
