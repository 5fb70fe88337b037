"""A node's root as the collect script described it: the :class:`~elastix_halint.nodefs.NodeFS`
that ``elastix_halint.collect`` reads when the node is remote (frames: scripts/collect.sh).

The script sends a superset of what the builder asks; a question it has no answer for is a
bug between the two (an internal RemoteError), never a guess.
"""

from __future__ import annotations

import errno
import posixpath

from elastix_halint.nodefs import Meta, node_path_of
from elastix_halint.remote.errors import RemoteError, missing_command
from elastix_halint.remote.frames import Frame

UNKNOWN = "UNKNOWN"  # what GNU and busybox stat print for %U / %G of an id without a name


class StreamFS:
    def __init__(self, frames: list[Frame], label: str, step: str = "halint collect"):
        self.label = label
        self.root = ""
        self._meta: dict[str, tuple[Meta | None, Meta | None]] = {}
        self._links: dict[str, str] = {}
        self._files: dict[str, bytes] = {}
        self._errors: dict[str, str] = {}
        self._globs: dict[str, list[str]] = {}
        self._dirs: dict[str, list[str]] = {}
        self._entry_is_file: dict[str, bool] = {}
        self._commands: dict[str, tuple[str, bytes]] = {}
        self._users: dict[int, str] = {}
        self._groups: dict[int, str] = {}
        self.warnings: list[str] = []
        self.status = None
        for frame in frames:
            self._take(frame, step)

    @property
    def live(self) -> bool:
        return posixpath.abspath(self.root) == "/"

    def _node(self, real: bytes | str) -> str:
        real = real.decode("utf-8", "surrogateescape") if isinstance(real, bytes) else real
        return node_path_of(self.root, real)

    def _take(self, frame: Frame, step: str) -> None:
        tag = frame.tag
        if tag == "I":
            self.root = frame.path
        elif tag == "X":
            self._refuse(frame, step)
        elif tag == "S":
            lines = frame.data.decode("utf-8", "surrogateescape").split("\n")
            self._meta[self._node(frame.name)] = (self._parse_meta(lines[0]), self._parse_meta(lines[1]))
        elif tag == "R":
            self._links[self._node(frame.name)] = frame.data.removesuffix(b"\n").decode("utf-8", "surrogateescape")
        elif tag == "F":
            self._files[self._node(frame.name)] = frame.data
        elif tag == "E":
            said = frame.data.decode("utf-8", "replace").strip().rsplit(": ", 1)[-1]
            self._errors[self._node(frame.name)] = said or "cannot be read"
        elif tag == "G":
            self._globs[frame.path] = [p.decode("utf-8", "surrogateescape") for p in frame.data.split(b"\0")[:-1]]
        elif tag == "D":
            folder = self._node(frame.name)
            names = []
            for entry in frame.data.split(b"\0")[:-1]:
                name = entry[1:].decode("utf-8", "surrogateescape")
                names.append(name)
                self._entry_is_file[posixpath.join(folder, name)] = entry[:1] == b"f"
            self._dirs[folder] = names
        elif tag == "C":
            self._commands[frame.path] = (frame.info, frame.data)
        elif tag == "W":
            self.warnings += [line for line in frame.text.splitlines() if line.strip()]
        elif tag == "Z":
            self.status = frame.info

    def _refuse(self, frame: Frame, step: str) -> None:
        if frame.info == "missing-command":
            raise missing_command(self.label, frame.path, step)
        if frame.info == "not-a-directory":
            raise RemoteError(f"{self.label}: {frame.path}: not a directory on the node")
        if frame.info == "no-temp-folder":
            raise RemoteError(f"{self.label}: cannot make a temporary folder in {frame.path} on the node (full or read-only?)")
        raise RemoteError(f"{self.label}: the node-side script refused: {frame.info} {frame.path}")

    def _parse_meta(self, line: str) -> Meta | None:
        if line == "-":
            return None
        fields = line.split(" ")
        if len(fields) != 6:
            raise RemoteError(f"{self.label}: unexpected stat output from the node: {line[:80]!r}")
        mode, uid, gid, size, user, group = fields
        meta = Meta(int(mode, 16), int(uid), int(gid), int(size))
        if user != UNKNOWN:
            self._users[meta.uid] = user
        if group != UNKNOWN:
            self._groups[meta.gid] = group
        return meta

    def _lacks(self, what: str) -> RemoteError:
        return RemoteError(f"{self.label}: internal: the node's answer says nothing about {what} (collect.sh and collect.py disagree)")

    # -- NodeFS ------------------------------------------------------------------------------
    def _pair(self, path: str) -> tuple[Meta | None, Meta | None]:
        try:
            return self._meta[path]
        except KeyError:
            raise self._lacks(path) from None

    def lstat(self, path: str) -> Meta | None:
        return self._pair(path)[0]

    def stat(self, path: str) -> Meta | None:
        return self._pair(path)[1]

    def isfile(self, path: str) -> bool:
        if path in self._meta:
            meta = self._meta[path][1]
            return meta is not None and meta.is_file
        if path in self._entry_is_file:
            return self._entry_is_file[path]
        raise self._lacks(path)

    def isdir(self, path: str) -> bool:
        meta = self.stat(path)
        return meta is not None and meta.is_dir

    def readlink(self, path: str) -> str | None:
        return self._links.get(path)

    def read(self, path: str, limit: int = -1) -> bytes:
        if path in self._files:
            data = self._files[path]
            return data if limit < 0 else data[:limit]
        if path in self._errors:
            raise OSError(0, self._errors[path], path)
        meta = self.stat(path)
        if meta is None:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
        if meta.is_dir:
            raise IsADirectoryError(errno.EISDIR, "Is a directory", path)
        raise OSError(0, "not a regular file", path)

    def glob(self, pattern: str) -> list[str]:
        if pattern not in self._globs:
            if "\ufffd" in pattern:  # not valid UTF-8 in drbd.conf: no file has that name here either
                return []
            raise self._lacks(f"the files matching {pattern}")
        return [self._node(real) for real in sorted(self._globs[pattern])]

    def listdir(self, path: str) -> list[str]:
        if path not in self._dirs:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
        return list(self._dirs[path])

    def user(self, uid: int) -> str:
        return self._users.get(uid, str(uid))

    def group(self, gid: int) -> str:
        return self._groups.get(gid, str(gid))

    def uname(self) -> str:
        status, out = self._commands.get("uname -n", ("-", b""))
        if status != "0":
            raise self._lacks("uname -n")
        return out.decode("utf-8", "surrogateescape").removesuffix("\n")

    def command(self, argv: tuple[str, ...]) -> str | None:
        status, out = self._commands.get(" ".join(argv), ("-", b""))
        return out.decode("utf-8", "replace") if status == "0" else None
