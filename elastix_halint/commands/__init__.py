"""One module per command family; each exposes ``register(app)``. Keep imports inside the command
bodies: this package is imported on every start of ``halint``.

The modules in ``PLAIN`` declare their parameters with ``commands.params`` instead of Typer and
list their commands in ``COMMANDS``: ``commands.direct`` runs an ordinary command line of theirs
without importing Typer. Any module may use ``commands.params``; ``cli.build_app`` turns the
declarations into Typer's when it builds the app.
"""

# Command modules, in the order their commands appear in --help.
MODULES = ("parse", "lint", "collect", "snapshot", "links")
PLAIN = ("parse", "lint")
