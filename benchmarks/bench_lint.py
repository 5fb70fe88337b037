"""Whole-process speed and memory of ``halint lint``, as a user installing the wheel would see it.

Builds the wheel of this checkout and installs it into a fresh venv (``harness.install``), then:

1. start-up: ``halint lint samples/elastix-2.3`` (default text report, to a pipe as CI logs it)
   against the venv's ``python -c pass``, alternated; target <= 8x;
2. a generated 400-resource drbd.conf (``harness.generate_drbd``): ``halint lint FILE`` (text)
   against ``halint parse --format json FILE``, alternated (rules and the report must cost less
   than half a parse); target <= 1.5x; and the peak RSS of that lint, target <= 100 MB;
3. throughput: N bundles (default 300) made by copying the sample and changing each (a comment
   line, a timer value), linted by ONE ``halint lint --format json`` (median of ``--bundle-runs``
   such runs, 3 by default); target <= 10 ms a bundle. halint lints them on one worker process
   per CPU (``--jobs``, its default), so the run is also timed with ``--jobs 1`` (one process),
   and the CPU time (workers included) is printed beside the wall time.
   Lines that repeat (the same chkconfig, ip addr or ha.cf line in many bundles) are parsed once
   per process, so the same run is also timed with that line cache off, as for bundles that
   share no line.

    python benchmarks/bench_lint.py [--runs 15] [--bundles 300] [--bundle-runs 3] [--keep]
"""

from __future__ import annotations

import shutil
from pathlib import Path

from harness import (
    SAMPLE,
    alternate,
    arguments,
    fresh_venv,
    generate_drbd,
    median,
    quiet_env,
    ratio_line,
    today,
)

# ``halint`` with larkkit's line-text cache turned off (each line parsed as if never seen).
NO_LINE_CACHE = (
    "import sys; from elastix_halint.parsing import larkkit, linewise; "
    "larkkit.parse_line_text = linewise.parse_line_text = larkkit.parse_line_text.__wrapped__; "
    "from elastix_halint.cli import main; sys.argv[0] = 'halint'; main()"
)


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
    ap = arguments(__doc__, 15)
    ap.add_argument("--bundles", type=int, default=300)
    ap.add_argument("--bundle-runs", type=int, default=3, help="rounds of the many-bundle runs")
    args = ap.parse_args()
    with fresh_venv(args.keep) as (work, py):
        halint = py.parent / "halint"
        env = quiet_env()
        big = work / "drbd.conf"
        big.write_text(generate_drbd())
        print(f"bench_lint.py, {today()}")
        runs = alternate({"pass": [py, "-c", "pass"], "lint": [halint, "lint", str(SAMPLE)]}, args.runs, env, work)
        print(ratio_line("halint lint samples/elastix-2.3 (text)", runs["lint"], runs["pass"], "python -c pass", 8))
        big_runs = alternate({"parse": [halint, "parse", "--format", "json", big], "lint": [halint, "lint", big]},
                             max(args.runs // 3, 3), env, work)
        print(ratio_line("halint lint of a 400-resource drbd.conf (text)", big_runs["lint"], big_runs["parse"],
                         "halint parse --format json of it", 1.5))
        rss = max(r.rss_kib for r in big_runs["lint"]) / 1024
        print(f"peak RSS of that lint: {rss:.1f} MiB ({rss * 1.048576:.1f} MB), largest of {len(big_runs['lint'])} runs"
              f"  target <= 100 MB: {'ok' if rss * 1.048576 <= 100 else 'MISSED'}")
        bundles = make_bundles(work / "bundles", args.bundles)
        many_cmd = [halint, "lint", "--format", "json", *bundles]
        # Rounds alternate the whole run, one bundle, one process and the run with the line cache off.
        rounds = alternate({"many": many_cmd, "one": [halint, "lint", "--format", "json", bundles[0]],
                            "serial": [*many_cmd, "--jobs", "1"],
                            "uncached": [py, "-c", NO_LINE_CACHE, *many_cmd[1:]]}, args.bundle_runs, env, work,
                           warm=False)
        wall, cpu, one = median(rounds["many"]), median(rounds["many"], "cpu"), median(rounds["one"])
        per = 1000 * wall / args.bundles
        print(f"{args.bundles} bundles in one halint lint --format json: {wall:.2f} s (cpu {cpu:.2f} s), "
              f"{per:.2f} ms a bundle (cpu {1000 * cpu / args.bundles:.2f}; "
              f"{1000 * (wall - one) / max(args.bundles - 1, 1):.2f} ms a bundle after the first; "
              f"{1000 * median(rounds['serial']) / args.bundles:.2f} ms with --jobs 1; "
              f"{1000 * median(rounds['uncached']) / args.bundles:.2f} ms with the line cache off), peak RSS "
              f"{max(r.rss_kib for r in rounds['many']) / 1024:.0f} MiB, medians of {args.bundle_runs}"
              f"  target <= 10 ms: {'ok' if per <= 10 else 'MISSED'}")


if __name__ == "__main__":
    main()
