"""``halint collect``: capture this node's configuration files and facts as a bundle folder."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command("collect")(collect_command)


def collect_command(
    root: str = typer.Option("/", "--root", help="The node's root filesystem (a folder laid out like / in tests)."),
    out: str = typer.Option(..., "--out", "-o", help="Bundle folder to write the node folder into, or - for a tar stream on stdout."),
    with_secrets: bool = typer.Option(
        False, "--with-secrets", help="Copy DRBD shared-secret and authkeys keys as they are instead of a marker."
    ),
) -> int:
    """Write the bundle folder of this node: OUT/<uname -n>/{etc,proc,facts}/...

    On each node: `halint collect --out bundle/` (or from one host:
    `ssh peer halint collect --out - | tar -x -C bundle/`), then `halint lint bundle/`.
    Secrets are replaced by a marker unless --with-secrets. The root is only read.
    """
    import sys

    from elastix_halint import collect

    bundle = collect.bundle_files(root, with_secrets=with_secrets)
    for skipped in bundle.skipped:
        sys.stderr.write(f"halint: warning: not collected: {skipped}\n")
    if out == "-":
        if sys.stdout.isatty():
            from elastix_halint.errors import UsageError

            raise UsageError("refusing to write a tar stream to a terminal; pipe it into 'tar -x' or use --out DIR")
        collect.write_tar(sys.stdout.buffer, bundle)
        sys.stdout.buffer.flush()
    else:
        target = collect.write_folder(out, bundle)
        sys.stderr.write(f"halint: wrote {len(bundle.files)} files to {target}\n")
    return 0
