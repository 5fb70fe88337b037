"""Benchmark: halint snapshot/restore against GNU tar + zstd on a busy-Elastix-like tree.

Not a test. Usage:  python benchmarks/bench_snapshot.py [--size-mb 2048] [--small-files 50000]
                        [--rounds 3] [--work /var/tmp/halint-bench] [--rss-files 1000,100000]
Runs alternate (halint, tar, halint, tar, ...) on a warm page cache; medians are printed.
Peak RSS is the child's ru_maxrss. The work dir needs about (2 x rounds + 3) x --size-mb of
free space: restored and extracted trees stay in a trash folder until the end (see to_trash).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HALINT = [sys.executable, "-m", "elastix_halint"]


def pcm_block(rng: random.Random, size: int) -> bytes:
    """16-bit little-endian PCM-like noise: random low bytes, quiet high bytes (≈50% zstd)."""
    data = bytearray(rng.randbytes(size))
    data[1::2] = bytes(b & 0x03 for b in data[1::2])
    return bytes(data)


def make_tree(root: Path, size_mb: int, small_files: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    rep = root / "replica"
    conf_words = b"exten => 100,1,Dial(SIP/100,20)\nsame => n,Voicemail(100@default)\n"
    small_total = 0
    dirs = ["etc/asterisk", "var/lib/asterisk/sounds/en", "var/lib/asterisk/agi-bin", "var/www/html/modules",
            "var/spool/asterisk/voicemail/default", "var/lib/mysql/asterisk", "var/log/asterisk", "usr/lib/asterisk/modules"]
    for i in range(small_files):
        folder = rep / dirs[i % len(dirs)] / f"d{i // 500:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        size = rng.randint(200, 12000)
        data = (conf_words * (size // len(conf_words) + 1))[:size] if i % 3 else rng.randbytes(size)
        (folder / f"f{i:06d}.conf").write_bytes(data)
        small_total += size
    monitor = rep / "var/spool/asterisk/monitor"
    monitor.mkdir(parents=True, exist_ok=True)
    blocks = [pcm_block(rng, 4 << 20) for _ in range(4)]
    left, n = size_mb * (1 << 20) - small_total, 0
    while left > 0:
        size = min(left, rng.randint(8, 40) << 20)
        with open(monitor / f"call-{n:05d}.wav", "wb") as fh:
            fh.write(b"RIFF" + size.to_bytes(4, "little") + b"WAVEfmt " + bytes(32))
            written = 44
            while written < size:
                chunk = blocks[rng.randrange(4)][: size - written]
                fh.write(chunk)
                written += len(chunk)
        left -= size
        n += 1
    for sub in ("proc", "var/lock"):
        (root / sub).mkdir(parents=True, exist_ok=True)


def timed(cmd: list[str], **kw) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of one child run, started with no dirty pages pending:
    without the flush, the previous run's writeback lands in this run's file creations
    (tar -xf of the same archive ranged from 4 s to 29 s on one VM)."""
    os.sync()
    start = time.perf_counter()
    wrapper = [sys.executable, "-c", "import resource,subprocess,sys;"
               "r=subprocess.run(sys.argv[1:]).returncode;"
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,file=sys.stderr);sys.exit(r)", *cmd]
    done = subprocess.run(wrapper, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kw)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{done.stderr}")
    return elapsed, int(done.stderr.strip().splitlines()[-1])


def halint_snapshot(root: Path, out: Path) -> tuple[float, int, Path]:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    t, rss = timed(HALINT + ["snapshot", "--root", str(root), "--out", str(out), "--force", "--quiet"])
    return t, rss, next(out.iterdir())


def tar_snapshot(root: Path, out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    return timed(["tar", "-I", "zstd -T0", "-cf", str(out / "t.tar.zst"), "-C", str(root), "replica"])[0]


def to_trash(path: Path, trash: Path) -> None:
    """Move a tree out of the way; it is deleted only when the benchmark ends. On ext4 without
    a journal, creating files within 60-360 s of deleting 50,000 others makes the inode
    allocator check and skip every recently deleted inode (``recently_deleted`` in perf): a
    run after a delete was up to 4x slower, for tar and halint alike (tar -xf 19.9 s, and
    4.8 s once 400 s had passed), which no real restore sees."""
    if DELETE_NOW:
        shutil.rmtree(path)
        return
    trash.mkdir(exist_ok=True)
    path.rename(trash / f"{len(list(trash.iterdir()))}")


DELETE_NOW = False  # --delete-now: for tmpfs, which has no such rule and no room for trash


def halint_restore(archive: Path, root: Path) -> tuple[float, int]:
    t, rss = timed(HALINT + ["restore", str(archive), "--root", str(root), "--force", "--quiet"])
    for kept in (root / "replica").glob("*.halint-old-*"):
        to_trash(kept, root.parent / ".trash")
    return t, rss


def tar_restore(archive: Path, target: Path) -> tuple[float, float]:
    """tar -xf alone, and tar -xf plus the sync halint's restore does before its swap."""
    target.mkdir(parents=True)
    t = timed(["tar", "-I", "zstd -T0", "-xf", str(archive), "-C", str(target)])[0]
    start = time.perf_counter()
    os.sync()
    synced = t + time.perf_counter() - start
    to_trash(target, target.parent / ".trash")
    return t, synced


def compare(work: Path, rounds: int) -> dict:
    root, out = work / "node", work / "out"
    snap_h, snap_t, rest_h, rest_t, rest_ts = [], [], [], [], []
    archive = None
    for _ in range(rounds):
        t, _, archive = halint_snapshot(root, out / "h")
        snap_h.append(t)
        snap_t.append(tar_snapshot(root, out / "t"))
        rest_h.append(halint_restore(archive, root)[0])
        plain, synced = tar_restore(out / "t/t.tar.zst", work / "tar-x")
        rest_t.append(plain)
        rest_ts.append(synced)
    med = statistics.median
    return {"snapshot_halint": med(snap_h), "snapshot_tar": med(snap_t), "restore_halint": med(rest_h),
            "restore_tar": med(rest_t), "restore_tar_sync": med(rest_ts), "archive_mb": archive.stat().st_size / 2**20,
            "raw": {"snapshot_halint": snap_h, "snapshot_tar": snap_t, "restore_halint": rest_h, "restore_tar": rest_t,
                    "restore_tar_sync": rest_ts}}


def peak_rss(work: Path, files: int) -> tuple[int, int]:
    root = work / f"rss-{files}"
    shutil.rmtree(root, ignore_errors=True)
    make_tree(root, size_mb=max(16, files * 7 // 1000 // 1024 + 16), small_files=files)
    _, snap_rss, archive = halint_snapshot(root, work / f"rss-out-{files}")
    _, rest_rss = halint_restore(archive, root)
    shutil.rmtree(root)
    shutil.rmtree(work / f"rss-out-{files}")
    return snap_rss, rest_rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=2048)
    parser.add_argument("--small-files", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/var/tmp/halint-bench"))
    parser.add_argument("--rss-files", default="1000,100000")
    parser.add_argument("--keep", action="store_true", help="keep the work dir")
    parser.add_argument("--delete-now", action="store_true", help="delete trees at once (tmpfs work dirs)")
    args = parser.parse_args()
    global DELETE_NOW
    DELETE_NOW = args.delete_now
    work = args.work
    if work.exists():
        shutil.rmtree(work)
        _deleted(work)
    started = time.perf_counter()
    make_tree(work / "node", args.size_mb, args.small_files)
    print(f"tree: {args.size_mb} MB, {args.small_files} small files + WAVs (made in {time.perf_counter() - started:.0f}s)")
    _wait_after_deletes(work)
    r = compare(work, args.rounds)
    print(f"snapshot: halint {r['snapshot_halint']:.2f}s  tar|zstd -T0 {r['snapshot_tar']:.2f}s  "
          f"ratio {r['snapshot_halint'] / r['snapshot_tar']:.2f}x (target <= 1.3x)  archive {r['archive_mb']:.0f} MiB")
    print(f"restore:  halint {r['restore_halint']:.2f}s  tar -xf {r['restore_tar']:.2f}s  "
          f"ratio {r['restore_halint'] / r['restore_tar']:.2f}x (target <= 1.5x); "
          f"tar -xf + sync {r['restore_tar_sync']:.2f}s ratio {r['restore_halint'] / r['restore_tar_sync']:.2f}x")
    print(f"raw runs: {r['raw']}")
    for files in (int(x) for x in args.rss_files.split(",") if x):
        snap_rss, rest_rss = peak_rss(work, files)
        print(f"peak RSS {files:>7} files: snapshot {snap_rss / 1024:.0f} MiB, restore {rest_rss / 1024:.0f} MiB (target <= 100 MiB)")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
        _deleted(work)


# ext4 skips inodes freed less than 60 s ago (360 s while their inode table block is dirty)
# when it allocates new ones; see to_trash. A stamp next to the work dir says when this
# benchmark last deleted a tree, so the next run can wait that out before it measures.
RECENT_DELETE_S = 370


def _stamp(work: Path) -> Path:
    return work.with_name(work.name + ".deleted-at")


def _deleted(work: Path) -> None:
    _stamp(work).write_text(f"{time.time()}\n")


def _wait_after_deletes(work: Path) -> None:
    try:
        age = time.time() - float(_stamp(work).read_text())
    except (OSError, ValueError):
        return
    if age < RECENT_DELETE_S:
        print(f"waiting {RECENT_DELETE_S - age:.0f}s: a tree was deleted {age:.0f}s ago (see to_trash)", flush=True)
        time.sleep(RECENT_DELETE_S - age)


if __name__ == "__main__":
    main()
