"""``halint parse``: show the typed model of files, or every error in them."""

from __future__ import annotations

from elastix_halint.commands.params import Argument, BadParameter, Option


def register(app: typer.Typer) -> None:
    for name, command in COMMANDS.items():
        app.command(name)(command)


def parse_command(
    files: list[str] = Argument(..., help="Files to parse.", metavar="FILE..."),
    kind: str | None = Option(
        None, "--kind", "-k", help="File kind (drbd, hacf, authkeys, haresources, hosts, or a fact kind); detected when omitted."
    ),
    fmt: str = Option("text", "--format", "-f", help="text or json."),
    show_secrets: bool = Option(False, "--show-secrets", help="Print shared-secret and authkeys keys instead of a redaction marker."),
) -> int:
    """Parse FILEs into the typed model and report every syntax or value error.

    Exit code 0 when every file parsed cleanly, 2 when any could not be read or has an error.
    Parsing writes nothing anywhere.
    """
    from elastix_halint import collector
    from elastix_halint.parsing.run import parse_files, render_json, render_text

    if fmt not in ("text", "json"):
        raise BadParameter("use text or json", param_hint="--format")
    with collector.paused():  # every model lives until it is printed
        outcomes = parse_files(files, kind, json_redact=not show_secrets if fmt == "json" else None)
        if fmt == "json":
            render_json(outcomes, redact=not show_secrets)
        else:
            render_text(outcomes, redact=not show_secrets)
    collector.keep_to_exit(outcomes)
    return 0 if all(o.ok for o in outcomes) else 2


COMMANDS = {"parse": parse_command}
