"""Refusals, the lock, files changing while read, full and read-only disks (kill -9: test_snapshot_crash.py)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import run_halint
from snapshot_helpers import IS_ROOT, exact_state, halint_ok, make_node, take_snapshot, write


def _snapshot(root: Path, *extra: str):
    return run_halint("snapshot", "--root", str(root), "--out", str(root.parent / "backups"), "--quiet", *extra)


def _archives(folder: Path) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


@pytest.mark.parametrize("primary, mounted, service, expect", [
    (False, True, None, "not DRBD Primary"),
    (True, False, None, "/replica is not a mount point"),
    (True, True, "mysqld", "mysqld (pid 4242) running"),
    (True, True, "asterisk", "service asterisk stop"),
])
def test_refuses_unless_forced(tmp_path, primary, mounted, service, expect):
    root = make_node(tmp_path, primary=primary, mounted=mounted)
    if service:
        write(root / "proc/4242/comm", service + "\n")
    refused = _snapshot(root)
    assert refused.returncode == 2 and expect in refused.stderr and "--force" in refused.stderr
    assert _archives(tmp_path / "backups") == []
    forced = _snapshot(root, "--force")
    assert forced.returncode == 0, forced.stderr
    assert expect in forced.stderr and Path(forced.stdout.strip()).is_file()


def test_archive_name_says_host_and_time_and_out_cannot_be_inside_replica(tmp_path):
    root = make_node(tmp_path)
    archive = take_snapshot(root)
    host = socket.gethostname().split(".")[0]
    assert archive.name.startswith(f"halint-snapshot-{host}-20") and archive.name.endswith("Z.tar.zst")
    inside = run_halint("snapshot", "--root", str(root), "--out", str(root / "replica/backups"))
    assert inside.returncode == 2 and "inside the replica" in inside.stderr


def test_default_out_is_var_backups_under_the_root(tmp_path):
    root = make_node(tmp_path)
    result = halint_ok("snapshot", "--root", str(root), "--quiet")
    assert Path(result.stdout.strip()).parent == root / "var/backups/halint"


def test_live_lock_gives_exit_3_and_names_the_holder(tmp_path):
    root = make_node(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock = {"host": socket.gethostname(), "pid": holder.pid, "started": time.time(), "command": "halint snapshot"}
        write(root / "var/lock/halint.lock", json.dumps(lock))
        result = _snapshot(root)
        assert result.returncode == 3
        assert f"pid {holder.pid} on host {socket.gethostname()}" in result.stderr
        assert _archives(tmp_path / "backups") == []
    finally:
        holder.kill()
        holder.wait()


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    root = make_node(tmp_path)
    dead = subprocess.Popen(["true"])
    dead.wait()
    lock = {"host": socket.gethostname(), "pid": dead.pid, "started": 0, "command": "halint snapshot"}
    write(root / "var/lock/halint.lock", json.dumps(lock))
    result = _snapshot(root)
    assert result.returncode == 0, result.stderr
    assert f"taking over a stale lock of pid {dead.pid}" in result.stderr
    assert not (root / "var/lock/halint.lock").exists()


def test_snapshot_leaves_the_tree_it_reads_exactly_as_it_was(tmp_path):
    """A root without /var/lock: the lock goes to this machine's lock folder, not into the tree."""
    from elastix_halint.noderoot.root import NodeRoot
    from elastix_halint.snapshot.lock import lock_path

    root = make_node(tmp_path, lock_dir=False)
    before = exact_state(root)
    result = _snapshot(root)
    assert result.returncode == 0, result.stderr
    assert not (root / "var/lock").exists()
    assert exact_state(root) == before
    # ... and that lock is the one snapshot and restore of this root take: a live holder there
    # stops both, with exit 3 naming the file.
    where = lock_path(NodeRoot(str(root)))
    assert not where.startswith(str(root)) and not os.path.exists(where)
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        Path(where).write_text(json.dumps({"host": socket.gethostname(), "pid": holder.pid, "started": time.time(),
                                           "command": "halint restore"}))
        for command in (["snapshot", "--root", str(root), "--out", str(tmp_path / "backups")],
                        ["restore", result.stdout.strip(), "--root", str(root)]):
            locked = run_halint(*command, "--quiet")
            assert locked.returncode == 3 and where in locked.stderr, locked.stderr
    finally:
        holder.kill()
        holder.wait()
        os.unlink(where)
    assert exact_state(root) == before


def test_restore_of_a_root_without_var_lock_does_not_create_it(tmp_path):
    root = make_node(tmp_path, lock_dir=False)
    archive = take_snapshot(root)
    (root / "replica/etc/asterisk/sip.conf").write_text("upgraded\n")
    halint_ok("restore", str(archive), "--root", str(root), "--quiet")
    assert (root / "replica/etc/asterisk/sip.conf").read_text().startswith("[general]")
    assert not (root / "var/lock").exists()


def _keep_writing(path: Path, stop: threading.Event) -> None:
    n = 0
    while not stop.is_set():
        with open(path, "a") as fh:
            fh.write(f"line {n}\n" * 50)
        n += 1
        time.sleep(0.0005)


@pytest.fixture
def busy_log(tmp_path):
    root = make_node(tmp_path)
    log = root / "replica/var/log/asterisk/full"
    write(log, "start\n")
    stop = threading.Event()
    writer = threading.Thread(target=_keep_writing, args=(log, stop), daemon=True)
    writer.start()
    yield root
    stop.set()
    writer.join()


@pytest.mark.parametrize("kind", ["zstd", "gzip"])  # hashed while archived / hashed first
def test_file_changing_while_read_leaves_no_archive(busy_log, tmp_path, kind):
    result = _snapshot(busy_log, "--compress", kind)
    assert result.returncode == 2, result.stderr
    assert "/replica/var/log/asterisk/full" in result.stderr and "no archive was written" in result.stderr
    assert _archives(tmp_path / "backups") == []


def test_forced_snapshot_of_a_changing_file_is_marked_incomplete(busy_log, tmp_path):
    result = _snapshot(busy_log, "--force")
    assert result.returncode == 0, result.stderr
    assert "INCOMPLETE" in result.stderr
    archive = result.stdout.strip()
    verify = run_halint("verify", archive)
    assert verify.returncode == 1 and "replica/var/log/asterisk/full" in verify.stdout
    restore = run_halint("restore", archive, "--root", str(busy_log), "--dry-run")
    assert restore.returncode == 2 and "incomplete" in restore.stderr


def _mount_tmpfs(where: Path, *options: str) -> None:
    where.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(("size=1M",) + options), "tmpfs", str(where)], check=True)


@pytest.mark.skipif(not IS_ROOT, reason="mounting a small tmpfs needs root")
@pytest.mark.parametrize("options, message", [((), "no space left on device"), (("ro",), "Read-only file system")])
def test_full_or_read_only_disk_leaves_no_archive(tmp_path, options, message):
    root = make_node(tmp_path)
    write(root / "replica/var/spool/asterisk/monitor/big.wav", os.urandom(3 << 20))
    out = tmp_path / "small"
    try:
        _mount_tmpfs(out, *options)
    except subprocess.CalledProcessError:
        pytest.skip("cannot mount tmpfs here")
    try:
        result = run_halint("snapshot", "--root", str(root), "--out", str(out), "--quiet")
        assert result.returncode == 2, result.stderr
        assert message in result.stderr and "Traceback" not in result.stderr
        assert os.listdir(out) == []
    finally:
        subprocess.run(["umount", str(out)], check=True)


def test_an_archive_is_sent_to_disk_as_it_is_written_and_still_lands_whole(tmp_path, monkeypatch):
    """AtomicFile starts the kernel's writeback every EVERY bytes (so that the fsync before the
    rename has little left to do); the file is still complete, 0600, and only under its name,
    and the writeback thread is gone with it."""
    from elastix_halint.snapshot import atomic

    started = []
    monkeypatch.setattr(atomic._WriteBehind, "EVERY", 100_000)
    monkeypatch.setattr(atomic, "start_writeback", lambda fd: started.append(os.fstat(fd).st_ino))
    data = os.urandom(1_000_003)
    final = tmp_path / "a.tar.zst"
    with atomic.AtomicFile(str(final)) as fh:
        for at in range(0, len(data), 77_777):
            fh.write(data[at : at + 77_777])
        assert not final.exists()
    assert final.read_bytes() == data and final.stat().st_mode & 0o777 == 0o600
    assert os.listdir(tmp_path) == ["a.tar.zst"]
    # Asked for every 2 writes, on a thread of its own (requests made while it works count once),
    # on the archive itself, and all done before the file was renamed.
    assert 1 <= len(started) <= len(data) // 155_554 and set(started) == {final.stat().st_ino}
    atomic.start_writeback(os.open(final, os.O_RDONLY))  # the real call: a hint, never an error


def test_restore_refuses_on_a_secondary_unless_forced(tmp_path):
    root = make_node(tmp_path)
    archive = take_snapshot(root)
    (root / "proc/drbd").write_text((root / "proc/drbd").read_text().replace("Primary/Secondary", "Secondary/Primary"))
    (root / "replica/etc/asterisk/sip.conf").write_text("edited")
    refused = run_halint("restore", str(archive), "--root", str(root))
    assert refused.returncode == 2 and "not DRBD Primary" in refused.stderr
    assert (root / "replica/etc/asterisk/sip.conf").read_text() == "edited"
    halint_ok("restore", str(archive), "--root", str(root), "--force", "--quiet")
    assert (root / "replica/etc/asterisk/sip.conf").read_text().startswith("[general]")


def test_the_lock_never_exists_without_its_record(tmp_path, monkeypatch):
    """A kill between creating the lock and writing it used to leave an empty lock that every
    later run refused as unreadable: the record is now written first and linked into place."""
    from elastix_halint.snapshot import lock

    path = str(tmp_path / "halint.lock")

    def killed(fd, data):
        raise KeyboardInterrupt  # stands for the kill -9 that lands mid-write

    with monkeypatch.context() as patch:
        patch.setattr(os, "write", killed)
        with pytest.raises(KeyboardInterrupt):
            lock._try_create(path, b'{"pid": 1}')
    assert not os.path.exists(path)
    assert lock._try_create(path, b'{"pid": 1}') and open(path, "rb").read() == b'{"pid": 1}'
    assert not lock._try_create(path, b'{"pid": 2}') and open(path, "rb").read() == b'{"pid": 1}'
    assert os.listdir(tmp_path) == ["halint.lock"]  # no temporary name left behind


def test_the_lock_is_created_in_place_where_hard_links_are_refused(tmp_path, monkeypatch):
    from elastix_halint.snapshot import lock

    path = str(tmp_path / "halint.lock")

    def refused(src, dst):
        raise PermissionError(1, "Operation not permitted")  # vfat, some FUSE file systems

    monkeypatch.setattr(os, "link", refused)
    assert lock._try_create(path, b'{"pid": 1}') and open(path, "rb").read() == b'{"pid": 1}'
    assert not lock._try_create(path, b'{"pid": 2}')
    assert os.listdir(tmp_path) == ["halint.lock"]
