"""Whole-process speed of ``halint parse --format json`` on a large drbd.conf, against drbdadm.

Builds the wheel, installs it into a temporary venv (``--system-site-packages`` + ``--no-deps``
so no download is needed: the dependencies come from the running interpreter), generates a
400-resource drbd.conf (~170 KB), then alternates runs of

* ``halint parse --format json FILE``  vs  ``/usr/lib/drbd/drbdadm-84 -c FILE dump all``
* ``halint parse --format json SEED``  vs  the venv's ``python -c pass``

and prints the medians and the ratios. Usage: ``python benchmarks/bench_parse.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DRBDADM84 = "/usr/lib/drbd/drbdadm-84"
SEED = REPO / "samples" / "elastix-2.3" / "voipserver.drbd" / "etc" / "drbd.conf"


# Import, Lark's one-time build of the drbd parser, then the parse itself, in CPU milliseconds.
_IN_PROCESS = """
import sys, time
clock = time.process_time
t0 = clock(); from elastix_halint.parsing import drbd, drbd_lark
t1 = clock(); drbd_lark.parse_tokens([], "warm-up")
t2 = clock(); drbd.load(sys.argv[1])
t3 = clock()
print(f"import {(t1 - t0) * 1000:.0f} ms + Lark parser build {(t2 - t1) * 1000:.0f} ms + drbd.load {(t3 - t2) * 1000:.0f} ms")
"""


def generate(n: int = 400) -> str:
    """A drbd.conf in the HOWTO's 8.3 style with ``n`` resources and distinct minors/ports."""
    parts = [
        "global { usage-count no; }\n"
        "common {\n  protocol C;\n  startup { wfc-timeout 10; degr-wfc-timeout 30; }\n"
        "  net { cram-hmac-alg \"sha1\"; shared-secret \"bench-secret\"; }\n}\n"
    ]
    for i in range(n):
        parts.append(
            f"# replicated volume of tenant {i}\n"
            f"resource r{i} {{\n"
            f"  startup {{ degr-wfc-timeout 30; }}\n"
            f"  disk {{ on-io-error detach; }}\n"
            f"  net {{ after-sb-0pri discard-zero-changes; after-sb-1pri discard-secondary; }}\n"
            f"  syncer {{ rate 100M; }}\n"
            f"  on voipserver.drbd {{ device /dev/drbd{i}; disk /dev/vg/r{i}; address 10.1.1.1:{7788 + i}; meta-disk internal; }}\n"
            f"  on voipbackup.drbd {{ device /dev/drbd{i}; disk /dev/vg/r{i}; address 10.1.1.2:{7788 + i}; meta-disk internal; }}\n"
            f"}}\n"
        )
    return "".join(parts)


def build_venv(work: Path) -> Path:
    dist = work / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(REPO)],
                   check=True, capture_output=True)
    (wheel,) = dist.glob("*.whl")
    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=True).create(env_dir)
    subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
                   check=True, capture_output=True)
    return env_dir


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run; CPU time is what a busy machine distorts least."""
    start, cpu = time.perf_counter(), _child_cpu()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env=dict(os.environ, DRBD_DONT_WARN_ON_VERSION_MISMATCH="1"))
    elapsed = time.perf_counter() - start, _child_cpu() - cpu
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-300:]}")
    return elapsed


def compare(label: str, ours: list[str], theirs: list[str], cwd: Path, runs: int) -> None:
    a, b = [], []
    for _ in range(runs):  # alternate, so load changes on the machine hit both alike
        a.append(timed(ours, cwd))
        b.append(timed(theirs, cwd))
    for i, what in ((0, "wall"), (1, "cpu")):
        ma, mb = statistics.median(x[i] for x in a), statistics.median(x[i] for x in b)
        print(f"{label} [{what}]: halint {ma * 1000:.0f} ms, reference {mb * 1000:.0f} ms, "
              f"ratio {ma / max(mb, 1e-3):.1f}x (medians of {runs})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="halint-bench-") as tmp:
        work = Path(tmp)
        env_dir = build_venv(work)
        big = work / "drbd.conf"
        big.write_text(generate())
        print(f"generated {big.stat().st_size / 1024:.0f} KB, 400 resources")
        halint = str(env_dir / "bin" / "halint")
        if os.access(DRBDADM84, os.X_OK):
            compare("400 resources vs drbdadm-84 dump all", [halint, "parse", "--format", "json", str(big)],
                    [DRBDADM84, "-c", str(big), "dump", "all"], work, args.runs)
        else:
            print("drbdadm-84 not installed: skipped the drbdadm comparison")
        in_process = subprocess.run([str(env_dir / "bin" / "python"), "-c", _IN_PROCESS, str(big)],
                                    check=True, capture_output=True, text=True, cwd=work)
        print(f"in-process cpu of the 400 resources: {in_process.stdout.strip()} (the rest of the whole-process "
              "time is interpreter, CLI framework and JSON output)")
        compare("seed sample vs python -c pass", [halint, "parse", "--format", "json", str(SEED)],
                [str(env_dir / "bin" / "python"), "-c", "pass"], work, args.runs)


if __name__ == "__main__":
    main()
