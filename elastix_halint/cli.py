"""The ``halint`` command line: a Typer app whose commands live in ``elastix_halint.commands``.

Each command module registers its commands on the app and imports what it needs only inside the
command body, so ``halint parse --format json`` never pays for Rich or for the linter.
Exit codes: 0 clean, 1 findings, 2 usage or input error (never a traceback).
"""

from __future__ import annotations

import importlib
import os
import sys

import typer

from elastix_halint.errors import HalintError

# Command modules, in the order their commands appear in --help.
COMMAND_MODULES = ("parse", "lint", "collect", "snapshot", "links")

HELP = (
    "Lint, snapshot and repair two-node DRBD + Heartbeat (Elastix/Asterisk) clusters.\n\n"
    "Exit codes: 0 clean, 1 findings, 2 usage or input error."
)


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="halint",
        help=HELP,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    @app.callback(invoke_without_command=True)
    def _root(
        ctx: typer.Context,
        version: bool = typer.Option(False, "--version", help="Print the version and exit.", is_eager=True),
    ) -> None:
        if version:
            from elastix_halint import __version__

            typer.echo(f"halint {__version__}")
            raise typer.Exit(0)
        if ctx.invoked_subcommand is None:
            typer.echo(ctx.get_help())
            raise typer.Exit(2)

    for name in COMMAND_MODULES:
        module = importlib.import_module(f"elastix_halint.commands.{name}")
        module.register(app)
    return app


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


def main(argv: list[str] | None = None) -> None:
    exceptions = _click_exceptions()

    app = build_app()
    try:
        rv = app(args=argv, prog_name="halint", standalone_mode=False)
    except exceptions.UsageError as exc:  # also BadParameter, NoSuchOption
        exc.show()
        sys.exit(2)
    except getattr(exceptions, "ClickException", ()) as exc:  # FileError and friends
        exc.show()
        sys.exit(2)
    except getattr(exceptions, "Abort", ()):  # Click has it, Typer's vendored copy does not
        _fail("aborted", 130)
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
        if os.environ.get("HALINT_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (set HALINT_DEBUG=1 for details)")
    sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":
    main()
