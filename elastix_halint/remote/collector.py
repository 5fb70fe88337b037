"""``halint collect`` of a node reached through a :class:`~elastix_halint.remote.shell.NodeShell`.

The node runs ``scripts/collect.sh`` (one round trip) and sends raw material back; the bundle
is built here by ``elastix_halint.collect`` from a :class:`~elastix_halint.remote.streamfs.StreamFS`,
with the same code (and the same secret markers) as a local collect. Nothing is written
anywhere until the caller writes the finished bundle.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import Iterator, Sequence

from elastix_halint import collect
from elastix_halint.remote import nodes, scripts
from elastix_halint.remote.dest import Dest
from elastix_halint.remote.errors import RemoteError
from elastix_halint.remote.frames import StreamError, decode
from elastix_halint.remote.shell import NodeShell
from elastix_halint.remote.ssh import Connection, SshOptions
from elastix_halint.remote.streamfs import StreamFS

KIND = "collect"
# Bound for one node's whole answer: the script limits each command to 30 s itself.
TIMEOUT = 600


def script() -> str:
    """The self-contained node-side script (``halint collect --script``)."""
    return scripts.script(KIND)


def bundle_from_stream(data: bytes, label: str, with_secrets: bool = False) -> tuple[collect.NodeBundle, list[str]]:
    """The bundle and the node script's warnings, from the script's output (binary or armoured)."""
    try:
        frames = decode(data, KIND)
    except StreamError as exc:
        raise RemoteError(f"{label}: {exc}") from None
    fs = StreamFS(frames, label, "halint collect")
    if fs.status != "0":
        raise RemoteError(f"{label}: the node-side script ended with status {fs.status}")
    return collect.bundle_files(fs, with_secrets=with_secrets), fs.warnings


def collect_node(shell: NodeShell, root: str, with_secrets: bool = False) -> tuple[collect.NodeBundle, list[str]]:
    """Run the collect script with ``shell`` for ``root`` (a node path) and build the bundle."""
    rc, out, err = shell.run_script(script(), [root], timeout=TIMEOUT)
    try:
        return bundle_from_stream(out, shell.label, with_secrets)
    except RemoteError:
        said = [line for line in err.decode("utf-8", "replace").splitlines() if line.strip()]
        if rc != 0 and said:  # e.g. no sh at all on the node: say what the node said
            raise RemoteError(f"{shell.label}: the node could not run the collect script (exit status {rc}: {said[-1].strip()})") from None
        raise


def collect_nodes(dests: Sequence[Dest], options: SshOptions, with_secrets: bool = False) -> list[tuple[collect.NodeBundle, list[str]]]:
    """Every node's bundle, reached in parallel over ssh; all of them or a RemoteError naming
    every node that failed (one that cannot be reached does not hide another's missing root)."""

    def one(conn: Connection, dest: Dest) -> tuple[collect.NodeBundle, list[str]]:
        conn.open()
        return collect_node(conn, dest.root, with_secrets)

    with nodes.connected(dests, options, open_now=False) as conns:
        return nodes.each(list(zip(conns, dests)), lambda pair: one(*pair))


def gather(dests: Sequence[Dest], options: SshOptions, with_secrets: bool = False) -> list[collect.NodeBundle]:
    """``collect_nodes`` for a command: warnings on stderr, nodes with distinct names."""
    results = collect_nodes(dests, options, with_secrets)
    bundles = [bundle for bundle, _ in results]
    for dest, (bundle, warnings) in zip(dests, results):
        collect.warn(bundle, dest.label, warnings)
    collect.check_unique(bundles, [dest.label for dest in dests])
    return bundles


@contextlib.contextmanager
def linted_bundle(dests: Sequence[Dest], options: SshOptions, keep: str | None, config: str | None) -> Iterator[tuple[str, str, str | None]]:
    """The nodes' bundle for ``halint lint --ssh``: ``(path to lint, folder to look for
    settings from, --config)``, so that the lint reads exactly like a local one.

    With ``keep`` the folders are written into it and it is linted as ``halint lint KEEP``
    would. Otherwise they go to a private temporary folder, removed on the way out, which is
    linted from inside (as ``cd bundle && halint lint .``) so reports name the files
    ``node/etc/...`` rather than a path that no longer exists; settings are still looked for
    from the working directory.
    """
    bundles = gather(dests, options)
    here = os.getcwd()
    if keep:
        for bundle in bundles:
            collect.write_folder(keep, bundle)
        yield keep, here, config
        return
    folder = tempfile.mkdtemp(prefix="halint-bundle-")
    try:
        for bundle in bundles:
            collect.write_folder(folder, bundle, durable=False)
        os.chdir(folder)
        yield ".", here, os.path.join(here, config) if config else None
    finally:
        os.chdir(here)
        shutil.rmtree(folder, ignore_errors=True)
