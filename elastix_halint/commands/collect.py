"""``halint collect``: capture a node's configuration files and facts as a bundle folder, from
this machine's root or from nodes over ssh."""

from __future__ import annotations

from typing import List, Optional

import typer

from elastix_halint.commands import remote_options as ro


def register(app: typer.Typer) -> None:
    app.command("collect")(collect_command)


def collect_command(
    root: str = typer.Option("/", "--root", help="The node's root filesystem (a folder laid out like / in tests)."),
    out: Optional[str] = typer.Option(None, "--out", "-o", help="Bundle folder to write the node folders into, or - for a tar stream on stdout."),
    with_secrets: bool = typer.Option(
        False, "--with-secrets", help="Copy DRBD shared-secret and authkeys keys as they are instead of a marker."
    ),
    ssh: Optional[List[str]] = ro.SSH,
    ssh_config: Optional[str] = ro.SSH_CONFIG,
    ssh_option: Optional[List[str]] = ro.SSH_OPTION,
    script: bool = typer.Option(False, "--script", help="Print the node-side sh script (to audit it, or to run it with another tool) and exit."),
    from_stream: Optional[str] = typer.Option(
        None, "--from-stream", metavar="FILE", help="Build the bundle from the output of that script (binary or armoured; - for stdin)."
    ),
) -> int:
    """Write the bundle folder of a node: OUT/<uname -n>/{etc,proc,facts}/...

    Here: `halint collect --out bundle/`. Over ssh, nothing installed on the nodes:
    `halint collect --ssh root@node1 --ssh root@node2 --out bundle/`, then `halint lint bundle/`.
    Secrets are replaced by a marker unless --with-secrets. The root is only read.
    """
    import sys

    from elastix_halint import collect
    from elastix_halint.errors import UsageError

    remote = ro.parse(ssh, ssh_config, ssh_option)
    if script:
        if remote or from_stream or out:
            raise UsageError("--script prints the script and takes no --ssh, --from-stream or --out")
        from elastix_halint.remote.collector import script as node_script

        sys.stdout.write(node_script())
        return 0
    if out is None:
        raise UsageError("missing option '--out' (a bundle folder, or - for a tar stream)")
    if remote and from_stream:
        raise UsageError("give either --ssh or --from-stream")
    if (remote or from_stream) and root != "/":
        raise UsageError("--root is for this machine; give a remote root as --ssh node:/ROOT")
    if out == "-" and sys.stdout.isatty():
        raise UsageError("refusing to write a tar stream to a terminal; pipe it into 'tar -x' or use --out DIR")
    if remote:
        from elastix_halint.remote.collector import gather

        if out == "-" and len(remote.dests) > 1:
            raise UsageError("--out - writes one node: give one --ssh, or a folder")
        bundles = gather(remote.dests, remote.options, with_secrets)
    elif from_stream:
        from elastix_halint.remote.collector import bundle_from_stream

        bundle, warnings = bundle_from_stream(_read_stream(from_stream), from_stream, with_secrets)
        collect.warn(bundle, from_stream, warnings)
        bundles = [bundle]
    else:
        bundles = [collect.bundle_files(root, with_secrets=with_secrets)]
        collect.warn(bundles[0])
    if out == "-":
        collect.write_tar(sys.stdout.buffer, bundles[0])
        sys.stdout.buffer.flush()
        return 0
    for bundle in bundles:
        target = collect.write_folder(out, bundle)
        sys.stderr.write(f"halint: wrote {len(bundle.files)} files to {target}\n")
    return 0


def _read_stream(path: str) -> bytes:
    import sys

    from elastix_halint.errors import InputError

    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None

