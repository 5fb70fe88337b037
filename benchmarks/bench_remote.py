"""Remote lint and fleet speed, against a loopback sshd this script starts (tests/sshd_helpers.py).

1. ``halint lint --ssh A --ssh B`` (whole process: two connections in parallel, the node-side
   script on each, the bundle built here, the lint) against the reference: two plain
   ``ssh A true`` + ``ssh B true`` round trips plus a local ``halint lint`` of the same bundle.
   Runs alternate, medians are compared; target ratio <= 1.5.
2. A fleet: ``contrib/ansible/lint.yml`` over ``--nodes`` nodes (two per cluster) through
   ansible-playbook, reported as seconds per node (wall time of the whole play / nodes).

Both nodes are folders on this machine reached through the loopback sshd as root, so the
figures measure halint's own cost and ssh's, not a network. halint is the wheel installed in a
temporary venv (bench_lint.install), as a user runs it.

    sudo python benchmarks/bench_remote.py [--runs 11] [--nodes 20] [--forks 5,20] [--keep]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "tests"), str(REPO / "benchmarks")]

from bench_lint import install  # noqa: E402  (the same wheel-in-a-venv setup as the lint benchmark)
from collect_helpers import make_good_root  # noqa: E402
from sshd_helpers import SshLab, ansible_env  # noqa: E402  (the tests' sshd and isolated Ansible setup)


def with_dependencies(py: Path) -> Path:
    """bench_lint.install's venv sees the base interpreter's packages; when this script runs
    from a venv (where halint's dependencies are), let the new venv see that one's too."""
    import sysconfig

    if sys.prefix != sys.base_prefix:
        site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
        paths = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
        Path(site, "_bench_dependencies.pth").write_text("".join(p + "\n" for p in sorted(paths)))
    return py


def timed(cmd: list[str], ok=(0, 1), **kw) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kw)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok:
        sys.exit(f"{' '.join(cmd[:6])}... failed ({proc.returncode}): {proc.stderr[-800:]}")
    return elapsed


def bench_lint(lab: SshLab, halint: str, work: Path, runs: int) -> dict:
    a = make_good_root(work, "node-a", "voipserver.drbd")
    b = make_good_root(work, "node-b", "voipbackup.drbd")
    bundle = work / "bundle"
    for root in (a, b):
        subprocess.run([halint, "collect", "--root", str(root), "--out", str(bundle)], check=True, capture_output=True)
    config = str(lab.config)
    remote = [halint, "lint", "--ssh-config", config, "--ssh", f"modern:{a}", "--ssh", f"modern:{b}"]
    ssh_true = ["ssh", "-F", config, "modern", "true"]
    local = [halint, "lint", str(bundle)]
    ours, reference, parts = [], [], {"ssh": [], "lint": []}
    timed(remote, cwd=work)  # warm the page cache and the sshd
    for _ in range(runs):
        ours.append(timed(remote, cwd=work))
        s = timed(ssh_true, ok=(0,)) + timed(ssh_true, ok=(0,))
        l = timed(local, cwd=work)
        reference.append(s + l)
        parts["ssh"].append(s)
        parts["lint"].append(l)
    return {
        "remote_lint_s": statistics.median(ours),
        "reference_s": statistics.median(reference),
        "two_ssh_true_s": statistics.median(parts["ssh"]),
        "local_lint_s": statistics.median(parts["lint"]),
        "ratio": statistics.median(ours) / statistics.median(reference),
        "runs": runs,
    }


def bench_fleet(lab: SshLab, halint_py: Path, work: Path, nodes: int, forks: int) -> dict:
    playbook_bin = Path(sys.executable).with_name("ansible-playbook")
    if not playbook_bin.exists():
        playbook_bin = Path(shutil.which("ansible-playbook") or "ansible-playbook")
    fleet = work / f"fleet-{forks}"
    inventory: dict = {}
    for i in range(nodes):
        cluster, member = f"cluster{i // 2:02d}", ("voipserver.drbd", "voipbackup.drbd")[i % 2]
        host = f"{cluster}-{i % 2 + 1}"
        root = make_good_root(fleet, host, member)
        inventory.setdefault(cluster, {"hosts": {}})["hosts"][host] = {
            "ansible_host": "modern", "ansible_ssh_common_args": f"-F {lab.config}", "halint_root": str(root)}
    (fleet / "inventory.json").write_text(json.dumps({"all": {"children": inventory}}))
    cmd = [str(playbook_bin), "-i", str(fleet / "inventory.json"), str(REPO / "contrib/ansible/lint.yml"),
           "-e", f"halint_out={fleet / 'out'}", "-e", f"halint_cmd='{halint_py} -m elastix_halint'", "--forks", str(forks)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=ansible_env(fleet), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"the fleet play failed ({proc.returncode}):\n{proc.stdout[-3000:]}")
    summary = json.loads((fleet / "out" / "summary.json").read_text())
    assert len(summary["clusters"]) == nodes // 2
    return {"nodes": nodes, "forks": forks, "play_s": elapsed, "s_per_node": elapsed / nodes,
            "version": subprocess.run([str(playbook_bin), "--version"], capture_output=True, text=True).stdout.split("\n")[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--nodes", type=int, default=20)
    parser.add_argument("--forks", default="5,20", help="comma-separated --forks values for the fleet play")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    reason = SshLab.skip_reason()
    if reason:
        sys.exit(reason)
    work = Path(tempfile.mkdtemp(prefix="bench-remote-"))
    lab = None
    try:
        py = with_dependencies(install(work))
        halint = str(py.with_name("halint"))
        lab = SshLab.start(work / "lab")
        result = {"lint": bench_lint(lab, halint, work, args.runs)}
        r = result["lint"]
        print(f"halint lint --ssh A --ssh B: {r['remote_lint_s'] * 1000:.0f} ms; reference (ssh A true + ssh B true "
              f"{r['two_ssh_true_s'] * 1000:.0f} ms + local lint {r['local_lint_s'] * 1000:.0f} ms) "
              f"{r['reference_s'] * 1000:.0f} ms; ratio {r['ratio']:.2f}x (target <= 1.5x; medians of {r['runs']})")
        result["fleet"] = []
        for forks in (int(f) for f in args.forks.split(",")):
            f = bench_fleet(lab, py, work, args.nodes, forks)
            result["fleet"].append(f)
            print(f"fleet: {f['nodes']} nodes through contrib/ansible/lint.yml, --forks {forks}: {f['play_s']:.1f} s, "
                  f"{f['s_per_node']:.2f} s per node ({f['version']})")
        print(json.dumps(result, indent=2))
    finally:
        if lab is not None:
            lab.stop()
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
