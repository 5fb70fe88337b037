"""What a node tells about its tree over ssh (``remote/scripts/tree.sh``), in the shapes the
local code reads: :class:`NodeFacts` is a ``NodeRoot`` (refusals, link states), and
:class:`ListedTree` is a ``scan.Tree`` (entries, order, hardlink groups, xattrs), so a remote
snapshot, diff or restore decides everything with the same code as a local one.

The listing comes from GNU ``find -printf`` (CentOS 5/6/7), else from ``find -print0`` and
``stat -c`` (busybox); xattrs from ``getfattr -d -e base64`` where the node has it. Paths are
bytes on the node and ``utf-8``/``surrogateescape`` strings here, as ``os.fsdecode`` makes them.
"""

from __future__ import annotations

import base64
import calendar
import re
import stat
from array import array

from elastix_halint.model.record import Record, field
from elastix_halint.noderoot.root import NodeRoot
from elastix_halint.remote import frames
from elastix_halint.remote.errors import RemoteError, missing_command, no_usable_answer


def fsdecode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def fsencode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


class NodeStat(Record):
    """The fields of ``os.stat_result`` the scan reads, as the node listed them."""

    st_mode: int
    st_ino: int
    st_dev: int
    st_nlink: int
    st_uid: int
    st_gid: int
    st_size: int
    st_blocks: int
    st_mtime_ns: int
    st_ctime_ns: int


def stream_frames(out: bytes, err: bytes, kind: str, label: str, received: list | None = None) -> list:
    """The frames of a tree.sh stream (or ``received``, already decoded), or the one-line error
    of a node that could not answer (a missing command named in an X frame, a stream cut short)."""
    if received is None:
        try:
            received = frames.decode(out, kind)
        except frames.StreamError as exc:
            raise no_usable_answer(label, err, exc) from None
    for frame in received:
        if frame.tag == "X" and frame.info == "missing-command":
            raise missing_command(label, frame.path, "reading the tree")
        if frame.tag == "X":
            raise RemoteError(f"{label}: {frame.path}: {_X_REASONS.get(frame.info, frame.info)}")
    return received


_X_REASONS = {"no-root": "no such folder on the node (the root given after ':')",
              "no-top": "not a directory on the node"}


# -- facts ------------------------------------------------------------------------------------

class NodeFacts(NodeRoot):
    """A node's root as ``tree.sh facts`` described it: its proc files, processes, the paths
    asked about (link-map paths, restore units), tools, host name and lock."""

    hostname: str = ""
    physical_root: str = ""
    tools: dict = field(default_factory=dict, compare=False)
    files: dict = field(default_factory=dict, compare=False)  # node path -> bytes
    procs: tuple = ()
    kinds: dict = field(default_factory=dict, compare=False)  # node path -> (kind, target)
    lock: tuple = ("", "free", b"")  # (node path, held|free, content)

    @classmethod
    def from_frames(cls, root: str, received: list) -> "NodeFacts":
        values: dict = {"files": {}, "kinds": {}, "tools": {}, "procs": ()}
        for f in received:
            if f.tag == "H":
                values["hostname"] = f.text.strip()
            elif f.tag == "R":
                values["physical_root"] = fsdecode(f.data.rstrip(b"\n"))
            elif f.tag == "T":
                values["tools"] = dict(line.split(" ", 1) for line in f.text.splitlines() if " " in line)
            elif f.tag == "P" and f.path.startswith("proc/"):
                values["files"]["/" + f.path] = f.data
            elif f.tag == "C":
                values["procs"] = tuple(_procs(f.data))
            elif f.tag == "K":
                values["kinds"][f.path] = (f.info, fsdecode(f.data))
            elif f.tag == "L":
                values["lock"] = (f.path, f.info, f.data)
        return cls(root, **values)

    def has(self, tool: str) -> bool:
        return self.tools.get(tool) == "yes"

    def read_bytes(self, path: str) -> bytes | None:
        return self.files.get(path)

    def processes(self) -> list[tuple[int, str]]:
        return list(self.procs)

    def lstat(self, path: str):
        kind = self.kinds.get(path, ("missing", ""))[0]
        bits = {"link": stat.S_IFLNK, "dir": stat.S_IFDIR, "file": stat.S_IFREG}.get(kind)
        return None if bits is None else _Kind(bits)

    def readlink(self, path: str) -> str:
        kind, target = self.kinds.get(path, ("missing", ""))
        if kind != "link":
            raise OSError(f"{path}: not a symlink on the node")
        return target


class _Kind(Record):
    st_mode: int


def _procs(data: bytes):
    for line in data.decode("utf-8", "replace").splitlines():
        pid, _, name = line.partition(" ")
        if pid.isdigit():
            yield int(pid), name.strip()


# -- the listing ------------------------------------------------------------------------------

_FIND_TYPES = {b"d": stat.S_IFDIR, b"f": stat.S_IFREG, b"l": stat.S_IFLNK, b"s": stat.S_IFSOCK,
               b"p": stat.S_IFIFO, b"c": stat.S_IFCHR, b"b": stat.S_IFBLK}
FIND_FIELDS = 13


def seconds_ns(text: bytes) -> int:
    """``find`` ``%T@``: ``1600000000`` (findutils < 4.3.3) or ``1600000000.1234567890``."""
    dot = text.find(b".")
    if dot < 0:
        return int(text) * 1_000_000_000
    ns = int(text[:dot].lstrip(b"-") + text[dot + 1:dot + 10].ljust(9, b"0"))
    return -ns if text[:1] == b"-" else ns


_HUMAN = re.compile(rb"(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))? ([-+])(\d\d)(\d\d)")


def human_ns(text: bytes) -> int:
    """``stat`` ``%y``/``%z``: ``2026-12-03 18:45:10.042322914 +0000`` (any offset)."""
    m = _HUMAN.fullmatch(text)
    if m is None:
        raise ValueError(f"unexpected stat time {text!r}")
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    offset = (int(m.group(9)) * 3600 + int(m.group(10)) * 60) * (-1 if m.group(8) == b"-" else 1)
    seconds = calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)) - offset
    return seconds * 1_000_000_000 + int((m.group(7) or b"0")[:9].ljust(9, b"0"))


class StatTable:
    """path -> NodeStat, stored as ten flat arrays and one index per path: a NodeStat object
    per entry (a tuple and ten ints, ~330 bytes) made a 100,000-file listing cost ~33 MiB more
    at the peak of a snapshot --ssh. NodeStats are built when asked for."""

    __slots__ = ("_index", "_columns")
    _CODES = "QQQQqqqqqq"  # st_mode, st_ino, st_dev, st_nlink, then signed: uid, gid, size, blocks, mtime, ctime

    def __init__(self):
        self._index: dict[str, int] = {}
        self._columns = tuple(array(code) for code in self._CODES)

    def __setitem__(self, path: str, st: NodeStat) -> None:
        if path in self._index:
            for column, value in zip(self._columns, st):
                column[self._index[path]] = value
            return
        self._index[path] = len(self._index)
        for column, value in zip(self._columns, st):
            column.append(value)

    def _at(self, i: int) -> NodeStat:
        return NodeStat._make(column[i] for column in self._columns)

    def get(self, path: str, default=None):
        i = self._index.get(path)
        return default if i is None else self._at(i)

    def pop(self, path: str, default=None):
        """``get``, forgetting the path (its row stays, unused)."""
        i = self._index.pop(path, None)
        return default if i is None else self._at(i)

    def __getitem__(self, path: str) -> NodeStat:
        return self._at(self._index[path])

    def __contains__(self, path) -> bool:
        return path in self._index

    def __len__(self) -> int:
        return len(self._index)

    def items(self):
        for path, i in self._index.items():
            yield path, self._at(i)


class ListedTree:
    """A ``scan.Tree`` answering from a node's listing (``tree.sh list``). ``vanished`` paths
    were listed by name but gone before their details were read: the scan reports them."""

    def __init__(self, walkable: bool = True):
        self.stats = StatTable()
        self.children: dict[str, list[str]] | None = {} if walkable else None  # None: stats only
        self.targets: dict[str, str] = {}
        self.xattr_map: dict[str, dict] = {}
        self.xattrs_captured = False
        self.vanished: set[str] = set()
        self.users: dict[int, str] = {}
        self.groups: dict[int, str] = {}
        self._once = False

    def read_once(self) -> None:
        """From now on each path is read once (by one scan): what the walk has read is dropped
        as it goes, so that the listing and the entries made from it are not both held whole
        at the end of the scan (~18 MiB of names at 100,000 files)."""
        self._once = True

    @classmethod
    def from_frames(cls, received: list, walkable: bool = True) -> "ListedTree":
        """``walkable``: keep what ``listdir`` needs (not when only the stats are read)."""
        tree = cls(walkable)
        tree.take_frames(received)
        return tree

    def sinks(self) -> dict:
        """What ``frames.read_all`` hands the big frames of a listing to as they arrive (the
        find records and the getfattr dump); ``take_frames`` then reads the rest."""
        return {"F": lambda name, info: frames.Pieces(self._take_find),
                "A": lambda name, info: _Getfattr(self.xattr_map) if info != "missing" else frames.Pieces(_none)}

    def take_frames(self, received: list) -> None:
        names = None
        for f in received:
            if f.tag == "F":  # not sunk (``sinks``): still read a piece at a time
                pieces = frames.Pieces(self._take_find)
                for at in range(0, len(f.data), frames.SINK_PIECE):
                    pieces.write(f.data[at:at + frames.SINK_PIECE])
                pieces.close()
            elif f.tag == "N":
                names = [n for n in f.data.split(b"\0")[:-1]]
            elif f.tag == "S":
                self._take_stat(names or [], f.data)
            elif f.tag == "Y":
                parts = f.data.split(b"\0")
                for path, target in zip(parts[0:-1:2], parts[1::2]):
                    self.targets[fsdecode(path)] = fsdecode(target)
            elif f.tag == "A" and f.info != "missing":
                self.xattrs_captured = True
                self.xattr_map.update(parse_getfattr(f.data))  # empty when sunk (``sinks``)
            elif f.tag == "P" and f.path in ("passwd", "group"):
                (self.users if f.path == "passwd" else self.groups).update(id_names(f.data))

    def unnamed(self) -> list[tuple[str, str]]:
        """("u"|"g", a path owned by it) for each owner id /etc/passwd or /etc/group does not
        name (from NIS or LDAP, or none at all): ``tree.sh names`` asks the node about those."""
        asks: dict = {}
        for path, st in self.stats.items():
            if st.st_uid not in self.users:
                asks.setdefault(("u", st.st_uid), path)
            if st.st_gid not in self.groups:
                asks.setdefault(("g", st.st_gid), path)
        return [(kind, path) for (kind, _), path in asks.items()]

    def take_names(self, received: list) -> None:
        """The node's answer to ``unnamed``: GNU and busybox stat say UNKNOWN for an id without
        a name, where find (and a local snapshot) give the number."""
        for f in received:
            if f.tag == "N":
                st = self.stats[f.path]
                uid = st.st_uid if f.info == "u" else st.st_gid
                name = f.text.strip()
                (self.users if f.info == "u" else self.groups)[uid] = str(uid) if name in ("", "UNKNOWN") else name

    def _add(self, path: str, st: NodeStat | None) -> None:
        if self.children is not None:
            parent, _, name = path.rpartition("/")
            self.children.setdefault(parent or "/", []).append(name)
        if st is None:
            self.vanished.add(path)
        else:
            self.stats[path] = st

    def _take_find(self, data: bytes, final: bool = True) -> int:
        """The whole records of ``data``; returns where the last one ends (a piece of the frame
        may end inside a record: ``frames.Pieces``). Split a piece at a time (``SINK_PIECE``:
        never the whole listing's 1.3 million fields at 100,000 entries, ~47 MiB), the fields
        taken 13 by 13: a regular expression per record took a quarter longer."""
        fields = data.split(b"\0")
        whole = (len(fields) - 1) // FIND_FIELDS * FIND_FIELDS
        end = len(data) - sum(len(rest) + 1 for rest in fields[whole:]) + 1
        del fields[whole:]
        add, targets, types = self._add, self.targets, _FIND_TYPES
        at = iter(fields)
        for kind, mode, uid, gid, size, blocks, ino, nlink, dev, mtime, ctime, path, target in zip(*[at] * FIND_FIELDS):
            node_path = fsdecode(path)
            add(node_path, NodeStat(types.get(kind, 0) | int(mode, 8), int(ino), int(dev), int(nlink), int(uid), int(gid),
                                    int(size), int(blocks), seconds_ns(mtime), seconds_ns(ctime)))
            if kind == b"l":
                targets[node_path] = fsdecode(target)
        return end

    def _take_stat(self, names: list[bytes], data: bytes) -> None:
        """``stat -c '%f %u %g %s %b %i %h %d %y %z %n'`` lines, one per name of ``names``
        in order, each ending with its name: a name that failed (vanished) has no line, and a
        name holding newlines spans several, which the known names tell apart."""
        lines, at = data.split(b"\n"), 0
        for name in names:
            st = None
            if at < len(lines):
                parts = lines[at].split(b" ", 14)
                if len(parts) == 15:
                    rest, used = parts[14], 1
                    while len(rest) < len(name) and at + used < len(lines) and name.startswith(rest + b"\n"):
                        rest += b"\n" + lines[at + used]
                        used += 1
                    if rest == name:
                        st = _stat_line(parts)
                        at += used
            self._add(fsdecode(name), st)

    # -- scan.Tree ------------------------------------------------------------------------------
    def listdir(self, path: str) -> list[str]:
        return (self.children.pop if self._once else self.children.get)(path, [])

    def lstat(self, path: str) -> NodeStat:
        st = (self.stats.pop if self._once else self.stats.get)(path)
        if st is None:
            raise FileNotFoundError(2, "vanished while the tree was listed", path)
        return st

    def readlink(self, path: str) -> str:
        target = (self.targets.pop if self._once else self.targets.get)(path, None)
        if target is None:
            raise FileNotFoundError(2, "symlink vanished while the tree was listed", path)
        return target

    def xattrs(self, path: str) -> dict | None:
        return (self.xattr_map.pop if self._once else self.xattr_map.get)(path, None) or None

    def owners(self, st: NodeStat) -> tuple[str, str]:
        return self.users.get(st.st_uid) or str(st.st_uid), self.groups.get(st.st_gid) or str(st.st_gid)


def _stat_line(parts: list[bytes]) -> NodeStat:
    mode, uid, gid, size, blocks, ino, nlink, dev = parts[:8]
    return NodeStat(int(mode, 16), int(ino), int(dev), int(nlink), int(uid), int(gid), int(size), int(blocks),
                    human_ns(b" ".join(parts[8:11])), human_ns(b" ".join(parts[11:14])))


def id_names(data: bytes) -> dict[int, str]:
    """id -> name from /etc/passwd or /etc/group lines (the first name of an id wins, as
    getpwuid answers)."""
    out: dict[int, str] = {}
    for line in data.split(b"\n"):
        fields = line.split(b":")
        if len(fields) >= 3 and fields[2].isdigit():
            out.setdefault(int(fields[2]), fsdecode(fields[0]))
    return out


_OCTAL = re.compile(rb"\\([0-7]{3})|\\\\")


def _unescape(text: bytes) -> bytes:
    """getfattr's quoting of names: ``\\ooo`` for unprintable bytes, ``\\\\`` for a backslash."""
    return _OCTAL.sub(lambda m: bytes([int(m.group(1), 8)]) if m.group(1) else b"\\", text)


def parse_getfattr(data: bytes) -> dict[str, dict]:
    """``getfattr -h -d -m - -e base64 --absolute-names`` output: path -> {name: base64},
    names sorted as the local scan records them."""
    out: dict[str, dict] = {}
    reader = _Getfattr(out)
    reader.write(data)
    reader.close()
    return out


class _Getfattr(frames.Pieces):
    """``parse_getfattr`` line by line into ``out``, for data that comes in pieces."""

    def __init__(self, out: dict):
        super().__init__(self._lines)
        self.out, self.current, self.path = out, None, None

    def _lines(self, data: bytes, final: bool) -> int:
        end = len(data) if final else data.rfind(b"\n") + 1
        for line in data[:end].split(b"\n"):
            if line.startswith(b"# file: "):
                self._done()
                self.path, self.current = fsdecode(_unescape(line[8:])), {}
            elif line and self.current is not None and not line.startswith(b"#"):
                name, eq, value = line.partition(b"=")
                self.current[fsdecode(_unescape(name))] = base64.b64encode(_xattr_value(value if eq else b"")).decode("ascii")
        if final:
            self._done()
        return end

    def _done(self) -> None:
        if self.current:
            merged = {**self.out.get(self.path, {}), **self.current}  # a path dumped twice
            self.out[self.path] = dict(sorted(merged.items()))
        self.current = None


def _none(data: bytes, final: bool) -> int:
    return len(data)


def _xattr_value(value: bytes) -> bytes:
    if value.startswith(b"0s"):
        return base64.b64decode(value[2:])
    if value.startswith(b"0x"):
        return bytes.fromhex(value[2:].decode("ascii"))
    if value.startswith(b'"') and value.endswith(b'"') and len(value) >= 2:
        return _unescape(value[1:-1])
    return value


# -- digests computed on the node ---------------------------------------------------------------

_HEX = re.compile(rb"[0-9a-f]{64}")


def parse_digests(data: bytes, paths: list[bytes]) -> tuple[str, list]:
    """``tree.sh digest`` output for ``paths`` (in that order): the tool's name, then per path
    the raw SHA-256 or None (unreadable: that line is missing, and the next path is tried
    against it). sha256sum prints ``HEX  PATH`` (``\\HEX  ESCAPED`` for a name with a newline
    or backslash, coreutils >= 6); openssl ``SHA256(PATH)= HEX`` (``SHA2-256`` in 3.x)."""
    tool, _, rest = data.partition(b"\n")
    tool = tool.decode("ascii", "replace")
    found: list = []
    Digests(tool, paths, lambda path, digest: found.append(digest))(rest, True)
    return tool, found


class Digests:
    """``parse_digests`` one path at a time, for output without its tool line that comes in
    pieces (a ``take`` of ``frames.Pieces``): ``found(path, digest or None)`` for each path of
    ``paths`` in order; nothing is kept (a restore checks 100,000 of them)."""

    def __init__(self, tool: str, paths, found):
        self.tool, self.paths, self.found = tool, iter(paths), found
        self.path = next(self.paths, None)

    def __call__(self, data: bytes, final: bool) -> int:
        pos = 0
        while self.path is not None:
            if not final and len(data) - pos < 2 * len(self.path) + 110:
                break  # this path's line may not be whole yet: _digest_at reads less than that
            digest, end = _digest_at(self.tool, data, pos, self.path)
            self.found(self.path, digest)
            if digest is not None:
                pos = end
            self.path = next(self.paths, None)
        return pos if self.path is not None else len(data)


def each_name(data: bytes):
    """The NUL-terminated names of ``data``, one at a time."""
    start = 0
    while (end := data.find(b"\0", start)) >= 0:
        yield bytes(data[start:end])
        start = end + 1


def _digest_at(tool: str, data: bytes, pos: int, path: bytes) -> tuple[bytes | None, int]:
    if tool == "sha256sum":
        escaped = data[pos:pos + 1] == b"\\"
        start = pos + escaped
        name = path.replace(b"\\", b"\\\\").replace(b"\n", b"\\n") if escaped else path
        hexpart = data[start:start + 64]
        line = hexpart + b"  " + name + b"\n"
        if _HEX.fullmatch(hexpart) and data.startswith(line, start):
            return bytes.fromhex(hexpart.decode()), start + len(line)
        return None, pos
    if tool == "openssl":
        paren = data.find(b"(", pos, pos + 32)
        if paren < 0 or not data.startswith(path + b")= ", paren + 1):
            return None, pos
        start = paren + 1 + len(path) + 3
        hexpart = data[start:start + 64]
        if _HEX.fullmatch(hexpart) and data[start + 64:start + 65] == b"\n":
            return bytes.fromhex(hexpart.decode()), start + 65
    return None, pos
