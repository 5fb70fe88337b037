"""Tar headers for manifest entries, the way GNU tar writes them in pax format.

mtime is whole seconds in the ustar field: the manifest keeps nanoseconds and halint restores
them; a pax ``mtime`` record per member would double the headers restore has to parse (with
Python's tarfile, ~60 us each) for the benefit of GNU-tar-only restores. xattrs go into ``SCHILY.xattr.NAME`` records (``tar --xattrs``) and the SELinux label
also into ``RHT.security.selinux`` (``tar --selinux``).
"""

from __future__ import annotations

import functools
import tarfile
import zlib

from elastix_halint.snapshot.manifest import DIR, Entry

SELINUX = "security.selinux"
# pax records a genuine halint member may carry; anything else (path overrides, GNU sparse
# maps, link paths...) makes restore refuse the archive.
ALLOWED_PAX = {"mtime", "uid", "gid", "uname", "gname", "size", "path", "hdrcharset", "atime", "ctime"}
XATTR_PREFIXES = ("SCHILY.xattr.", "RHT.")


def tarinfo_for(entry: Entry) -> tarfile.TarInfo:
    info = tarfile.TarInfo(entry.member + ("/" if entry.type == DIR else ""))
    info.type = tarfile.DIRTYPE if entry.type == DIR else tarfile.REGTYPE
    info.size = entry.size if entry.type != DIR else 0
    info.mode = entry.mode
    info.uid, info.gid = entry.uid, entry.gid
    info.uname, info.gname = entry.user, entry.group
    info.mtime = entry.mtime_ns // 1_000_000_000
    pax = {}
    for name, value in entry.xattr_bytes().items():
        text = value.decode("utf-8", "surrogateescape")
        pax[f"SCHILY.xattr.{name}"] = text
        if name == SELINUX:
            pax["RHT.security.selinux"] = text.rstrip("\x00")
    info.pax_headers = pax
    return info


def meta_tarinfo(name: str, size: int, mtime: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, mtime
    return info


def unexpected_pax(info: tarfile.TarInfo) -> list[str]:
    """pax records no halint writer would produce for this member."""
    odd = [k for k in info.pax_headers if k not in ALLOWED_PAX and not k.startswith(XATTR_PREFIXES)]
    path = info.pax_headers.get("path")
    # tarfile writes a pax path only when the name does not fit the ustar field (or is not
    # ASCII); a short ASCII one is an override hiding the real name from simple listers.
    if path is not None and len(path) <= 100 and path.isascii():
        odd.append("path")
    return odd


BLOCK = 512
RECORD = 20 * BLOCK
_USTAR_TAIL = b"ustar\x0000"


def padded(size: int) -> int:
    """The bytes ``size`` bytes of member data take in the archive: whole blocks."""
    return -(-size // BLOCK) * BLOCK


def _octal(value: int, width: int) -> bytes:
    return b"%0*o\x00" % (width - 1, value)


def _ustar(name: bytes, mode: int, uid: int, gid: int, size: int, mtime: int, kind: bytes,
           uname: bytes, gname: bytes) -> bytes:
    ids, tail, fixed_sum = _owner_fields(mode, uid, gid, kind, uname, gname)
    size_mtime = _octal(size, 12) + _octal(mtime, 12)
    # The checksum is the byte sum of the header with its own field as spaces. For up to 257
    # bytes (the name has at most 100 here), adler32's low half is exactly 1 + their sum.
    checksum = fixed_sum + (zlib.adler32(name + size_mtime) & 0xFFFF) - 1
    return b"".join((name.ljust(100, b"\x00"), ids, size_mtime, b"%06o\x00 " % checksum, tail))


@functools.lru_cache(maxsize=1024)
def _owner_fields(mode: int, uid: int, gid: int, kind: bytes, uname: bytes, gname: bytes) -> tuple[bytes, bytes, int]:
    """The header fields a member's owner, mode and type fix (the same for most members):
    mode/uid/gid, everything after the checksum, and their byte sum with the checksum's spaces."""
    ids = _octal(mode, 8) + _octal(uid, 8) + _octal(gid, 8)
    tail = b"".join((kind, bytes(100), _USTAR_TAIL, uname.ljust(32, b"\x00"), gname.ljust(32, b"\x00"),
                     _octal(0, 8), _octal(0, 8), bytes(167)))
    return ids, tail, sum(ids) + sum(tail) + sum(b" " * 8)


def _fits(entry: Entry, name: str) -> bool:
    return (name.isascii() and len(name) <= 100 and entry.user.isascii() and len(entry.user) < 32
            and entry.group.isascii() and len(entry.group) < 32 and entry.size < 8**11
            and entry.uid < 8**7 and entry.gid < 8**7 and not entry.xattrs and entry.mtime_ns >= 0)


def header_bytes(entry: Entry) -> bytes:
    """The pax header blocks of ``entry``; a fast path for the common case (tarfile's is slow)."""
    name = entry.member + ("/" if entry.type == DIR else "")
    if not _fits(entry, name):
        return tarinfo_for(entry).tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
    size = entry.size if entry.type != DIR else 0
    kind = b"5" if entry.type == DIR else b"0"
    return _ustar(name.encode(), entry.mode, entry.uid, entry.gid, size, entry.mtime_ns // 1_000_000_000, kind,
                  entry.user.encode(), entry.group.encode())


PAX_NAME = b"././@PaxHeader"


def pax_header(records: bytes, mtime: int) -> bytes:
    """A pax extended header ('x') carrying ``records``, for the member that follows."""
    return _ustar(PAX_NAME, 0o644, 0, 0, len(records), mtime, b"x", b"", b"") + records + bytes(-len(records) % BLOCK)


def _pax_record(key: str, value: str) -> bytes:
    body = f" {key}={value}\n".encode("utf-8", "surrogateescape")
    size = len(body) + 1
    while len(str(size)) + len(body) != size:
        size = len(str(size)) + len(body)
    return str(size).encode() + body


def send_header(entry: Entry) -> bytes:
    """The header of ``entry`` in the plain tar restore --ssh sends to a node's own tar: as in
    the archive, but without xattrs (set afterwards with setfattr, after tar's chown) and with
    the nanosecond mtime in a pax ``mtime`` record (GNU tar >= 1.23 sets it; 1.15 reads the
    nine digits right and keeps the seconds; busybox keeps the ustar seconds)."""
    import dataclasses

    if entry.xattrs:
        entry = dataclasses.replace(entry, xattrs=None)
    seconds, fraction = divmod(entry.mtime_ns, 1_000_000_000)
    name = entry.member + ("/" if entry.type == DIR else "")
    if _fits(entry, name):
        mtime = _pax_record("mtime", f"{seconds}.{fraction:09d}") if fraction else b""
        return (pax_header(mtime, seconds) if mtime else b"") + header_bytes(entry)
    info = tarinfo_for(entry)
    if fraction:
        info.pax_headers = {**info.pax_headers, "mtime": f"{seconds}.{fraction:09d}"}
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


class TarWriter:
    """A minimal pax tar writer: headers, data padded to blocks, end blocks, record padding.

    tarfile.TarFile keeps every TarInfo it writes (memory grows with the tree) and builds pax
    headers slowly; this writes the same bytes GNU tar and tarfile read, member after member.
    """

    def __init__(self, stream):
        self.stream, self.offset = stream, 0

    def _write(self, data) -> None:
        self.stream.write(data)
        self.offset += len(data)

    def add(self, header: bytes, size: int = 0, source=None, chunk: int = 1 << 20) -> None:
        self._write(header)
        left = size
        while left:
            data = source.read(min(chunk, left))
            if not data:
                raise OSError(f"short read while archiving ({left} bytes missing)")
            self._write(data)
            left -= len(data)
        if size % BLOCK:
            self._write(bytes(BLOCK - size % BLOCK))

    def add_bytes(self, header: bytes, data: bytes) -> None:
        self._write(header)
        if data:
            self._write(data)
        if len(data) % BLOCK:
            self._write(bytes(BLOCK - len(data) % BLOCK))

    def close(self) -> None:
        self._write(bytes(2 * BLOCK))
        if self.offset % RECORD:
            self._write(bytes(RECORD - self.offset % RECORD))
