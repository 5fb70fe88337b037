"""A fake node root in a temp dir: etc/ files with secrets, /proc files, Elastix symlinks."""

from __future__ import annotations

import os
from pathlib import Path

DRBD_SECRET = "CentOSru!3z"
AUTHKEYS_KEY = "MySecret"

FILES = {
    "etc/drbd.conf": f'global {{ usage-count no; }}\ncommon {{ net {{ cram-hmac-alg "sha1"; shared-secret "{DRBD_SECRET}"; }} }}\ninclude "/etc/drbd.d/*.res";\n',
    "etc/drbd.d/r0.res": (
        "resource r0 {\n  protocol C;\n  net { shared-secret plain-secret-9; }\n"
        "  on voipserver.drbd { device /dev/drbd0; disk /dev/sda3; address 10.1.1.1:7788; meta-disk internal; }\n"
        "  on voipbackup.drbd { device /dev/drbd0; disk /dev/sda3; address 10.1.1.2:7788; meta-disk internal; }\n}\n"
    ),
    "etc/ha.d/ha.cf": "keepalive 2\ndeadtime 30\nbcast eth1\nauto_failback on\nnode voipserver.drbd\nnode voipbackup.drbd\n",
    "etc/ha.d/authkeys": f"# keys\nauth 1\n1 sha1 {AUTHKEYS_KEY}\n",
    "etc/ha.d/haresources": "voipserver.drbd drbddisk::r0 Filesystem::/dev/drbd0::/replica::ext3 mysqld asterisk httpd\n",
    "etc/hosts": "127.0.0.1 localhost\n10.1.1.1 voipserver.drbd\n10.1.1.2 voipbackup.drbd\n",
    "etc/hostname": "voipserver.drbd\n",
    "proc/partitions": "major minor  #blocks  name\n\n   8     0  488386584 sda\n   8     3  428919435 sda3\n",
    "proc/drbd": (
        "version: 8.3.13 (api:88/proto:86-96)\n"
        " 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n"
        "    ns:1 nr:0 dw:1 dr:1 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:b oos:0\n"
    ),
    "etc/rc.d/init.d/drbd": "#!/bin/sh\n",
    "etc/rc.d/init.d/asterisk": "#!/bin/sh\n",
    "replica/etc/asterisk/sip.conf": "[general]\n",
    "var/lib/mysql/ibdata1": "data\n",  # a real directory where the HOWTO wants a link
}
LINKS = {
    "etc/asterisk": "/replica/etc/asterisk",
    "var/www": "/replica/var/www",
    "etc/rc.d/rc3.d/S70drbd": "../init.d/drbd",
    "etc/rc.d/rc3.d/K10asterisk": "../init.d/asterisk",
}


def make_root(base: Path, name: str = "root") -> Path:
    root = base / name
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        path.chmod(0o644)
    (root / "etc/ha.d/authkeys").chmod(0o600)
    for rel, target in LINKS.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, path)
    for level in range(7):
        (root / f"etc/rc.d/rc{level}.d").mkdir(parents=True, exist_ok=True)
    return root


def tree_state(root: Path) -> dict:
    """Every path under ``root`` with its type, mode, content or link target."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            if path.is_symlink():
                state[str(path.relative_to(root))] = ("link", os.readlink(path))
            elif path.is_dir():
                state[str(path.relative_to(root))] = ("dir", st.st_mode)
            elif not path.is_file():  # a FIFO or device: opening it could block
                state[str(path.relative_to(root))] = ("special", st.st_mode, st.st_mtime_ns)
            else:
                state[str(path.relative_to(root))] = ("file", st.st_mode, path.read_bytes(), st.st_mtime_ns)
    return state


def bundle_texts(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def make_odd_root(base: Path, name: str = "odd") -> Path:
    """A root with everything collect must carry exactly: CRLF and relative/absolute includes
    (one only in a comment), file names with newlines, quotes, UTF-8 and invalid UTF-8, binary
    drbd files, a symlinked authkeys, an empty ha.cf, a folder where /etc/hosts belongs, the
    hostname only in /etc/sysconfig/network, Debian's /etc/init.d layout, and at the link
    paths: a target with control characters, a dangling link, a link loop, a FIFO, an empty
    file and a folder owned by an id without a name."""
    root = base / name
    etc = root / "etc"
    (etc / "drbd.d" / "sub").mkdir(parents=True)
    (etc / "cluster").mkdir()
    (etc / "drbd.conf").write_bytes(
        b'global { usage-count no; }\r\ninclude "drbd.d/*.conf";\r\n  include /etc/cluster/*.res ;\r\n'
        b'# include "/etc/notincluded/*";\r\ncommon { net { shared-secret "S3cr3t!"; } }\r\n'
    )
    (root / "etc/notincluded").mkdir()
    (root / "etc/notincluded/x.res").write_text("resource x {}\n")
    (etc / "drbd.d/global_common.conf").write_text("common { protocol C; }\n")
    (etc / "drbd.d/r0.conf").write_text('resource r0 { net { shared-secret "r0-key"; } }\n')
    (etc / "drbd.d/.hidden.conf").write_text("hidden\n")
    (etc / "drbd.d/we\nird.conf").write_text("# newline in the name\n")
    (etc / "drbd.d/café's.conf").write_text("# quote and UTF-8\n")
    (etc / os.fsdecode(b"drbd.d/bad\xff.conf")).write_bytes(b"# invalid UTF-8 \xff\xfe\n")
    os.symlink("r0.conf", etc / "drbd.d/link.conf")
    os.symlink("nowhere.conf", etc / "drbd.d/dangling.conf")
    (etc / "cluster/r1.res").write_bytes(b"resource r1 {}\n\x00\xff binary\n")
    (etc / "ha.d").mkdir()
    (etc / "ha.d/ha.cf").write_bytes(b"")
    (etc / "ha.d/authkeys.real").write_text("auth 2\n2 md5 0dd-K3y\n")
    (etc / "ha.d/authkeys.real").chmod(0o600)
    os.symlink("authkeys.real", etc / "ha.d/authkeys")
    (etc / "hosts").mkdir()
    (etc / "sysconfig").mkdir()
    (etc / "sysconfig/network").write_text('NETWORKING=yes\nHOSTNAME="odd-node.example"\n')
    (etc / "init.d").mkdir()
    for service in ("heartbeat", "mysqld", "drbd"):
        (etc / "init.d" / service).write_text("#!/bin/sh\n")
    (etc / "init.d/.depend.start").write_text("")
    (etc / "init.d/subdir").mkdir()
    for level in range(7):
        (etc / f"rc{level}.d").mkdir()
    os.symlink("../init.d/heartbeat", etc / "rc2.d/S20heartbeat")
    os.symlink("../init.d/mysqld", etc / "rc2.d/K01mysqld")
    os.symlink("../init.d/drbd", etc / "rc5.d/S15drbd")
    os.symlink("/replica/etc/aster\nisk\x01", etc / "asterisk")
    (root / "var/lib").mkdir(parents=True)
    os.symlink("/replica/var/lib/asterisk", root / "var/lib/asterisk")
    (root / "usr/lib").mkdir(parents=True)
    os.symlink("asterisk", root / "usr/lib/asterisk")  # a loop: lstat works, stat does not
    (root / "var/spool").mkdir()
    os.mkfifo(root / "var/spool/asterisk")
    (root / "var/log").mkdir()
    (root / "var/log/asterisk").write_bytes(b"")
    (root / "var/www").mkdir()
    (root / "replica").mkdir(mode=0o750)
    (root / "replica").chmod(0o750)
    if os.geteuid() == 0:
        os.chown(root / "replica", 54321, 54321)  # ids with no name in /etc/passwd
    (root / "proc").mkdir()
    (root / "proc/partitions").write_text("major minor  #blocks  name\n\n   8     0  1000 sda\n")
    return root


def make_bare_root(base: Path, name: str = "bare-node") -> Path:
    """An empty root: the node is named after its folder and every fact says "absent"."""
    root = base / name
    root.mkdir()
    return root


ROOT_MAKERS = {"howto": make_root, "odd": make_odd_root, "bare": make_bare_root}


def bundle_modes(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of a written node folder with its content and mode."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mode & 0o7777) for p in sorted(folder.rglob("*")) if p.is_file()}


def make_good_root(base: Path, name: str, node: str = "voipserver.drbd") -> Path:
    """A root that lints clean (info only) with its peer: tests/data/good-cluster's files for
    ``node``, authkeys 0600, and every Elastix path a link into /replica."""
    import shutil

    from elastix_halint.noderoot.linkmap import elastix

    good = Path(__file__).resolve().parent / "data" / "good-cluster" / node
    root = base / name
    shutil.copytree(good / "etc", root / "etc")
    if (good / "proc").is_dir():
        shutil.copytree(good / "proc", root / "proc")
    (root / "etc/ha.d/authkeys").chmod(0o600)
    for link in elastix().links:
        (root / link.target.lstrip("/")).mkdir(parents=True, exist_ok=True)
        (root / link.path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(link.target, root / link.path.lstrip("/"))
    return root
