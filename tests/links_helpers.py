"""A temp node root laid out like an Elastix HA node, an "upgrade" that breaks its links, and
full listings (kind, mode, owner, times, digest, link text) to compare trees exactly."""

from __future__ import annotations

import glob
import hashlib
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from elastix_halint.noderoot.linkmap import ELASTIX_PATHS

PROC_DRBD_PRIMARY = """version: 8.3.13 (api:88/proto:86-96)
GIT-hash: 83ca112086600faacab2f157bc5a9324f7bd7f77 build by dag@Build64R6, 2012-09-04 12:06:10
 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----
    ns:1120832 nr:0 dw:0 dr:1133040 al:0 bm:131 lo:0 pe:0 ua:0 ap:0 ep:1 wo:b oos:0
"""
PROC_DRBD_SECONDARY = PROC_DRBD_PRIMARY.replace("ro:Primary/Secondary", "ro:Secondary/Primary")
MOUNTS = "/dev/sda1 / ext3 rw 0 0\n/dev/drbd0 /replica ext3 rw,relatime 0 0\n"
STATE_DIR = "var/lib/halint"
IS_ROOT = os.geteuid() == 0
OLD = 1_300_000_000_000_000_000  # 2011: when the cluster was built
NEW = 1_700_000_000_000_000_000  # 2023: when the upgrade ran


def write(path: Path, text: str, mode: int = 0o644, owner: tuple[int, int] | None = None, mtime_ns: int = OLD) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.chmod(path, mode)
    if owner and IS_ROOT:
        os.chown(path, *owner)
    os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def make_node(base: Path, primary: bool = True, mounted: bool = True) -> Path:
    """A healthy node: the seven HOWTO paths are links into /replica, which holds their data."""
    root = base / "node"
    write(root / "proc/drbd", PROC_DRBD_PRIMARY if primary else PROC_DRBD_SECONDARY)
    write(root / "proc/mounts", MOUNTS if mounted else "/dev/sda1 / ext3 rw 0 0\n")
    for number, path in enumerate(ELASTIX_PATHS):
        data = root / "replica" / path.lstrip("/")
        write(data / "README", f"data of {path}\n")
        write(data / "sub" / f"file{number}.conf", f"setting = {number}\n" * (number + 1), mode=0o640, owner=(100 + number, 200))
        link = root / path.lstrip("/")
        link.parent.mkdir(parents=True, exist_ok=True)
        # The HOWTO writes most targets with a trailing slash: that is fine.
        os.symlink(f"/replica{path}/" if path != "/var/www" else f"/replica{path}", link)
    write(root / "replica/etc/asterisk/sip.conf", "[general]\ncontext=default\n", mode=0o640, owner=(100, 101))
    write(root / "replica/etc/asterisk/extensions.conf", "[default]\nexten => 100,1,Dial(SIP/100)\n")
    return root


def simulate_upgrade(root: Path) -> None:
    """What `yum update` does to a cluster node, one broken link of each kind."""
    asterisk = root / "etc/asterisk"
    asterisk.unlink()
    write(asterisk / "sip.conf", "[general]\ncontext=default\nnat=yes\n", mode=0o640, owner=(100, 101), mtime_ns=NEW)  # changed
    write(asterisk / "extensions.conf", "[default]\nexten => 100,1,Dial(SIP/100)\n", mtime_ns=NEW)  # unchanged
    write(asterisk / "features.conf", "[featuremap]\nblindxfer=#1\n", mode=0o600, owner=(100, 101), mtime_ns=NEW)  # new
    write(asterisk / "new.d" / "pjsip.conf", "[transport-udp]\ntype=transport\n", mode=0o604, owner=(102, 103), mtime_ns=NEW)
    os.symlink("sip.conf", asterisk / "sip-alias.conf")
    os.utime(asterisk / "new.d", ns=(NEW, NEW))
    os.utime(asterisk, ns=(NEW, NEW))
    (root / "var/www").unlink()  # missing
    mysql = root / "var/lib/mysql"
    mysql.unlink()
    write(root / "opt/mysql-elsewhere/ibdata1", "elsewhere\n")
    os.symlink("/opt/mysql-elsewhere", mysql)  # wrong-target
    replica_lib = root / "replica/var/lib/asterisk"
    for child in sorted(replica_lib.rglob("*"), reverse=True):
        child.unlink() if not child.is_dir() else child.rmdir()
    replica_lib.rmdir()  # /var/lib/asterisk now dangles


def _digest(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def listing(root: Path, times: bool = True, grain_ns: int = 1) -> dict[str, tuple]:
    """Every entry under ``root`` except halint's own state: what `undo` must restore exactly
    (mtimes to ``grain_ns``: a node whose touch sets whole seconds only restores those)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir == STATE_DIR or rel_dir.startswith(STATE_DIR + "/"):
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if rel == STATE_DIR:
                continue
            st = os.lstat(full)
            if os.path.islink(full):
                extra = ("link", os.readlink(full))
            elif os.path.isdir(full):
                extra = ("dir",)
            elif stat.S_ISREG(st.st_mode):
                extra = ("file", _digest(full))
            else:  # a fifo or socket: its type is all there is (reading a fifo would block)
                extra = ("special", stat.S_IFMT(st.st_mode))
            # Creating halint's state dir changes its parents' times: that is halint's, not the tree's.
            stamp = (st.st_mtime_ns // grain_ns,) if times and not STATE_DIR.startswith(rel + "/") else ()
            out[rel] = extra + (st.st_mode, st.st_uid, st.st_gid) + stamp
    return out


def digests(root: Path) -> set[str]:
    """Digests of every regular file: "nothing lost" means none of these disappears."""
    return {entry[1] for entry in listing(root, times=False).values() if entry[0] == "file"}


def links_args(root: Path, *args: str) -> list[str]:
    return ["links", *args, "--root", str(root)]


STEP_DELAY = "0.01"  # seconds per pause; a full repair then takes ~0.5 s, so kills land mid-way


def start_halint(root: Path, *args: str) -> subprocess.Popen:
    """Start a slowed-down `halint links ...` in the background (to be killed)."""
    env = dict(os.environ, HALINT_TEST_STEP_DELAY=STEP_DELAY, NO_COLOR="1")
    cmd = [sys.executable, "-m", "elastix_halint", *links_args(root, *args)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def journal_lines(root: Path) -> int:
    found = sorted(glob.glob(str(root / STATE_DIR / "links/*.journal")))
    if not found:
        return 0
    with open(found[-1]) as fh:
        return sum(1 for _ in fh)


def kill_after(proc: subprocess.Popen, root: Path, lines: int, jitter: float) -> None:
    """SIGKILL once the journal has ``lines`` lines (0: do not wait for it), plus ``jitter`` s."""
    deadline = time.monotonic() + 20
    while lines and journal_lines(root) < lines and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(jitter)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()
