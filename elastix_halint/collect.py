"""``halint collect``: write the bundle folder of the node it runs on (layout: docs/bundle.md).

Configuration files are copied from the root (secrets replaced by ``secrets.marker_for`` unless
asked otherwise); facts are captured in the text formats the fact parsers read. File modes,
owners and symlinks are read with ``os.lstat``/``readlink`` and written in ``stat``'s own output
format, so the result does not depend on the coreutils version. Commands (``ip``, ``chkconfig``,
``systemctl``, ``lsblk``) run only on a live root (``/``) and only when installed. The root is
never modified; the node folder appears in one rename when complete.
"""

from __future__ import annotations

import glob
import io
import os
import re
import shutil
import stat as stat_mod
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass

from elastix_halint.errors import InputError, UsageError
from elastix_halint.noderoot.linkmap import LinkMap, elastix
from elastix_halint.secrets import marker_for, replace_secrets, secrets_of_text

CONFIG_PATHS = (
    "/etc/drbd.conf", "/etc/ha.d/ha.cf", "/etc/ha.d/authkeys", "/etc/ha.d/haresources", "/etc/hosts",
    "/etc/hostname", "/etc/sysconfig/network",
)
PROC_FILES = ("proc/partitions", "proc/drbd")
COMMAND_TIMEOUT = 30
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


def _under(root: str, node_path: str) -> str:
    rel = node_path.lstrip("/")
    return os.path.join(root, rel) if rel else root


_INCLUDE = re.compile(r'^\s*include\s+"?([^";\s]+)"?\s*;', re.MULTILINE)


def drbd_files(root: str) -> list[str]:
    """Node paths of drbd.conf, /etc/drbd.d/* and whatever drbd.conf includes."""
    found = []
    conf = _under(root, "/etc/drbd.conf")
    patterns = ["/etc/drbd.d/*"]
    try:
        with open(conf, encoding="utf-8", errors="replace") as fh:
            patterns += [p if p.startswith("/") else "/etc/" + p for p in _INCLUDE.findall(fh.read())]
    except OSError:
        pass
    for pattern in patterns:
        for real in sorted(glob.glob(_under(root, pattern))):
            node_path = "/" + os.path.relpath(real, root).replace(os.sep, "/")
            if os.path.isfile(real) and not node_path.startswith("/..") and node_path not in found:
                found.append(node_path)
    return found


def config_files(root: str) -> list[str]:
    """Node paths of the configuration files present under ``root``."""
    paths = [p for p in CONFIG_PATHS if os.path.isfile(_under(root, p))]
    return paths + [p for p in drbd_files(root) if p not in paths]


# --------------------------------------------------------------------------- facts


def _user(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _group(gid: int) -> str:
    import grp

    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


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


def _ftype(st: os.stat_result) -> str:
    for test, name in _FTYPES:
        if test(st.st_mode):
            return name
    return "regular empty file" if st.st_size == 0 else "regular file"


def stat_text(root: str, node_paths: list[str]) -> str:
    """What ``stat -c '%a %U %G %n' PATHS`` prints (following symlinks, as stat does)."""
    lines = []
    for path in node_paths:
        try:
            st = os.stat(_under(root, path))
        except OSError:
            lines.append(_missing(path))
            continue
        lines.append(f"{stat_mod.S_IMODE(st.st_mode):o} {_user(st.st_uid)} {_group(st.st_gid)} {path}")
    return "\n".join(lines) + "\n" if lines else ""


def links_text(root: str, node_paths: list[str]) -> str:
    """What ``stat -c '%F|%n|%N' PATHS`` prints (not following symlinks)."""
    lines = []
    for path in node_paths:
        real = _under(root, path)
        try:
            st = os.lstat(real)
        except OSError:
            lines.append(_missing(path))
            continue
        quoted = _quote(path)
        if stat_mod.S_ISLNK(st.st_mode):
            try:
                quoted += " -> " + _quote(os.readlink(real))
            except OSError:
                pass  # stat prints the bare name too when the link cannot be read
        lines.append(f"{_ftype(st)}|{path}|{quoted}")
    return "\n".join(lines) + "\n" if lines else ""


def chkconfig_text(root: str) -> str | None:
    """``chkconfig --list`` rebuilt from the SysV rc links (``rcN.d/S??name`` means on)."""
    init_d = next((d for d in ("etc/rc.d/init.d", "etc/init.d") if os.path.isdir(os.path.join(root, d))), None)
    if init_d is None:
        return None
    rc_base = "etc/rc.d" if os.path.isdir(os.path.join(root, "etc/rc.d/rc3.d")) else "etc"
    lines = []
    for name in sorted(os.listdir(os.path.join(root, init_d))):
        if not os.path.isfile(os.path.join(root, init_d, name)) or name.startswith("."):
            continue
        levels = []
        for level in range(7):
            rc_dir = os.path.join(root, rc_base, f"rc{level}.d")
            on = bool(glob.glob(os.path.join(glob.escape(rc_dir), f"S[0-9][0-9]{glob.escape(name)}")))
            levels.append(f"{level}:{'on' if on else 'off'}")
        lines.append(f"{name:<15}\t" + "\t".join(levels))
    return "\n".join(lines) + "\n"


def _run(argv: tuple[str, ...]) -> str | None:
    """Output of ``argv`` in the C locale, or None when it is not installed or fails."""
    if shutil.which(argv[0]) is None:
        return None
    env = dict(os.environ, LC_ALL="C", LANG="C", SYSTEMD_PAGER="", SYSTEMD_COLORS="0")
    try:
        done = subprocess.run(argv, capture_output=True, timeout=COMMAND_TIMEOUT, env=env, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace")


def node_name(root: str, live: bool) -> str:
    """``uname -n`` on a live root; else /etc/hostname, /etc/sysconfig/network, the folder name."""
    if live:
        return os.uname().nodename
    try:
        with open(_under(root, "/etc/hostname"), encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.strip() and not line.lstrip().startswith("#"):
                    return line.split()[0]
    except OSError:
        pass
    try:
        with open(_under(root, "/etc/sysconfig/network"), encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("HOSTNAME="):
                    return line.split("=", 1)[1].strip().strip("\"'")
    except OSError:
        pass
    return os.path.basename(os.path.abspath(root))


def capture_facts(root: str, live: bool, linkmap: LinkMap | None = None) -> dict[str, str]:
    """Fact files (bundle-relative path → text) of the node whose root is ``root``."""
    linkmap = linkmap or elastix()
    facts: dict[str, str] = {}
    if live:
        facts["facts/uname-n"] = os.uname().nodename + "\n"
    facts["facts/stat"] = stat_text(root, config_files(root) + [linkmap.mount])
    facts["facts/links"] = links_text(root, [link.path for link in linkmap.links] + [linkmap.mount])
    if live:
        for rel, argv in COMMANDS:
            out = _run(argv)
            if out is not None:
                facts[rel] = out
    if "facts/chkconfig" not in facts:
        text = chkconfig_text(root)
        if text is not None:
            facts["facts/chkconfig"] = text
    for rel in PROC_FILES:
        try:
            with open(os.path.join(root, rel), "rb") as fh:
                facts[rel] = fh.read(1 << 20).decode("utf-8", "replace")
        except OSError:
            pass
    return facts


# --------------------------------------------------------------------------- the bundle


@dataclass(frozen=True)
class NodeBundle:
    """A node folder to write: its name, files (relative path → (content, mode)), and the
    configuration files that exist but could not be read (e.g. authkeys when not run as root)."""

    name: str
    files: dict[str, tuple[bytes, int]]
    skipped: tuple[str, ...] = ()


def bundle_files(root: str, with_secrets: bool = False, linkmap: LinkMap | None = None) -> NodeBundle:
    """The bundle folder of the node whose root is ``root``."""
    if not os.path.isdir(root):
        raise InputError("not a directory", root)
    live = os.path.abspath(root) == "/"
    files: dict[str, tuple[bytes, int]] = {}
    skipped: list[str] = []
    drbd = set(drbd_files(root)) | {"/etc/drbd.conf"}
    read: dict[str, tuple[bytes, int]] = {}
    for node_path in config_files(root):
        real = _under(root, node_path)
        try:
            with open(real, "rb") as fh:
                data = fh.read()
            mode = stat_mod.S_IMODE(os.stat(real).st_mode)
        except OSError as exc:
            skipped.append(f"{node_path}: {exc.strerror or exc}")
            continue
        read[node_path] = (data, mode & 0o777 or 0o644)
    known = frozenset() if with_secrets else node_secrets({p: d for p, (d, _m) in read.items()}, drbd)
    for node_path, (data, mode) in read.items():
        files[node_path.lstrip("/")] = (data if with_secrets else redact(node_path, data, node_path in drbd, known), mode)
    for rel, text in capture_facts(root, live, linkmap).items():
        files[rel] = (text.encode("utf-8"), 0o644)
    return NodeBundle(node_name(root, live), files, tuple(skipped))


def _check_name(name: str) -> str:
    if not name or name in (".", "..") or "/" in name or name.startswith("."):
        raise UsageError(f"cannot use node name {name!r} as a folder name")
    return name


def write_folder(out: str, bundle: NodeBundle) -> str:
    """Write ``out/<name>/`` in one go: built in a hidden temp folder, then renamed into place."""
    try:
        return _write_folder(out, _check_name(bundle.name), bundle.files)
    except OSError as exc:
        raise InputError(f"cannot write the bundle: {exc.strerror or exc}", exc.filename or out) from None


def _write_folder(out: str, name: str, files: dict[str, tuple[bytes, int]]) -> str:
    os.makedirs(out, exist_ok=True)
    target = os.path.join(out, name)
    tmp = tempfile.mkdtemp(prefix=f".{name}.", suffix=".halint-tmp", dir=out)
    try:
        for rel, (data, mode) in files.items():
            path = os.path.join(tmp, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(data)
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
