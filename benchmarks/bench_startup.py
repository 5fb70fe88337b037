"""Start-up of ``halint``: ``--version``, ``--help`` and ``rules`` against the venv's ``python -c pass``.

Builds the wheel of this checkout, installs it into a fresh venv (``harness.install``) and runs,
alternated round after round, ``python -c pass`` (the baseline: the same interpreter of the same
venv) and the installed ``halint`` console script. Prints median wall and CPU times and the ratios.
Targets: ``--version`` and ``--help`` <= 4x.

    python benchmarks/bench_startup.py [--runs 21] [--keep]
"""

from __future__ import annotations

from harness import alternate, arguments, fresh_venv, quiet_env, ratio_line, today


def main() -> None:
    ap = arguments(__doc__, 21)
    args = ap.parse_args()
    with fresh_venv(args.keep) as (work, py):
        halint = py.parent / "halint"
        runs = alternate({
            "pass": [py, "-c", "pass"],
            "version": [halint, "--version"],
            "help": [halint, "--help"],
            "rules": [halint, "rules"],
        }, args.runs, env={**quiet_env(), "COLUMNS": "80"}, cwd=work)
        print(f"bench_startup.py, {today()}")
        print(ratio_line("halint --version", runs["version"], runs["pass"], "python -c pass", 4))
        print(ratio_line("halint --help", runs["help"], runs["pass"], "python -c pass", 4))
        print(ratio_line("halint rules", runs["rules"], runs["pass"], "python -c pass"))


if __name__ == "__main__":
    main()
