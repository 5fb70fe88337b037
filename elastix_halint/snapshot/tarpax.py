"""Tar headers for manifest entries, the way GNU tar writes them in pax format.

mtime goes into a pax ``mtime`` record with all nine decimals (tarfile would round it through a
float); xattrs go into ``SCHILY.xattr.NAME`` records (``tar --xattrs``) and the SELinux label
also into ``RHT.security.selinux`` (``tar --selinux``).
"""

from __future__ import annotations

import tarfile

from elastix_halint.snapshot.manifest import DIR, Entry

SELINUX = "security.selinux"
# pax records a genuine halint member may carry; anything else (path overrides, GNU sparse
# maps, link paths...) makes restore refuse the archive.
ALLOWED_PAX = {"mtime", "uid", "gid", "uname", "gname", "size", "path", "hdrcharset", "atime", "ctime"}
XATTR_PREFIXES = ("SCHILY.xattr.", "RHT.")


def mtime_text(mtime_ns: int) -> str:
    seconds, nanos = divmod(mtime_ns, 1_000_000_000)
    return f"{seconds}.{nanos:09d}"


def tarinfo_for(entry: Entry) -> tarfile.TarInfo:
    info = tarfile.TarInfo(entry.member + ("/" if entry.type == DIR else ""))
    info.type = tarfile.DIRTYPE if entry.type == DIR else tarfile.REGTYPE
    info.size = entry.size if entry.type != DIR else 0
    info.mode = entry.mode
    info.uid, info.gid = entry.uid, entry.gid
    info.uname, info.gname = entry.user, entry.group
    info.mtime = entry.mtime_ns // 1_000_000_000
    pax = {}
    if entry.mtime_ns % 1_000_000_000:
        pax["mtime"] = mtime_text(entry.mtime_ns)
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


def member_mtime_ns(info: tarfile.TarInfo) -> int:
    text = info.pax_headers.get("mtime")
    if text is None:
        return int(info.mtime) * 1_000_000_000
    seconds, _, frac = text.partition(".")
    return int(seconds) * 1_000_000_000 + int((frac + "000000000")[:9] or 0)


def unexpected_pax(info: tarfile.TarInfo) -> list[str]:
    """pax records no halint writer would produce for this member."""
    odd = [k for k in info.pax_headers if k not in ALLOWED_PAX and not k.startswith(XATTR_PREFIXES)]
    path = info.pax_headers.get("path")
    # tarfile writes a pax path only when the name does not fit the ustar field (or is not
    # ASCII); a short ASCII one is an override hiding the real name from simple listers.
    if path is not None and len(path) <= 100 and path.isascii():
        odd.append("path")
    return odd
