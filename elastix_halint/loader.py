"""The linter's input: command-line paths → a :class:`~elastix_halint.model.cluster.Cluster`.

A path is (a) a cluster bundle: a folder with one folder per node, named after the node, each
laid out like that node's root (see docs/bundle.md); (b) one such node folder; (c) loose files,
whose kind is detected and which form one anonymous node (only file-scope rules run on it).
``root`` reads a node's root directly (``"/"``: the running system, facts read live);
``peer`` adds another node's folder. Paths in spans are relative to the bundle folder for
bundles (``voipserver.drbd/etc/drbd.conf``), absolute for a live root.
"""

from __future__ import annotations

import glob
import os
TYPE_CHECKING = False  # typing costs ~4 ms at every start; these names are only annotations
if TYPE_CHECKING:
    from typing import Callable

from elastix_halint.diagnostics import SYNTAX_ERROR, Diagnostic, Severity
from elastix_halint.errors import InputError, UsageError
from elastix_halint.model.cluster import CONFIG_FILES, Cluster, Node, NodeFacts
from elastix_halint.model.record import Record
from elastix_halint.model.span import Span
from elastix_halint.parsing import kinds
from elastix_halint.parsing.result import ParseResult
from elastix_halint.source import SourceFile

# Node path → kind of each configuration file of a node (the model attribute names of
# CONFIG_FILES are the kind names); ``/etc/hostname`` has uname's form and fills facts.hostname.
CONFIG_KINDS: dict[str, str] = {**CONFIG_FILES, "/etc/hostname": "uname"}

# Fact file (relative to the node folder) → (kind, NodeFacts attribute). Earlier entries win
# when two give the same fact (lsblk's byte sizes before /proc/partitions' KiB).
FACT_FILES: dict[str, tuple[str, str]] = {
    "facts/uname-n": ("uname", "uname"),
    "facts/stat": ("stat", "stat"),
    "facts/links": ("links", "links"),
    "facts/systemctl": ("systemctl", "boot"),
    "facts/chkconfig": ("chkconfig", "boot"),
    "facts/lsblk.json": ("lsblk", "partitions"),
    "proc/partitions": ("partitions", "partitions"),
    "facts/sfdisk": ("sfdisk", "partitions"),
    "facts/ip-addr": ("ipaddr", "ipaddrs"),
    "proc/drbd": ("procdrbd", "procdrbd"),
}
DRBD_D = "/etc/drbd.d"
SYSCONFIG_NETWORK = "/etc/sysconfig/network"  # HOSTNAME= on CentOS 5/6, which have no /etc/hostname
HOSTNAME_FILES = ("/etc/hostname", SYSCONFIG_NETWORK)
FACT_OF_KIND = {kind: attr for kind, attr in FACT_FILES.values()}
ANONYMOUS = "files"


class Input(Record):
    """One file of a node: its key (node path or fact file), kind, and how to parse it."""

    key: str
    kind: str
    load: Callable[[], ParseResult]


def _display(path: str, base: str | None) -> str:
    shown = os.path.relpath(path, base) if base else path
    return shown.replace(os.sep, "/")


def _module(kind: str):
    """The parser of ``kind``, or None while that parser is not installed (partial checkouts)."""
    try:
        return kinds.module_for(kind)
    except ImportError:
        return None


def load_file(kind: str, real: str, display: str, node_root: str | None = None) -> ParseResult:
    """Parse one file. ``node_root``: the folder that stands for ``/`` when resolving the
    absolute ``include`` paths of drbd.conf."""
    module = _module(kind)
    if module is None:
        raise InputError(f"no parser for {kind} files in this installation", display)
    if node_root is None or kind != "drbd":
        return module.load(real, display)
    return module.load(real, display, root=node_root)


def _unreadable(display: str, exc: InputError) -> Diagnostic:
    return Diagnostic(SYNTAX_ERROR, Severity.ERROR, f"cannot read this file: {exc.message}", Span.point(display, 1))


def _file_input(key: str, kind: str, real: str, display: str, node_root: str | None) -> Input:
    return Input(key, kind, lambda: load_file(kind, real, display, node_root))


def folder_inputs(folder: str, display_base: str | None, node_root: str | None = None) -> list[Input]:
    """Inputs of a folder laid out like a node's root (a bundle node folder, or a root)."""
    node_root = node_root or folder
    found: list[Input] = []
    for node_path, kind in CONFIG_KINDS.items():
        real = os.path.join(folder, node_path.lstrip("/"))
        if os.path.lexists(real):
            found.append(_file_input(node_path, kind, real, _display(real, display_base), node_root))
    network = os.path.join(folder, SYSCONFIG_NETWORK.lstrip("/"))
    if os.path.isfile(network):
        found.append(Input(SYSCONFIG_NETWORK, "uname", _sysconfig_loader(network, _display(network, display_base))))
    if not os.path.lexists(os.path.join(folder, "etc/drbd.conf")):
        # No drbd.conf to include them: lint the drbd.d files one by one.
        for real in sorted(glob.glob(os.path.join(folder, "etc/drbd.d/*"))):
            if os.path.isfile(real) and real.endswith((".res", ".conf")):
                key = f"{DRBD_D}/{os.path.basename(real)}"
                found.append(_file_input(key, "drbd", real, _display(real, display_base), node_root))
    for rel, (kind, _attr) in FACT_FILES.items():
        real = os.path.join(folder, rel)
        if os.path.lexists(real):
            found.append(_file_input(rel, kind, real, _display(real, display_base), None))
    return found


def _sysconfig_loader(real: str, display: str) -> Callable[[], ParseResult]:
    def load() -> ParseResult:
        from elastix_halint.parsing.facts.uname import parse_sysconfig_network
        from elastix_halint.source import read_source

        return parse_sysconfig_network(read_source(real, display, allow_empty=True))

    return load


def is_node_folder(folder: str) -> bool:
    if not os.path.isdir(folder):
        return False
    wanted = [*(p.lstrip("/") for p in (*CONFIG_KINDS, SYSCONFIG_NETWORK, DRBD_D)), *FACT_FILES]
    return any(os.path.lexists(os.path.join(folder, rel)) for rel in wanted)


def build_node(name: str, root: str, inputs: list[Input], live: bool = False, anonymous: bool = False) -> Node:
    """Parse every input of a node and sort the results into files, models and facts."""
    files: dict[str, ParseResult] = {}
    models: dict[str, object] = {}
    facts: dict[str, object] = {}
    sources: dict[str, ParseResult] = {}
    diags: list[Diagnostic] = []
    for item in inputs:
        try:
            res = item.load()
        except InputError as exc:
            diags.append(_unreadable(exc.path or item.key, exc))
            continue
        diags.extend(res.diagnostics)
        if item.key not in FACT_FILES:  # captured facts live in facts.sources, not among files
            files[item.key] = res
        attr = "hostname" if item.key in HOSTNAME_FILES else FACT_OF_KIND.get(item.kind)
        if attr is not None:
            if res.model is not None:
                _merge_fact(facts, sources, attr, item.key, res)
        elif res.model is not None:
            models.setdefault(CONFIG_FILES.get(item.key, item.kind), res.model)
    missing = [p for p, attr in CONFIG_FILES.items() if models.get(attr) is None]
    missing += [attr for attr in NodeFacts._fields if attr != "sources" and attr not in facts]
    return Node(
        name=name,
        root=root,
        live=live,
        files=files,
        drbd=models.get("drbd"),
        hacf=models.get("hacf"),
        authkeys=models.get("authkeys"),
        haresources=models.get("haresources"),
        hosts=models.get("hosts"),
        facts=NodeFacts(**facts, sources=sources),
        missing=tuple(missing),
        diagnostics=tuple(diags),
        anonymous=anonymous,
    )


def _merge_fact(facts: dict, sources: dict, attr: str, key: str, res: ParseResult) -> None:
    """Turn a fact model into the NodeFacts shape; a second source only adds what is new."""
    model = res.model
    if attr in ("uname", "hostname", "procdrbd"):
        value = model
    elif attr == "ipaddrs":
        value = model.addresses
    elif attr in ("partitions", "boot"):
        value = model.by_name()
    else:  # stat, links
        value = model.by_path()
    # The first source of a fact is filed under the fact's name, a second one under its file.
    sources.setdefault(attr if attr not in sources else key, res)
    old = facts.get(attr)
    if old is None:
        facts[attr] = value
    elif isinstance(old, dict):
        facts[attr] = {**value, **old}


# --------------------------------------------------------------------------- entry points


def load_node_folder(folder: str, display_base: str | None = None) -> Node:
    folder = os.path.normpath(folder)
    base = display_base if display_base is not None else os.path.dirname(os.path.abspath(folder))
    return build_node(os.path.basename(os.path.abspath(folder)), folder, folder_inputs(folder, base))


def load_root(root: str) -> Node:
    """A node read from its root filesystem: ``/`` live (commands run when present), or a folder."""
    from elastix_halint import collect

    if not os.path.isdir(root):
        raise InputError("not a directory", root)
    live = os.path.abspath(root) == "/"
    inputs = [i for i in folder_inputs(root, None if live else os.path.dirname(os.path.abspath(root))) if i.key.startswith("/")]
    captured = collect.capture_facts(root, live=live)
    prefix = "live:" if live else _display(root, os.path.dirname(os.path.abspath(root))) + "/"
    for rel, text in captured.items():
        if rel in FACT_FILES:
            kind = FACT_FILES[rel][0]
            display = ("/" + rel) if rel.startswith("proc/") and live else prefix + rel
            inputs.append(Input(rel, kind, _text_loader(kind, text, display)))
    name = collect.node_name(root, live)
    return build_node(name, "/" if live else root, inputs, live=live)


def _text_loader(kind: str, text: str, display: str) -> Callable[[], ParseResult]:
    def load() -> ParseResult:
        module = _module(kind)
        if module is None:
            raise InputError(f"no parser for {kind} facts in this installation", display)
        return module.parse(SourceFile(display, text))

    return load


def file_kind(path: str) -> str:
    """The kind of a loose file, as load_files takes it (InputError when nothing tells)."""
    norm = path.replace(os.sep, "/")
    for node_path, kind in CONFIG_KINDS.items():
        if norm.endswith(node_path) or norm == node_path.lstrip("/"):
            return kind
    for rel, (kind, _attr) in FACT_FILES.items():
        if norm.endswith("/" + rel) or norm == rel:
            return kind
    kind = _detect(path)
    if kind is None:
        raise InputError("cannot tell what kind of file this is (see 'halint parse --kind')", path)
    return kind


def _detect(path: str) -> str | None:
    from elastix_halint.source import read_source

    try:
        return kinds.detect(path) or kinds.detect(path, read_source(path).text)
    except ImportError:  # a parser of another kind is missing: try those that are installed
        text = read_source(path).text
        for kind in kinds.PARSERS:
            module = _module(kind)
            if module is not None and getattr(module, "sniff", lambda t: False)(text):
                return kind
        return None


def load_files(paths: list[str]) -> Node:
    inputs = []
    for path in paths:
        if not os.path.lexists(path):
            raise InputError("no such file or directory", path)
        inputs.append(_file_input(path, file_kind(path), path, path, None))
    return build_node(ANONYMOUS, "", inputs, anonymous=True)


def _bundle_nodes(folder: str) -> list[Node]:
    children = sorted(
        os.path.join(folder, entry) for entry in os.listdir(folder) if not entry.startswith(".")
    )
    nodes = [load_node_folder(c, folder) for c in children if is_node_folder(c)]
    if not nodes:
        raise InputError("not a cluster bundle or node folder: no etc/, proc/ or facts/ files inside (see docs/bundle.md)", folder)
    return nodes


def load_paths(paths: list[str], root: str | None = None, peer: str | None = None) -> Cluster:
    """Load what the command line names into one cluster."""
    paths = list(paths)
    for path in paths + ([peer] if peer else []) + ([root] if root else []):
        if not os.path.lexists(path):
            raise InputError("no such file or directory", path)
    folders = [p for p in paths if os.path.isdir(p)]
    loose = [p for p in paths if not os.path.isdir(p)]
    if folders and loose:
        raise UsageError("give either bundle/node folders or single files, not both")
    nodes: list[Node] = []
    if root:
        nodes.append(load_root(root))
    if len(folders) == 1 and not root and not peer and not is_node_folder(folders[0]):
        nodes += _bundle_nodes(folders[0])
    else:
        for folder in folders:
            if not is_node_folder(folder):
                raise InputError("not a node folder: no etc/, proc/ or facts/ files inside (see docs/bundle.md)", folder)
            nodes.append(load_node_folder(folder))
    if peer:
        if not is_node_folder(peer):
            raise InputError("--peer is not a node folder: no etc/, proc/ or facts/ files inside (see docs/bundle.md)", peer)
        nodes.append(load_node_folder(peer))
    if loose:
        nodes.append(load_files(loose))
    if not nodes:
        raise UsageError("nothing to lint: give a bundle, node folders, files or --root")
    names = [n.name for n in nodes]
    for name in names:
        if names.count(name) > 1:
            raise InputError(f"two nodes are named {name!r}; node folders must have distinct names")
    origin = "root" if root else ("files" if loose else "bundle")
    return Cluster(tuple(nodes), origin, root or (paths[0] if len(paths) == 1 else None))
