"""Benchmark: halint snapshot/restore --ssh against the node's tar and zstd through ssh.

Not a test. The tree is bench_snapshot's (``make_tree``: default 2 GiB, 50,000 small files plus
PCM-like recordings), reached as a node through a loopback sshd this script starts with the
tests' helper (tests/sshd_helpers.py), as root. Runs alternate (halint, reference, ...) on a
warm page cache, each after ``sync``; medians are compared:

- ``halint snapshot --ssh modern:ROOT --out DIR`` against
  ``ssh modern 'tar -cf - -C ROOT replica' | zstd -T0 > x.tar.zst`` (target <= 1.3x);
- ``halint restore ARCHIVE --ssh modern:ROOT`` (every digest checked here and on the node)
  against ``zstd -dc x.tar.zst | ssh modern 'tar -xf - -C DIR && sync'`` (target <= 1.5x);
- peak RSS of halint (snapshot and restore over ssh) at ``--rss-files`` files (<= 100 MB).

Both ends run on this machine: the figures are halint's own cost and ssh's on two cores, not a
network's. Usage:  sudo python benchmarks/bench_remote_snapshot.py [--size-mb 2048]
[--small-files 50000] [--rounds 5] [--work /var/tmp/halint-bench-remote] [--rss-files 100000]
[--delete-now]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "tests"), str(REPO / "benchmarks")]

import bench_snapshot as local  # noqa: E402  (the same tree, timing and trash rules as the local benchmark)
from bench_snapshot import HALINT, make_tree, timed  # noqa: E402
from sshd_helpers import SshLab  # noqa: E402  (the tests' loopback sshd)


def ssh_args(lab: SshLab) -> list[str]:
    return ["--ssh-config", str(lab.config)]


def halint_snapshot(lab: SshLab, root: Path, out: Path) -> tuple[float, int, Path]:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    t, rss = timed(HALINT + ["snapshot", "--ssh", f"modern:{root}", *ssh_args(lab), "--out", str(out), "--force", "--quiet"])
    return t, rss, next(out.iterdir())


def reference_snapshot(lab: SshLab, root: Path, out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    pipeline = f"ssh -F {lab.config} modern 'tar -cf - -C {root} replica' | zstd -q -T0 > {out / 'x.tar.zst'}"
    return timed(["sh", "-c", "set -e; " + pipeline])[0]


def halint_restore(lab: SshLab, archive: Path, root: Path) -> tuple[float, int]:
    t, rss = timed(HALINT + ["restore", str(archive), "--ssh", f"modern:{root}", *ssh_args(lab), "--force", "--quiet"])
    for kept in (root / "replica").glob("*.halint-old-*"):
        local.to_trash(kept, root.parent / ".trash")
    for done in (root / "replica").glob(".halint-restore-done-*.json"):
        done.unlink()
    return t, rss


def reference_restore(lab: SshLab, archive: Path, target: Path) -> float:
    target.mkdir(parents=True)
    pipeline = f"zstd -dc {archive} | ssh -F {lab.config} modern 'tar -xf - -C {target} && sync'"
    t = timed(["sh", "-c", "set -e; " + pipeline])[0]
    local.to_trash(target, target.parent / ".trash")
    return t


def compare(lab: SshLab, work: Path, rounds: int) -> dict:
    root, out = work / "node", work / "out"
    runs: dict = {"snapshot_halint": [], "snapshot_ssh_tar_zstd": [], "restore_halint": [], "restore_zstd_ssh_tar_sync": []}
    archive = reference = None
    for _ in range(rounds):
        t, _, archive = halint_snapshot(lab, root, out / "h")
        runs["snapshot_halint"].append(t)
        runs["snapshot_ssh_tar_zstd"].append(reference_snapshot(lab, root, out / "t"))
        reference = out / "t/x.tar.zst"
        runs["restore_halint"].append(halint_restore(lab, archive, root)[0])
        runs["restore_zstd_ssh_tar_sync"].append(reference_restore(lab, reference, work / "tar-x"))
    medians = {k: statistics.median(v) for k, v in runs.items()}
    return {"median": medians, "raw": runs, "archive_mb": archive.stat().st_size / 2**20}


def peak_rss(lab: SshLab, work: Path, files: int) -> tuple[int, int]:
    root = work / f"rss-{files}"
    shutil.rmtree(root, ignore_errors=True)
    make_tree(root, size_mb=max(16, files * 7 // 1000 // 1024 + 16), small_files=files)
    _, snap_rss, archive = halint_snapshot(lab, root, work / f"rss-out-{files}")
    _, rest_rss = halint_restore(lab, archive, root)
    shutil.rmtree(root)
    shutil.rmtree(work / f"rss-out-{files}")
    return snap_rss, rest_rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=2048)
    parser.add_argument("--small-files", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/var/tmp/halint-bench-remote"))
    parser.add_argument("--rss-files", default="100000")
    parser.add_argument("--keep", action="store_true", help="keep the work dir")
    parser.add_argument("--delete-now", action="store_true", help="delete trees at once (tmpfs work dirs)")
    args = parser.parse_args()
    reason = SshLab.skip_reason()
    if reason:
        sys.exit(f"cannot start the loopback sshd: {reason}")
    local.DELETE_NOW = args.delete_now
    work = args.work
    if work.exists():
        shutil.rmtree(work)
        local._deleted(work)
    work.mkdir(parents=True)
    started = time.perf_counter()
    make_tree(work / "node", args.size_mb, args.small_files)
    print(f"tree: {args.size_mb} MB, {args.small_files} small files + WAVs (made in {time.perf_counter() - started:.0f}s)")
    local._wait_after_deletes(work)
    lab = SshLab.start(work / "lab")
    try:
        r = compare(lab, work, args.rounds)
        m = r["median"]
        print(f"snapshot --ssh: halint {m['snapshot_halint']:.2f}s  ssh tar | zstd -T0 {m['snapshot_ssh_tar_zstd']:.2f}s  "
              f"ratio {m['snapshot_halint'] / m['snapshot_ssh_tar_zstd']:.2f}x (target <= 1.3x)  archive {r['archive_mb']:.0f} MiB")
        print(f"restore --ssh:  halint {m['restore_halint']:.2f}s  zstd -dc | ssh tar -x && sync {m['restore_zstd_ssh_tar_sync']:.2f}s  "
              f"ratio {m['restore_halint'] / m['restore_zstd_ssh_tar_sync']:.2f}x (target <= 1.5x)")
        print(f"raw runs: {r['raw']}")
        for files in (int(x) for x in args.rss_files.split(",") if x):
            snap_rss, rest_rss = peak_rss(lab, work, files)
            print(f"peak RSS {files:>7} files: snapshot --ssh {snap_rss / 1024:.0f} MiB, restore --ssh {rest_rss / 1024:.0f} MiB "
                  "(target <= 100 MiB)")
    finally:
        lab.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
            local._deleted(work)


if __name__ == "__main__":
    main()
