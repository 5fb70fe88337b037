"""The ``halint`` command line: a Typer app whose commands live in ``elastix_halint.commands``.

Each command module registers its commands on the app and imports what it needs only inside the
command body, so ``halint parse --format json`` never pays for Rich or for the linter. An
ordinary command line of a command declared with ``commands.params`` (lint, parse...) and
``--version``/``--help`` run without building the app, and without importing Typer at all
(``commands.direct``); anything else goes through Typer.
Exit codes: 0 clean, 1 findings, 2 usage or input error (never a traceback).
"""

from __future__ import annotations

import os
import sys

from elastix_halint.errors import HalintError


def build_app():
    """The Typer app with every command (commands/app.py)."""
    from elastix_halint.commands.app import build_app

    return build_app()


def _fail(message: str, code: int = 2) -> "None":
    sys.stderr.write(f"halint: error: {message}\n")
    sys.exit(code)


def _click_exceptions():
    # Recent Typer releases vendor Click as typer._click; older ones use Click itself.
    try:
        from typer._click import exceptions
    except ImportError:  # pragma: no cover - depends on the installed Typer
        from click import exceptions
    return exceptions


def _run(args: list[str]):
    from elastix_halint.commands import direct

    rv = direct.run(args)
    if rv is direct.NOT_HANDLED:
        rv = build_app()(args=args, prog_name="halint", standalone_mode=False)
    return rv


def _click_error(exc: Exception) -> int | None:
    """Show a Click usage or file error and return its exit code; None for anything else."""
    if "typer" not in sys.modules:  # Click errors exist only once Typer is loaded
        return None
    exceptions = _click_exceptions()
    if isinstance(exc, exceptions.UsageError) or isinstance(exc, getattr(exceptions, "ClickException", ())):
        exc.show()  # also BadParameter, NoSuchOption, FileError and friends
        return 2
    if isinstance(exc, getattr(exceptions, "Abort", ())):  # Click has it, Typer's vendored copy does not
        _fail("aborted", 130)
    return None


# The cyclic collector's thresholds for one halint run (CPython's default: 700, 10, 10). A
# parse or lint builds a model of many small objects that live until the process ends and
# form no garbage cycles, yet every 700 allocations the collector walks the young ones and,
# ever more rarely, the whole heap: ~20% of the CPU time of ``halint parse --format json`` of
# a 400-resource drbd.conf (bench_parse.py). 10,000 keeps it running (cycles are still freed)
# at a tenth of that cost; mypy raises its threshold for the same reason.
_GC_THRESHOLD = (10_000, 10, 10)


def main(argv: list[str] | None = None) -> None:
    """Run one command line; ends with ``SystemExit`` (0 clean, 1 findings, 2 usage or input
    error). Without ``argv`` (the ``halint`` program itself), see :func:`_quick_exit`, and
    the cyclic garbage collector runs less often (:data:`_GC_THRESHOLD`)."""
    if argv is None:
        import gc

        from elastix_halint import collector

        gc.set_threshold(*_GC_THRESHOLD)
        collector.ends_with_exit = True
    try:
        _main(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as done:
        if argv is None and type(done.code) is int:
            _quick_exit(done.code)
        raise


def _quick_exit(code: int) -> None:
    """End the process with ``code`` at once after a command line run without Typer (lint,
    parse, rules, explain, --version, --help: they write only their output, and --fix's files
    are closed and renamed before), when nothing is left to run at exit (no thread was ever
    started, no ``atexit`` callback) and the output is flushed. The interpreter's teardown of
    ~250 modules and of the model costs ~10 ms, a tenth of a ``halint lint`` of a bundle, and
    does nothing a user could see. Otherwise return (the caller's ``SystemExit`` goes on)."""
    import atexit

    if {"typer", "threading"} & sys.modules.keys() or getattr(atexit, "_ncallbacks", lambda: 1)() != 0:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # the interpreter reports it at exit, as it always did
        return
    os._exit(code)


def _main(args: list[str]) -> None:
    try:
        rv = _run(args)
    except HalintError as exc:
        _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except BrokenPipeError:
        # The reader went away (``halint ... | head``): nothing more to say.
        try:
            sys.stdout = open(os.devnull, "w")
        finally:
            sys.exit(0)
    except Exception as exc:  # the promise is "never a traceback"
        code = _click_error(exc)
        if code is not None:
            sys.exit(code)
        if os.environ.get("HALINT_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (set HALINT_DEBUG=1 for details)")
    sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":
    main()
