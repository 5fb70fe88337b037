"""Whole-process speed of ``halint parse --format json`` on a large drbd.conf, against drbdadm.

Builds the wheel of this checkout and installs it into a fresh venv (``harness.install``),
generates a 400-resource drbd.conf (~170 KB, ``harness.generate_drbd``), then alternates runs of

* ``halint parse --format json FILE``  vs  ``/usr/lib/drbd/drbdadm-84 -c FILE dump all``
  (target <= 12x), and
* ``halint parse --format json SEED``  vs  the venv's ``python -c pass``,

and prints the medians and the ratios, and where the time of the large file goes in-process.

    python benchmarks/bench_parse.py [--runs 15] [--keep]
"""

from __future__ import annotations

import os
import subprocess

from harness import (
    DRBDADM84,
    SAMPLE,
    alternate,
    arguments,
    fresh_venv,
    generate_drbd,
    quiet_env,
    ratio_line,
    today,
)

SEED = SAMPLE / "voipserver.drbd" / "etc" / "drbd.conf"

# Import, the parser's one-time setup, the parse itself and the JSON text, in CPU milliseconds.
_IN_PROCESS = """
import sys, time
clock = time.process_time
t0 = clock(); from elastix_halint.parsing import drbd, run
t1 = clock(); drbd.load(sys.argv[2])
t2 = clock(); outcomes = run.parse_files([sys.argv[1]], None)
t3 = clock(); from elastix_halint import jsontext; text = jsontext.dumps({"files": [run.outcome_json(o, True) for o in outcomes]})
t4 = clock()
ms = lambda a, b: f"{(b - a) * 1000:.0f} ms"
print(f"import {ms(t0, t1)} + first (seed) parse {ms(t1, t2)} + parse {ms(t2, t3)} + JSON {ms(t3, t4)} ({len(text) // 1024} KB)")
"""


def main() -> None:
    ap = arguments(__doc__, 15)
    args = ap.parse_args()
    with fresh_venv(args.keep) as (work, py):
        halint = py.parent / "halint"
        env = quiet_env()
        big = work / "drbd.conf"
        big.write_text(generate_drbd())
        print(f"bench_parse.py, {today()}; generated {big.stat().st_size / 1024:.0f} KB, 400 resources")
        if os.access(DRBDADM84, os.X_OK):
            runs = alternate({"halint": [halint, "parse", "--format", "json", big],
                              "drbdadm": [DRBDADM84, "-c", big, "dump", "all"]}, args.runs, env, work)
            print(ratio_line("halint parse --format json, 400 resources", runs["halint"], runs["drbdadm"],
                             "drbdadm-84 dump all", 12))
        else:
            print("drbdadm-84 not installed (Debian's drbd-utils): skipped the drbdadm comparison")
        in_process = subprocess.run([str(py), "-c", _IN_PROCESS, str(big), str(SEED)], check=True,
                                    capture_output=True, text=True, cwd=work, env=env)
        print(f"in-process cpu of the 400 resources: {in_process.stdout.strip()}")
        runs = alternate({"halint": [halint, "parse", "--format", "json", SEED], "pass": [py, "-c", "pass"]},
                         args.runs, env, work)
        print(ratio_line("halint parse --format json of the seed sample", runs["halint"], runs["pass"], "python -c pass"))


if __name__ == "__main__":
    main()
