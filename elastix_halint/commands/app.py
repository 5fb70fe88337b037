"""The Typer app: every command module registered on it, in ``commands.MODULES`` order.

Built only when a command line needs Typer (``commands.direct`` says which do not).
"""

from __future__ import annotations

import importlib

import typer

from elastix_halint.commands import MODULES
from elastix_halint.commands.params import prepare

HELP = (
    "Lint, snapshot and repair two-node DRBD + Heartbeat (Elastix/Asterisk) clusters.\n\n"
    "Exit codes: 0 clean, 1 findings, 2 usage or input error."
)


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


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="halint",
        help=HELP,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback(invoke_without_command=True)(_root)
    for name in MODULES:
        importlib.import_module(f"elastix_halint.commands.{name}").register(app)
    prepare(app)
    return app
