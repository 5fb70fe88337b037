"""A node's root as ``halint collect`` reads it, wherever the node is.

:class:`LocalFS` reads a root on this machine (``os.lstat``, ``readlink``, ``glob``...);
``elastix_halint.remote.streamfs.StreamFS`` answers the same questions from what the node-side
script sent. ``elastix_halint.collect`` builds the bundle through this interface only, so a
bundle collected over ssh is byte for byte the one collected on the node.

Paths are *node paths*: absolute, as on the node (``/etc/drbd.conf``), whatever the root is.
"""

from __future__ import annotations

import glob
import os
import stat as stat_mod
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Meta:
    """The fields of ``lstat``/``stat`` that collect uses."""

    mode: int
    uid: int
    gid: int
    size: int

    @property
    def is_dir(self) -> bool:
        return stat_mod.S_ISDIR(self.mode)

    @property
    def is_file(self) -> bool:
        return stat_mod.S_ISREG(self.mode)


class NodeFS(Protocol):
    root: str  # the root folder as given (its name is the node's name of last resort)
    live: bool  # the running system's own / (commands describe it)

    def lstat(self, path: str) -> Meta | None: ...
    def stat(self, path: str) -> Meta | None: ...
    def isfile(self, path: str) -> bool: ...
    def isdir(self, path: str) -> bool: ...
    def readlink(self, path: str) -> str | None: ...
    def read(self, path: str, limit: int = -1) -> bytes: ...  # OSError when it cannot
    def glob(self, pattern: str) -> list[str]: ...  # node paths, in the order of their real paths
    def listdir(self, path: str) -> list[str]: ...  # OSError when it cannot
    def user(self, uid: int) -> str: ...
    def group(self, gid: int) -> str: ...
    def uname(self) -> str: ...
    def command(self, argv: tuple[str, ...]) -> str | None: ...  # stdout, None: absent or failed


def under(root: str, node_path: str) -> str:
    """The real path of ``node_path`` under ``root``."""
    rel = node_path.lstrip("/")
    return os.path.join(root, rel) if rel else root


def node_path_of(root: str, real: str) -> str:
    """The node path of a real path under ``root`` (``..`` resolved by name, like relpath)."""
    return "/" + os.path.relpath(real, root).replace(os.sep, "/")


def _meta(st: os.stat_result) -> Meta:
    return Meta(st.st_mode, st.st_uid, st.st_gid, st.st_size)


class LocalFS:
    """A root on this machine."""

    COMMAND_TIMEOUT = 30

    def __init__(self, root: str):
        self.root = root
        self.live = os.path.abspath(root) == "/"

    def lstat(self, path: str) -> Meta | None:
        try:
            return _meta(os.lstat(under(self.root, path)))
        except OSError:
            return None

    def stat(self, path: str) -> Meta | None:
        try:
            return _meta(os.stat(under(self.root, path)))
        except OSError:
            return None

    def isfile(self, path: str) -> bool:
        return os.path.isfile(under(self.root, path))

    def isdir(self, path: str) -> bool:
        return os.path.isdir(under(self.root, path))

    def readlink(self, path: str) -> str | None:
        try:
            return os.readlink(under(self.root, path))
        except OSError:
            return None

    def read(self, path: str, limit: int = -1) -> bytes:
        with open(under(self.root, path), "rb") as fh:
            return fh.read(limit)

    def glob(self, pattern: str) -> list[str]:
        # Only the pattern globs: a root named "srv[1]" stays a literal folder name.
        reals = sorted(glob.glob(under(glob.escape(self.root), pattern)))
        return [node_path_of(self.root, real) for real in reals]

    def listdir(self, path: str) -> list[str]:
        return os.listdir(under(self.root, path))

    def user(self, uid: int) -> str:
        import pwd

        try:
            return pwd.getpwuid(uid).pw_name
        except KeyError:
            return str(uid)

    def group(self, gid: int) -> str:
        import grp

        try:
            return grp.getgrgid(gid).gr_name
        except KeyError:
            return str(gid)

    def uname(self) -> str:
        return os.uname().nodename

    def command(self, argv: tuple[str, ...]) -> str | None:
        """``argv``'s output in the C locale, or None when it is not installed or fails."""
        import shutil
        import subprocess

        if shutil.which(argv[0]) is None:
            return None
        env = dict(os.environ, LC_ALL="C", LANG="C", SYSTEMD_PAGER="", SYSTEMD_COLORS="0")
        try:
            done = subprocess.run(argv, capture_output=True, timeout=self.COMMAND_TIMEOUT, env=env, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError):
            return None
        if done.returncode != 0:
            return None
        return done.stdout.decode("utf-8", "replace")
