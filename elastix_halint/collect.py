"""``halint collect``: build the bundle folder of a node (layout: docs/bundle.md).

Configuration files are copied from the root (secrets replaced by ``secrets.marker_for`` unless
asked otherwise); facts are captured in the text formats the fact parsers read. File modes,
owners and symlinks come from lstat/stat/readlink fields and are written in ``stat``'s own
output format, so the result does not depend on the coreutils version. Commands (``ip``,
``chkconfig``, ``systemctl``, ``lsblk``, ``sfdisk``) run only on a live root (``/``) and only
when installed. The root is never modified; the node folder appears in one rename when complete.

The root is read only through a :class:`~elastix_halint.nodefs.NodeFS`: ``LocalFS`` for a folder
here, ``remote.streamfs.StreamFS`` for what a node's collect script sent, so a bundle collected
over ssh is byte for byte the one collected on the node itself (docs/remote.md).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import stat as stat_mod
import tarfile
import tempfile
import time

from elastix_halint.errors import InputError, UsageError
from elastix_halint.model.record import Record
from elastix_halint.nodefs import LocalFS, Meta, NodeFS
from elastix_halint.noderoot.linkmap import LinkMap, elastix
from elastix_halint.secrets import marker_for, replace_secrets, secrets_of_text

CONFIG_PATHS = (
    "/etc/drbd.conf", "/etc/ha.d/ha.cf", "/etc/ha.d/authkeys", "/etc/ha.d/haresources", "/etc/hosts",
    "/etc/hostname", "/etc/sysconfig/network",
)
PROC_FILES = ("proc/partitions", "proc/drbd")
# Commands whose output is a fact, as (fact file, argv). They describe the running system, so
# they only run for a live root.
COMMANDS = (
    ("facts/ip-addr", ("ip", "-o", "addr", "show")),
    ("facts/chkconfig", ("chkconfig", "--list")),
    ("facts/systemctl", ("systemctl", "list-unit-files", "--type=service", "--no-pager")),
    ("facts/lsblk.json", ("lsblk", "-b", "-J")),
)


# --------------------------------------------------------------------------- secrets


def kind_of(node_path: str, drbd: bool) -> str | None:
    """The file kind whose syntax says where its secrets are (None: comments only)."""
    if node_path == "/etc/ha.d/authkeys":
        return "authkeys"
    if node_path == "/etc/ha.d/ha.cf":
        return "hacf"
    return "drbd" if drbd else "other"


def redact(node_path: str, data: bytes, drbd: bool, known=frozenset()) -> bytes:
    """``data`` of file ``node_path`` with its secrets replaced by their markers (``drbd``: a
    drbd.conf file): ``shared-secret "X";`` → ``shared-secret "<marker of X>";``, an authkeys
    key, ha.cf stonith parameters, the same in commented-out lines, and any of the node's
    ``known`` secrets written in a comment."""
    text = data.decode("utf-8", "surrogateescape")
    kind = kind_of(node_path, drbd)
    known = set(known) | secrets_of_text(text, kind)
    return replace_secrets(text, kind, known, marker_for).encode("utf-8", "surrogateescape")


def node_secrets(files: dict[str, bytes], drbd: set[str]) -> frozenset:
    """Every secret of a node's configuration files, to hide them in any file's comments."""
    found: set[str] = set()
    for node_path, data in files.items():
        found |= secrets_of_text(data.decode("utf-8", "surrogateescape"), kind_of(node_path, node_path in drbd))
    return frozenset(found)


# --------------------------------------------------------------------------- what to copy


def _fs(root: "str | NodeFS") -> "NodeFS":
    return LocalFS(root) if isinstance(root, str) else root


def _lines(data: bytes) -> list[str]:
    """Lines as a file opened in text mode gives them (universal newlines, UTF-8, errors replaced)."""
    return data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n").split("\n")


# drbdadm's own lexer knows only ASCII blanks (and so does scripts/collect.sh, which globs
# every word after "include": keep the two in step).
_INCLUDE = re.compile(r'^\s*include\s+"?([^";\s]+)"?\s*;', re.MULTILINE | re.ASCII)


def drbd_files(root: "str | NodeFS") -> list[str]:
    """Node paths of drbd.conf, /etc/drbd.d/* and whatever drbd.conf includes."""
    fs = _fs(root)
    found = []
    patterns = ["/etc/drbd.d/*"]
    try:
        text = "\n".join(_lines(fs.read("/etc/drbd.conf")))
        patterns += [p if p.startswith("/") else "/etc/" + p for p in _INCLUDE.findall(text)]
    except OSError:
        pass
    for pattern in patterns:
        for node_path in fs.glob(pattern):
            if not node_path.startswith("/..") and node_path not in found and fs.isfile(node_path):
                found.append(node_path)
    return found


def config_files(root: "str | NodeFS", drbd: list[str] | None = None) -> list[str]:
    """Node paths of the configuration files present under ``root``."""
    fs = _fs(root)
    paths = [p for p in CONFIG_PATHS if fs.isfile(p)]
    return paths + [p for p in (drbd_files(fs) if drbd is None else drbd) if p not in paths]


# --------------------------------------------------------------------------- facts


# Characters that end a line for str.splitlines(), which the fact parsers use, and other controls.
_CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]+")


def _quote(path: str) -> str:
    """``%N`` quoting of coreutils 8.25+ in the C locale (shell-escape): ``'x'``, a quote as
    ``'\\''``, control characters as ``$'\\n'`` pieces, so every name stays on one line."""
    out, pos = [], 0
    for m in _CONTROL.finditer(path):
        out.append("'" + path[pos : m.start()].replace("'", "'\\''") + "'")
        out.append("$'" + "".join(f"\\{ord(c):03o}" if ord(c) < 0o200 else f"\\u{ord(c):04x}" for c in m.group()) + "'")
        pos = m.end()
    out.append("'" + path[pos:].replace("'", "'\\''") + "'")
    return "".join(piece for piece in out if piece != "''") or "''"


def _missing(node_path: str) -> str:
    return f"stat: cannot stat {_quote(node_path)}: No such file or directory"


_FTYPES = (
    (stat_mod.S_ISLNK, "symbolic link"),
    (stat_mod.S_ISDIR, "directory"),
    (stat_mod.S_ISCHR, "character special file"),
    (stat_mod.S_ISBLK, "block special file"),
    (stat_mod.S_ISFIFO, "fifo"),
    (stat_mod.S_ISSOCK, "socket"),
)


def _ftype(st: Meta) -> str:
    for test, name in _FTYPES:
        if test(st.mode):
            return name
    return "regular empty file" if st.size == 0 else "regular file"


def stat_text(root: "str | NodeFS", node_paths: list[str]) -> str:
    """What ``stat -c '%a %U %G %n' PATHS`` prints (following symlinks, as stat does)."""
    fs = _fs(root)
    lines = []
    for path in node_paths:
        st = fs.stat(path)
        if st is None:
            lines.append(_missing(path))
            continue
        lines.append(f"{stat_mod.S_IMODE(st.mode):o} {fs.user(st.uid)} {fs.group(st.gid)} {path}")
    return "\n".join(lines) + "\n" if lines else ""


def links_text(root: "str | NodeFS", node_paths: list[str]) -> str:
    """What ``stat -c '%F|%n|%N' PATHS`` prints (not following symlinks)."""
    fs = _fs(root)
    lines = []
    for path in node_paths:
        st = fs.lstat(path)
        if st is None:
            lines.append(_missing(path))
            continue
        quoted = _quote(path)
        if stat_mod.S_ISLNK(st.mode):
            target = fs.readlink(path)
            if target is not None:  # stat prints the bare name too when the link cannot be read
                quoted += " -> " + _quote(target)
        lines.append(f"{_ftype(st)}|{path}|{quoted}")
    return "\n".join(lines) + "\n" if lines else ""


def chkconfig_text(root: "str | NodeFS") -> str | None:
    """``chkconfig --list`` rebuilt from the SysV rc links (``rcN.d/S??name`` means on)."""
    fs = _fs(root)
    init_d = next((d for d in ("/etc/rc.d/init.d", "/etc/init.d") if fs.isdir(d)), None)
    if init_d is None:
        return None
    rc_base = "/etc/rc.d" if fs.isdir("/etc/rc.d/rc3.d") else "/etc"
    started = []  # per runlevel: the S??name entries of rcN.d
    for level in range(7):
        try:
            started.append([e for e in fs.listdir(f"{rc_base}/rc{level}.d") if _START.match(e)])
        except OSError:
            started.append([])
    lines = []
    for name in sorted(fs.listdir(init_d)):
        if name.startswith(".") or not fs.isfile(f"{init_d}/{name}"):
            continue
        levels = [f"{level}:{'on' if any(e[3:] == name for e in started[level]) else 'off'}" for level in range(7)]
        lines.append(f"{name:<15}\t" + "\t".join(levels))
    return "\n".join(lines) + "\n"


_START = re.compile("S[0-9][0-9]")


def node_name(root: "str | NodeFS", live: bool) -> str:
    """``uname -n`` on a live root; else /etc/hostname, /etc/sysconfig/network, the folder name."""
    fs = _fs(root)
    if live:
        return fs.uname()
    for path, pick in (("/etc/hostname", _hostname_line), ("/etc/sysconfig/network", _network_line)):
        try:
            lines = _lines(fs.read(path))
        except OSError:
            continue
        for line in lines:
            name = pick(line)
            if name is not None:
                return name
    return os.path.basename(os.path.abspath(fs.root))


def _hostname_line(line: str) -> str | None:
    return line.split()[0] if line.strip() and not line.lstrip().startswith("#") else None


def _network_line(line: str) -> str | None:
    return line.split("=", 1)[1].strip().strip("\"'") if line.startswith("HOSTNAME=") else None


def _sfdisk(fs: "NodeFS") -> str | None:
    """``sfdisk -d`` of every disk (util-linux before 2.27 has no ``lsblk -J``: CentOS 5, 6)."""
    dumps = []
    for device_link in fs.glob("/sys/block/*/device"):
        disk = device_link.split("/")[3].replace("!", "/")
        out = fs.command(("sfdisk", "-d", f"/dev/{disk}"))
        if out is not None:
            dumps.append(out)
    return "".join(dumps) or None


def capture_facts(root: "str | NodeFS", live: bool, linkmap: LinkMap | None = None) -> dict[str, str]:
    """Fact files (bundle-relative path → text) of the node whose root is ``root``."""
    fs = _fs(root)
    linkmap = linkmap or elastix()
    facts: dict[str, str] = {}
    if live:
        facts["facts/uname-n"] = fs.uname() + "\n"
    facts["facts/stat"] = stat_text(fs, config_files(fs) + [linkmap.mount])
    facts["facts/links"] = links_text(fs, [link.path for link in linkmap.links] + [linkmap.mount])
    if live:
        for rel, argv in COMMANDS:
            out = fs.command(argv)
            if out is not None:
                facts[rel] = out
        if "facts/lsblk.json" not in facts:
            out = _sfdisk(fs)
            if out is not None:
                facts["facts/sfdisk"] = out
    if "facts/chkconfig" not in facts:
        text = chkconfig_text(fs)
        if text is not None:
            facts["facts/chkconfig"] = text
    for rel in PROC_FILES:
        try:
            facts[rel] = fs.read("/" + rel, 1 << 20).decode("utf-8", "replace")
        except OSError:
            pass
    return facts


# --------------------------------------------------------------------------- the bundle


class NodeBundle(Record):
    """A node folder to write: its name, files (relative path → (content, mode)), and the
    configuration files that exist but could not be read (e.g. authkeys when not run as root)."""

    name: str
    files: dict[str, tuple[bytes, int]]
    skipped: tuple[str, ...] = ()


def bundle_files(root: "str | NodeFS", with_secrets: bool = False, linkmap: LinkMap | None = None) -> NodeBundle:
    """The bundle folder of the node whose root is ``root`` (a folder here, or a NodeFS)."""
    if isinstance(root, str) and not os.path.isdir(root):
        raise InputError("not a directory", root)
    fs = _fs(root)
    files: dict[str, tuple[bytes, int]] = {}
    skipped: list[str] = []
    drbd_list = drbd_files(fs)
    drbd = set(drbd_list) | {"/etc/drbd.conf"}
    read: dict[str, tuple[bytes, int]] = {}
    for node_path in config_files(fs, drbd_list):
        try:
            data = fs.read(node_path)
            st = fs.stat(node_path)
            if st is None:
                raise FileNotFoundError(2, "No such file or directory", node_path)
        except OSError as exc:
            skipped.append(f"{node_path}: {exc.strerror or exc}")
            continue
        read[node_path] = (data, stat_mod.S_IMODE(st.mode) & 0o777 or 0o644)
    known = frozenset() if with_secrets else node_secrets({p: d for p, (d, _m) in read.items()}, drbd)
    for node_path, (data, mode) in read.items():
        files[node_path.lstrip("/")] = (data if with_secrets else redact(node_path, data, node_path in drbd, known), mode)
    for rel, text in capture_facts(fs, fs.live, linkmap).items():
        # A file name that is not UTF-8 goes back to its own bytes, as stat prints it.
        files[rel] = (text.encode("utf-8", "surrogateescape"), 0o644)
    return NodeBundle(node_name(fs, fs.live), files, tuple(skipped))


def _check_name(name: str) -> str:
    if not name or name in (".", "..") or "/" in name or name.startswith("."):
        raise UsageError(f"cannot use node name {name!r} as a folder name")
    return name


def warn(bundle: NodeBundle, label: str | None = None, node_warnings: list[str] = ()) -> None:
    """On stderr: what a node's script said, and the files that could not be read."""
    import sys

    where = f"{label}: " if label else ""
    for warning in node_warnings:
        sys.stderr.write(f"halint: warning: {where}{warning}\n")
    for skipped in bundle.skipped:
        sys.stderr.write(f"halint: warning: {where}not collected: {skipped}\n")


def check_unique(bundles: list[NodeBundle], labels: list[str]) -> None:
    """Nodes of one bundle need distinct names (their folder names)."""
    seen: dict[str, str] = {}
    for bundle, label in zip(bundles, labels):
        if bundle.name in seen:
            raise UsageError(f"{seen[bundle.name]} and {label} are both named {bundle.name!r}: one bundle cannot hold both")
        seen[bundle.name] = label


def write_folder(out: str, bundle: NodeBundle, durable: bool = True) -> str:
    """Write ``out/<name>/`` in one go: built in a hidden temp folder, then renamed into place.
    ``durable``: fsync every file (not for a throwaway bundle)."""
    try:
        return _write_folder(out, _check_name(bundle.name), bundle.files, durable)
    except OSError as exc:
        raise InputError(f"cannot write the bundle: {exc.strerror or exc}", exc.filename or out) from None


def _write_folder(out: str, name: str, files: dict[str, tuple[bytes, int]], durable: bool = True) -> str:
    os.makedirs(out, exist_ok=True)
    target = os.path.join(out, name)
    tmp = tempfile.mkdtemp(prefix=f".{name}.", suffix=".halint-tmp", dir=out)
    try:
        for rel, (data, mode) in files.items():
            path = os.path.join(tmp, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(data)
                if durable:
                    fh.flush()
                    os.fsync(fh.fileno())
            os.chmod(path, mode)
        os.chmod(tmp, 0o755)
        old = None
        if os.path.lexists(target):
            old = tempfile.mkdtemp(prefix=f".{name}.", suffix=".halint-old", dir=out)
            os.rename(target, os.path.join(old, name))
        os.rename(tmp, target)
        if old:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def write_tar(stream, bundle: NodeBundle) -> None:
    """A tar stream of ``<name>/...`` (``halint collect --out - | tar -x -C bundle/``)."""
    name, files = _check_name(bundle.name), bundle.files
    now = int(time.time())
    with tarfile.open(fileobj=stream, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        dirs = sorted({os.path.dirname(f"{name}/{rel}") for rel in files} | {name})
        for d in sorted({p for d in dirs for p in _parents(d)}):
            info = tarfile.TarInfo(d)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, now
            tar.addfile(info)
        for rel, (data, mode) in sorted(files.items()):
            info = tarfile.TarInfo(f"{name}/{rel}")
            info.size, info.mode, info.mtime = len(data), mode, now
            tar.addfile(info, io.BytesIO(data))


def _parents(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]
