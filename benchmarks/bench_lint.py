"""Whole-process speed of ``halint lint``, as a user installing the wheel would see it.

1. builds the wheel and installs it (no dependencies: they come from this interpreter's
   site-packages) into a temporary venv;
2. start-up: median wall time of ``halint lint samples/elastix-2.3`` against ``python -c pass``
   (same venv interpreter), runs alternated so drift hits both equally; target ratio <= 10;
3. throughput: 1,000 bundles made by copying the sample and perturbing each (a comment line, a
   timer value), linted in ONE invocation; target <= 20 ms per bundle. Lines that repeat (the
   same chkconfig, ip addr or ha.cf line in many bundles) are parsed once per process, so the
   same run is also timed with that line cache off, as for bundles that share no line.

    python benchmarks/bench_lint.py [--runs 15] [--bundles 1000] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "elastix-2.3"


def sh(*cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def install(work: Path) -> Path:
    wheels = work / "wheels"
    sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(REPO))
    venv = work / "venv"
    sh(sys.executable, "-m", "venv", "--system-site-packages", str(venv))
    py = venv / "bin" / "python"
    sh(str(py), "-m", "pip", "install", "--no-deps", "--no-index", str(next(wheels.glob("*.whl"))))
    # Run from the temp folder: from the checkout, '' on sys.path would import the source tree.
    where = sh(str(py), "-c", "import elastix_halint; print(elastix_halint.__file__)", cwd=work).stdout.strip()
    if not where.startswith(str(venv)):
        sys.exit(f"the venv imports elastix_halint from {where}, not from the wheel")
    return py


# ``halint`` with larkkit's line-text cache turned off (each line parsed as if never seen).
NO_LINE_CACHE = (
    "import sys; from elastix_halint.parsing import larkkit, linewise; "
    "larkkit.parse_line_text = linewise.parse_line_text = larkkit.parse_line_text.__wrapped__; "
    "from elastix_halint.cli import main; sys.argv[0] = 'halint'; main()"
)


def wall(cmd: list[str], env: dict, cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd[:4])}... failed ({proc.returncode}): {proc.stderr[-500:]}")
    return elapsed


def make_bundles(dest: Path, count: int) -> list[str]:
    paths = []
    for i in range(count):
        bundle = dest / f"b{i:04d}"
        shutil.copytree(SAMPLE, bundle)
        for conf in bundle.glob("*/etc/drbd.conf"):
            text = conf.read_text()
            text = text.replace("wfc-timeout 10;", f"wfc-timeout {10 + i % 50};", 1)
            conf.write_text(f"# bundle {i}\n" + text)
        paths.append(str(bundle))
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--bundles", type=int, default=1000)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="halint-bench-"))
    try:
        py = install(work)
        halint = str(py.parent / "halint")
        env = dict(os.environ, NO_COLOR="1")
        env.pop("GITHUB_ACTIONS", None)
        lint_cmd = [halint, "lint", "--format", "text", str(SAMPLE)]
        pass_cmd = [str(py), "-c", "pass"]
        wall(lint_cmd, env, work)  # warm the page cache (and any parser cache) once
        lint_t, pass_t = [], []
        for _ in range(args.runs):
            lint_t.append(wall(lint_cmd, env, work))
            pass_t.append(wall(pass_cmd, env, work))
        lint_med, pass_med = statistics.median(lint_t), statistics.median(pass_t)
        bundles = make_bundles(work / "bundles", args.bundles)
        many = wall([halint, "lint", "--format", "json", *bundles], env, work)
        one = statistics.median(wall([halint, "lint", "--format", "json", bundles[0]], env, work) for _ in range(3))
        uncached = wall([str(py), "-c", NO_LINE_CACHE, "lint", "--format", "json", *bundles], env, work)
        result = {
            "python_pass_median_s": round(pass_med, 4),
            "lint_sample_median_s": round(lint_med, 4),
            "startup_ratio": round(lint_med / pass_med, 2),
            "startup_target": 10,
            "bundles": args.bundles,
            "bundles_total_s": round(many, 3),
            "ms_per_bundle": round(1000 * many / args.bundles, 2),
            "ms_per_extra_bundle": round(1000 * (many - one) / max(args.bundles - 1, 1), 2),
            "ms_per_bundle_no_line_cache": round(1000 * uncached / args.bundles, 2),
            "ms_per_bundle_target": 20,
        }
        print(json.dumps(result, indent=2))
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
