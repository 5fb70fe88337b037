"""Shared helpers for the snapshot tests: a small Elastix-like node root and tree comparison."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import tarfile
from pathlib import Path

from conftest import run_halint

IS_ROOT = os.geteuid() == 0
PROC_DRBD_PRIMARY = (
    "version: 8.4.4 (api:1/proto:86-101)\n"
    " 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n"
    "    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n"
)


def write(path: Path, data: bytes | str, mode: int = 0o644, mtime_ns: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    os.chmod(path, mode)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def make_node(base: Path, primary: bool = True, mounted: bool = True, lock_dir: bool = True) -> Path:
    """A node root: /replica with the HOWTO's directories, link-map symlinks, proc files
    (and /var/lock, where halint keeps its lock, unless ``lock_dir`` is False)."""
    root = base / "node"
    rep = root / "replica"
    write(rep / "etc/asterisk/sip.conf", "[general]\nbindport=5060\n", 0o640, 1_600_000_000_123_456_789)
    write(rep / "etc/asterisk/extensions.conf", "[default]\nexten => 100,1,Dial(SIP/100)\n")
    write(rep / "etc/asterisk/manager.d/secret.conf", "secret=hunter2\n", 0o600)
    os.link(rep / "etc/asterisk/sip.conf", rep / "etc/asterisk/sip-hardlink.conf")
    os.symlink("sip.conf", rep / "etc/asterisk/sip-alias.conf")
    os.symlink("/replica/etc/asterisk/extensions.conf", rep / "etc/asterisk/abs-link.conf")
    (rep / "var/spool/asterisk/voicemail/default/100/INBOX").mkdir(parents=True)  # empty dirs
    write(rep / "var/spool/asterisk/monitor/call-1.wav", os.urandom(50_000))
    sparse = rep / "var/lib/mysql/ibdata1"
    write(sparse, b"")
    with open(sparse, "r+b") as fh:
        fh.seek(3 << 20)
        fh.write(b"tail-data")
    write(rep / "var/lib/mysql/asterisk/cdr.MYD", os.urandom(4096))
    write(rep / "usr/lib/asterisk/modules/app_x.so", b"\x7fELF" + os.urandom(1000), 0o4755)
    write(rep / "var/www/html/index.php", "<?php echo 1; ?>\n")
    (rep / "var/log/asterisk").mkdir(parents=True)
    os.setxattr(rep / "etc/asterisk/sip.conf", "user.halint", b"\x00\x01binary\xff")
    if IS_ROOT:
        os.chown(rep / "var/www/html/index.php", 48, 48)
        os.chown(rep / "var/lib/mysql/asterisk", 27, 27)
        os.setxattr(rep / "etc/asterisk/extensions.conf", "security.selinux", b"system_u:object_r:etc_t:s0\x00")
    for node_path in ("/etc/asterisk", "/var/lib/asterisk", "/usr/lib/asterisk", "/var/spool/asterisk",
                      "/var/lib/mysql", "/var/log/asterisk", "/var/www"):
        link = root / node_path.lstrip("/")
        link.parent.mkdir(parents=True, exist_ok=True)
        if (rep / node_path.lstrip("/")).exists():
            os.symlink("/replica" + node_path, link)
    if lock_dir:
        (root / "var/lock").mkdir(parents=True, exist_ok=True)
    write(root / "proc/mounts", "/dev/drbd0 /replica ext3 rw 0 0\n" if mounted else "/dev/vda / ext4 rw 0 0\n")
    write(root / "proc/drbd", PROC_DRBD_PRIMARY if primary else PROC_DRBD_PRIMARY.replace("Primary/Secondary", "Secondary/Primary"))
    return root


def tree_state(top: Path, skip=lambda name: ".halint" in name) -> dict:
    """Everything a restore must bring back, keyed by relative path."""
    state, groups = {}, {}
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = [d for d in dirnames if not skip(d)]
        for name in sorted(dirnames + filenames):
            if skip(name):
                continue
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            rel = os.path.relpath(path, top)
            xattrs = {n: os.getxattr(path, n, follow_symlinks=False) for n in os.listxattr(path, follow_symlinks=False)}
            item = {"mode": st.st_mode, "uid": st.st_uid, "gid": st.st_gid, "xattrs": xattrs}
            if stat.S_ISLNK(st.st_mode):
                item["target"] = os.readlink(path)
            else:
                item["mtime_ns"] = st.st_mtime_ns
            if stat.S_ISREG(st.st_mode):
                item["sha"] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
                item["sparse"] = st.st_blocks * 512 < st.st_size
                if st.st_nlink > 1:
                    item["group"] = groups.setdefault(st.st_ino, rel)
            state[rel] = item
    return state


def exact_state(top: Path) -> dict:
    """Every path under ``top`` (``top`` included) with all that reading must leave alone:
    type, mode, owner, size, inode, link count, mtime and ctime (ns), xattrs, link target,
    content digest. Any write, chmod, chown, xattr change, create or rename shows up here
    (the atime, which reading moves, is left out)."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for path in [dirpath] + [os.path.join(dirpath, n) for n in sorted(dirnames + filenames)]:
            rel = os.path.relpath(path, top)
            if rel in state:
                continue
            st = os.lstat(path)
            item = (st.st_mode, st.st_uid, st.st_gid, st.st_size, st.st_ino, st.st_nlink, st.st_mtime_ns,
                    st.st_ctime_ns, tuple(sorted((n, os.getxattr(path, n, follow_symlinks=False))
                                                 for n in os.listxattr(path, follow_symlinks=False))))
            if stat.S_ISLNK(st.st_mode):
                item += (os.readlink(path),)
            elif stat.S_ISREG(st.st_mode):
                item += (hashlib.sha256(Path(path).read_bytes()).hexdigest(),)
            state[rel] = item
    return state


def halint_ok(*args: str, env: dict | None = None):
    result = run_halint(*args, env=env)
    assert result.returncode == 0, result.stderr + result.stdout
    return result


def take_snapshot(root: Path, *extra: str) -> Path:
    out = root.parent / "backups"
    result = halint_ok("snapshot", "--root", str(root), "--out", str(out), "--quiet", *extra)
    return Path(result.stdout.strip())


# --- hand-made archives (hostile-archive tests) ------------------------------------------

def manifest_header(**changes) -> dict:
    header = {
        "format": "halint-snapshot/1", "tool": "halint", "version": "0", "hostname": "h", "created": "x",
        "replica": "/replica", "drbd_role": "Primary", "replica_mounted": True,
        "linkmap": {"name": "elastix", "mount": "/replica", "links": []}, "links": [],
    }
    header.update(changes)
    return header


def entry(path: str, type: str = "file", data: bytes = b"", **changes) -> dict:
    item = {"path": path, "type": type, "mode": 0o755 if type == "dir" else 0o644, "uid": 0, "gid": 0,
            "user": "root", "group": "root", "mtime_ns": 1_600_000_000_000_000_000, "size": len(data) if type == "file" else 0}
    if type == "file":
        item["digest"] = "sha256:" + hashlib.sha256(data).hexdigest()
    item.update(changes)
    return item


def build_archive(path: Path, entries: list[dict], members: list, header: dict | None = None, fmt=tarfile.PAX_FORMAT,
                  changed=(), manifest_sha256: str | None = None) -> Path:
    """A tar whose manifest lists ``entries``; ``members`` are (TarInfo, data-or-None) in order.
    ``changed`` and ``manifest_sha256`` set the trailer (default: nothing changed, the true digest)."""
    from elastix_halint.snapshot import manifest as m

    lines = [json.dumps(header or manifest_header())] + [json.dumps(e) for e in entries]
    manifest_bytes = ("\n".join(lines) + "\n").encode()
    snap_header, snap_entries = m.parse_manifest(manifest_bytes)
    links = m.links_script(snap_header, snap_entries)
    digest = manifest_sha256 or m.manifest_digest(manifest_bytes)
    trailer = json.dumps({"manifest_sha256": digest, "changed": list(changed)}).encode()
    with tarfile.open(path, "w", format=fmt) as tar:
        for name, data in ((m.MANIFEST_MEMBER, manifest_bytes), (m.LINKS_MEMBER, links)):
            tar.addfile(_info(name, len(data)), io.BytesIO(data))
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
        tar.addfile(_info(m.TRAILER_MEMBER, len(trailer)), io.BytesIO(trailer))
    return path


def _info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode = size, 0o600
    return info


def member(name: str, data: bytes | None = b"", type=tarfile.REGTYPE, mode: int = 0o644, **attrs) -> tuple:
    info = tarfile.TarInfo(name)
    info.type, info.mode = type, mode
    info.size = len(data) if data is not None and type == tarfile.REGTYPE else 0
    info.mtime = 1_600_000_000
    for key, value in attrs.items():
        setattr(info, key, value)
    return info, data if type == tarfile.REGTYPE else None
