"""Extraction into a fresh staging directory through ``tarsafe.TarSafe``.

TarSafe re-checks every member for traversal, links and devices; our ``extraction_filter``
(instance attribute: TarSafe's ``extractall`` has no ``filter=``) refuses anything but plain
directories and files and undeclared setuid/setgid, and keeps ownership. Files are written
with O_EXCL|O_NOFOLLOW (the staging dir is fresh, so nothing may be there already), hashed
as they are written (the digest check needs no second read) and, when the manifest marks
them sparse, written with holes. Attributes are left to ``attrs`` (borg's order).
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
import tarfile

from tarsafe import TarSafe

from elastix_halint.snapshot.crashpoints import reached

SPARSE_BLOCK = 64 << 10


class RefusedMember(tarfile.FilterError):
    def __init__(self, tarinfo, why: str):
        super().__init__(f"{tarinfo.name}: {why}", tarinfo)


def make_filter(expected: dict):
    def halint_filter(member: tarfile.TarInfo, dest_path: str) -> tarfile.TarInfo:
        entry = expected.get(member.name)
        if not (member.isreg() or member.isdir()):
            raise RefusedMember(member, "only directories and regular files may be extracted")
        if entry is None:
            raise RefusedMember(member, "not selected from the manifest")
        if member.mode & (stat.S_ISUID | stat.S_ISGID) & ~entry.mode:
            raise RefusedMember(member, "setuid/setgid bit not declared in the manifest")
        return member  # ownership, mode and times are kept (applied later from the manifest)

    return halint_filter


_NO_PAX: dict = {}


class StagingTar(TarSafe):
    """TarSafe that writes verified, sparse-aware files and leaves attributes to us."""

    expected: dict = {}
    bad: list
    written: set
    on_bytes = None
    checker = None  # a prescan.MemberChecker: sees each member once, as it is read
    changed_late: set = frozenset()  # members the trailer lists as changed while archived

    def next(self):
        info = super().next()
        if info is not None and self.checker is not None:
            self.checker.check(info)
            # Checked: extraction needs no pax records, and 100,000 members must stay small.
            info.pax_headers = _NO_PAX
            info.uname, info.gname = sys.intern(info.uname), sys.intern(info.gname)
        return info

    def prepare(self, expected: dict, on_bytes=None) -> None:
        self.expected, self.bad, self.written, self.on_bytes = expected, [], set(), on_bytes
        self.extraction_filter = make_filter(expected)
        self.errorlevel = 2
        self.copybufsize = 1 << 20

    def makefile(self, tarinfo, targetpath):
        entry = self.expected[tarinfo.name]
        source = self.fileobj
        source.seek(tarinfo.offset_data)
        digest = hashlib.sha256()
        fd = os.open(targetpath, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            block = SPARSE_BLOCK if entry.sparse else 1 << 20
            zeros = bytes(block) if entry.sparse else None
            left = tarinfo.size
            while left:
                chunk = source.read(min(block, left))
                if not chunk:
                    raise tarfile.ReadError(f"{tarinfo.name}: unexpected end of data")
                digest.update(chunk)
                left -= len(chunk)
                if zeros is not None and chunk == zeros[: len(chunk)]:
                    os.lseek(fd, len(chunk), os.SEEK_CUR)  # leave a hole
                else:
                    _write_all(fd, chunk)
                if self.on_bytes:
                    self.on_bytes(len(chunk))
            os.ftruncate(fd, tarinfo.size)
        finally:
            os.close(fd)
        if f"sha256:{digest.hexdigest()}" != entry.digest:
            self.bad.append(tarinfo.name)
        self.written.add(tarinfo.name)
        reached("extracted-file")

    # Attributes are applied from the manifest afterwards, in borg's order.
    def chown(self, tarinfo, targetpath, numeric_owner):
        pass

    def chmod(self, tarinfo, targetpath):
        pass

    def utime(self, tarinfo, targetpath):
        pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
