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
            else:
                state[str(path.relative_to(root))] = ("file", st.st_mode, path.read_bytes(), st.st_mtime_ns)
    return state


def bundle_texts(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
