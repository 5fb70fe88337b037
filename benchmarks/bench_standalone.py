"""Why halint runs Lark's tables itself (parsing/lalr.py) instead of Lark's own standalone parser.

Builds the wheel of this checkout into a fresh venv (``harness.install``), generates with
``python -m lark.tools.standalone`` the standalone parser of ``grammars/hosts.lark`` (the
smallest grammar) into the work folder, and alternates, in that venv (bytecode written by a
warm-up round), whole processes that each parse one ``/etc/hosts`` line:

* ``python -c pass`` (the baseline);
* ``import lark`` alone;
* the standalone module, imported and run (``Lark_StandAlone().parse(line)``);
* halint's parser of the same grammar (``larkkit.grammar_parser``: parsing/lalr.py and the
  tables written into the wheel).

    python benchmarks/bench_standalone.py [--runs 21] [--keep]
"""

from __future__ import annotations

from harness import REPO, alternate, arguments, fresh_venv, median, quiet_env, sh, today

LINE = "127.0.0.1 localhost.localdomain localhost\n"


def main() -> None:
    ap = arguments(__doc__, 21)
    args = ap.parse_args()
    with fresh_venv(args.keep) as (work, py):
        generated = sh(py, "-m", "lark.tools.standalone", REPO / "grammars" / "hosts.lark").stdout
        (work / "hosts_standalone.py").write_text(generated)
        runs = alternate({
            "pass": [py, "-c", "pass"],
            "lark": [py, "-c", "import lark"],
            "standalone": [py, "-c", f"import hosts_standalone; hosts_standalone.Lark_StandAlone().parse({LINE!r})"],
            "halint": [py, "-c", "from elastix_halint.parsing.larkkit import grammar_parser; "
                                 f"grammar_parser('hosts.lark').parse_text({LINE!r})"],
        }, args.runs, env={**quiet_env(), "PYTHONPATH": str(work)}, cwd=work)
        base = median(runs["pass"])
        print(f"bench_standalone.py, {today()}; standalone parser of hosts.lark: {len(generated) // 1024} KB")
        for name, label in (("pass", "python -c pass"), ("lark", "import lark"),
                            ("standalone", "lark.tools.standalone parser, import + parse"),
                            ("halint", "halint's parsing/lalr.py + tables, import + parse")):
            wall = median(runs[name])
            print(f"{label}: {wall * 1000:.1f} ms (cpu {median(runs[name], 'cpu') * 1000:.1f}), "
                  f"{(wall - base) * 1000:+.1f} ms over python -c pass, medians of {args.runs}")


if __name__ == "__main__":
    main()
