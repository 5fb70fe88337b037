"""halint snapshot and diff over ssh: the same archive as a local snapshot, the node untouched.

Against the loopback sshd of ``ssh_lab`` (a modern node and a busybox-only one) and, for the
shells a node may have, with the node-side scripts run here under dash, posh, mksh,
bash --posix and busybox sh alone.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO, run_halint
from remote_snapshot_helpers import SHELLS, add_odd_names, local_shell, manifest, ssh_halint, without_xattrs
from snapshot_helpers import IS_ROOT, exact_state, make_node, take_snapshot, write


@pytest.fixture(scope="module")
def odd_node(tmp_path_factory):
    base = tmp_path_factory.mktemp("odd")
    root = make_node(base)
    add_odd_names(root)
    return root, take_snapshot(root)


@pytest.mark.parametrize("alias", ["modern", "busybox"])
def test_remote_snapshot_holds_what_a_local_one_holds(ssh_lab, odd_node, tmp_path, alias):
    root, local = odd_node
    before = exact_state(root)
    done = ssh_halint(ssh_lab, "snapshot", "--ssh", f"{alias}:{root}", "--out", str(tmp_path / "out"), "--quiet")
    assert done.returncode == 0, done.stderr
    archive = Path(done.stdout.strip())
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600 and archive.parent == tmp_path / "out"
    remote_header, remote = manifest(archive)
    local_header, expected = manifest(local)
    if alias == "busybox":  # no getfattr: said, and recorded in the header
        assert "not captured" in done.stderr and remote_header.notes
        remote, expected = without_xattrs(remote), without_xattrs(expected)
    assert remote == expected
    assert remote_header.links == local_header.links and remote_header.drbd_role == "Primary"
    assert run_halint("verify", str(archive)).returncode == 0
    assert _tar_names(archive) == _tar_names(local)  # GNU tar lists it, with the same members
    assert exact_state(root) == before
    assert list(ssh_lab.node_tmp.iterdir()) == []


def _tar_names(archive) -> list[bytes]:
    return subprocess.run(["tar", "-tf", str(archive), "-I", "zstd"], capture_output=True, check=True).stdout.split(b"\n")


@pytest.mark.parametrize("shell", SHELLS)
def test_each_shell_gives_the_local_snapshot(odd_node, tmp_path, shell):
    """The node-side scripts under each shell a node may have; busybox sh with busybox alone."""
    from elastix_halint.snapshot.create import SnapshotOptions, snapshot
    from elastix_halint.snapshot.remote_snapshot import RemoteNode
    from sshd_helpers import make_busybox_bin

    root, local = odd_node
    path = str(make_busybox_bin(tmp_path / "bb")) if shell == "busybox sh" else None
    (tmp_path / "tmp").mkdir()
    node = local_shell(SHELLS[shell], path, tmp_path / "tmp")
    before = exact_state(root)
    outcome = snapshot(SnapshotOptions(str(root), out=str(tmp_path / "out"), quiet=True), lambda m: None,
                       node=RemoteNode(node, str(root)))
    remote, expected = manifest(outcome.path)[1], manifest(local)[1]
    if shell == "busybox sh":
        remote, expected = without_xattrs(remote), without_xattrs(expected)
    assert remote == expected
    assert exact_state(root) == before and list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.parametrize("kind", ["gzip", "none"])
def test_gzip_and_none_stream_the_files_twice_and_match(odd_node, tmp_path, kind):
    from elastix_halint.snapshot.create import SnapshotOptions, snapshot
    from elastix_halint.snapshot.remote_snapshot import RemoteNode

    root, local = odd_node
    outcome = snapshot(SnapshotOptions(str(root), out=str(tmp_path), compress=kind, quiet=True), lambda m: None,
                       node=RemoteNode(local_shell(("dash",)), str(root)))
    assert manifest(outcome.path)[1] == manifest(local)[1]
    assert run_halint("verify", outcome.path).returncode == 0


def test_the_tar_stream_comes_through_a_wide_pipe(odd_node, tmp_path, monkeypatch):
    """The node's tar stream is read from a 1 MiB pipe (64 KiB had ssh and halint take turns);
    the archive is the local snapshot's all the same."""
    import fcntl

    from elastix_halint.remote import shell
    from elastix_halint.snapshot import remote_snapshot
    from elastix_halint.snapshot.create import SnapshotOptions, snapshot

    sizes = []

    def widen(pipe):
        shell.widen(pipe)
        sizes.append(fcntl.fcntl(pipe.fileno(), fcntl.F_GETPIPE_SZ))

    monkeypatch.setattr(remote_snapshot, "widen", widen)
    root, local = odd_node
    outcome = snapshot(SnapshotOptions(str(root), out=str(tmp_path), quiet=True), lambda m: None,
                       node=remote_snapshot.RemoteNode(local_shell(("dash",)), str(root)))
    assert sizes == [shell.PIPE_SIZE]
    assert manifest(outcome.path)[1] == manifest(local)[1]


def test_refusals_are_decided_from_the_node(ssh_lab, tmp_path):
    root = make_node(tmp_path, primary=False)
    write(root / "proc/4242/stat", "4242 (mysqld) S 1 4242 4242 0 -1 4194560\n")  # CentOS 5: no comm file
    done = ssh_halint(ssh_lab, "snapshot", "--ssh", f"modern:{root}", "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "not DRBD Primary" in done.stderr and "mysqld (pid 4242) running" in done.stderr
    assert not (tmp_path / "out").exists() or os.listdir(tmp_path / "out") == []
    forced = ssh_halint(ssh_lab, "snapshot", "--ssh", f"modern:{root}", "--out", str(tmp_path / "out"), "--force", "--quiet")
    assert forced.returncode == 0 and "continuing because of --force" in forced.stderr
    header = manifest(forced.stdout.strip())[0]
    assert header.drbd_role == "Secondary" and header.replica_mounted


def test_a_restore_holding_the_node_lock_stops_the_snapshot(ssh_lab, tmp_path):
    root = make_node(tmp_path)
    write(root / "var/lock/halint.lock", '{"host": "admin-pc", "pid": 1, "started": 0, "command": "halint restore --ssh"}')
    done = ssh_halint(ssh_lab, "snapshot", "--ssh", f"modern:{root}", "--out", str(tmp_path / "out"))
    assert done.returncode == 3 and "admin-pc" in done.stderr and "var/lock/halint.lock" in done.stderr


def test_a_file_changing_on_the_node_leaves_no_archive(ssh_lab, tmp_path):
    root = make_node(tmp_path)
    log = root / "replica/var/log/asterisk/full"
    write(log, "start\n")
    stop = threading.Event()

    def keep_writing():
        while not stop.is_set():
            with open(log, "a") as fh:
                fh.write("line\n" * 50)
            time.sleep(0.001)

    writer = threading.Thread(target=keep_writing, daemon=True)
    writer.start()
    try:
        done = ssh_halint(ssh_lab, "snapshot", "--ssh", f"modern:{root}", "--out", str(tmp_path / "out"))
        forced = ssh_halint(ssh_lab, "snapshot", "--ssh", f"modern:{root}", "--out", str(tmp_path / "forced"), "--force")
    finally:
        stop.set()
        writer.join()
    assert done.returncode == 2 and "/replica/var/log/asterisk/full" in done.stderr and "no archive was written" in done.stderr
    assert os.listdir(tmp_path / "out") == []
    assert forced.returncode == 0 and "INCOMPLETE" in forced.stderr
    assert run_halint("verify", forced.stdout.strip()).returncode == 1


def _descendants(pid: int) -> list[int]:
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


@pytest.mark.parametrize("cut", ["stream", "master"])
def test_connection_cut_while_the_snapshot_streams(ssh_lab, tmp_path, cut):
    root = make_node(tmp_path)
    with open(root / "replica/var/spool/asterisk/monitor/big.wav", "wb") as fh:  # a long stream to cut
        fh.write(os.urandom(1 << 20) * 64)
    before = exact_state(root)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "elastix_halint", "snapshot", "--ssh", f"modern:{root}", "--out", str(out),
                             "--ssh-config", str(ssh_lab.config), "--quiet"], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the archive is being written: the stream has begun
        temps = [p for p in out.glob(".halint-tmp-*")] if out.exists() else []
        if temps and temps[0].stat().st_size > (1 << 20):
            break
        time.sleep(0.02)
    ssh = [p for p in _descendants(proc.pid) if _is_ssh(p, master=cut == "master")]
    assert ssh, "no ssh process to cut"
    for pid in ssh:
        os.kill(pid, signal.SIGKILL)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 2, stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr and "modern" in stderr
    assert os.listdir(out) == []
    assert exact_state(root) == before
    deadline = time.monotonic() + 20
    while list(ssh_lab.node_tmp.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(ssh_lab.node_tmp.iterdir()) == []


def _is_ssh(pid: int, master: bool) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            argv = fh.read().split(b"\0")
    except OSError:
        return False
    return argv[0].endswith(b"ssh") and ((b"-M" in argv) == master) and (master or any(b"send" in a for a in argv))


@pytest.mark.parametrize("alias", ["modern", "busybox"])
def test_diff_over_ssh_says_what_a_local_diff_says(ssh_lab, tmp_path, alias):
    root = make_node(tmp_path)
    archive = take_snapshot(root)
    rep = root / "replica"
    (rep / "etc/asterisk/extensions.conf").write_text("[default]\nexten => 200,1,Hangup()\n")
    os.chmod(rep / "var/www/html/index.php", 0o600)
    (rep / "etc/asterisk/new.conf").write_text("new\n")
    (rep / "var/lib/mysql/asterisk/cdr.MYD").unlink()
    os.unlink(root / "var/www")
    (root / "var/www").mkdir()
    local = run_halint("diff", str(archive), "--root", str(root))
    before = exact_state(root)
    remote = ssh_halint(ssh_lab, "diff", str(archive), "--ssh", f"{alias}:{root}")
    assert local.returncode == remote.returncode == 1
    assert remote.stdout == local.stdout and "link map: -> /replica/var/www now dir" in remote.stdout
    assert exact_state(root) == before
    if alias == "busybox":
        assert "xattrs were not compared" in remote.stderr


def test_an_old_sshd_with_the_options_it_needs_snapshots_diffs_and_plans(ssh_lab, tmp_path):
    """The CentOS-5-like sshd (legacy key exchange, ssh-rsa) through --ssh-option: the same
    archive as from the modern server, no change seen, a restore plan that changes nothing."""
    root = make_node(tmp_path)
    opts = [a for o in ssh_lab.options_for_old for a in ("--ssh-option", o)]
    before = exact_state(root)
    done = ssh_halint(ssh_lab, "snapshot", "--ssh", f"old:{root}", *opts, "--out", str(tmp_path / "old"), "--quiet")
    assert done.returncode == 0, done.stderr
    modern = ssh_halint(ssh_lab, "snapshot", "--ssh", f"modern:{root}", "--out", str(tmp_path / "modern"), "--quiet")
    assert manifest(done.stdout.strip())[1] == manifest(modern.stdout.strip())[1]
    assert run_halint("verify", done.stdout.strip()).returncode == 0
    diff = ssh_halint(ssh_lab, "diff", done.stdout.strip(), "--ssh", f"old:{root}", *opts)
    assert diff.returncode == 0 and "no changes" in diff.stdout, diff.stdout + diff.stderr
    plan = ssh_halint(ssh_lab, "restore", done.stdout.strip(), "--ssh", f"old:{root}", *opts, "--dry-run")
    assert plan.returncode == 0 and "dry run: nothing was changed" in plan.stdout, plan.stderr
    assert exact_state(root) == before


def test_usage_errors(tmp_path):
    for args, message in (
        (["snapshot", "--ssh", "a", "--ssh", "b", "--out", str(tmp_path)], "one --ssh"),
        (["snapshot", "--ssh", "a", "--root", "/srv", "--out", str(tmp_path)], "--ssh node:/ROOT"),
        (["snapshot", "--ssh", "ssh://127.0.0.1:1/srv"], "--out DIR is required with --ssh"),
        (["diff", str(tmp_path / "x.tar"), "--ssh-option", "X=y"], "need --ssh"),
    ):
        done = run_halint(*args)
        assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, (args, done.stderr)


def test_an_unreachable_node_is_one_line(tmp_path):
    done = run_halint("snapshot", "--ssh", "ssh://root@127.0.0.1:1/", "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "connection refused" in done.stderr


# -- what the node's tools print --------------------------------------------------------------

def test_digest_lines_are_matched_to_the_names_asked():
    from elastix_halint.snapshot.nodetree import parse_digests

    a, b, c = b"/r/plain", b"/r/new\nline", b"/r/back\\slash"
    h1, h2 = "1" * 64, "2" * 64
    gnu = (f"sha256sum\n{h1}  ".encode() + a + f"\n\\{h2}  ".encode() + b"/r/new\\nline\n"
           + f"{h1}  ".encode() + c + b"\n")
    assert parse_digests(gnu, [a, b, c])[1] == [bytes.fromhex(h1), bytes.fromhex(h2), bytes.fromhex(h1)]
    old_gnu = f"sha256sum\n{h2}  ".encode() + b + b"\n"  # no escaping (busybox, coreutils 5.97)
    assert parse_digests(old_gnu, [b])[1] == [bytes.fromhex(h2)]
    missing = f"sha256sum\n{h1}  ".encode() + c + b"\n"  # the first two could not be read
    assert parse_digests(missing, [a, b, c])[1] == [None, None, bytes.fromhex(h1)]
    openssl = b"openssl\nSHA256(" + a + f")= {h1}\nSHA2-256(".encode() + b + f")= {h2}\n".encode()
    assert parse_digests(openssl, [a, b])[1] == [bytes.fromhex(h1), bytes.fromhex(h2)]


def test_getfattr_dumps_and_times_are_read_as_the_node_wrote_them():
    from elastix_halint.snapshot.nodetree import human_ns, parse_getfattr, seconds_ns

    dump = (b"# file: /r/sp\\040ace\\012nl\\\\x\nuser.a=0sAAE=\nsecurity.selinux=\"system_u:object_r:etc_t:s0\\000\"\n"
            b"user.empty\n\n# file: /r/b\nuser.h=0x6869\n")
    got = parse_getfattr(dump)
    assert got == {"/r/sp ace\nnl\\x": {"security.selinux": "c3lzdGVtX3U6b2JqZWN0X3I6ZXRjX3Q6czAA", "user.a": "AAE=",
                                         "user.empty": ""},
                   "/r/b": {"user.h": "aGk="}}
    assert seconds_ns(b"1600000000") == 1_600_000_000_000_000_000
    assert seconds_ns(b"1600000000.1234567890") == 1_600_000_000_123_456_789
    assert human_ns(b"2020-09-13 14:26:40.123456789 +0200") == 1_600_000_000_123_456_789
    assert human_ns(b"2020-09-13 12:26:40 +0000") == 1_600_000_000_000_000_000


@pytest.mark.skipif(not IS_ROOT, reason="owners without a name need chown")
def test_owners_without_a_name_are_numbers_as_in_a_local_snapshot(tmp_path):
    from elastix_halint.snapshot.create import SnapshotOptions, snapshot
    from elastix_halint.snapshot.remote_snapshot import RemoteNode

    root = make_node(tmp_path)
    os.chown(root / "replica/etc/asterisk/sip.conf", 54321, 54322)
    local = take_snapshot(root)
    outcome = snapshot(SnapshotOptions(str(root), out=str(tmp_path / "r"), quiet=True), lambda m: None,
                       node=RemoteNode(local_shell(("dash",)), str(root)))
    entry = next(e for e in manifest(outcome.path)[1] if e["path"] == "/replica/etc/asterisk/sip-hardlink.conf")
    assert (entry["user"], entry["group"]) == ("54321", "54322")
    assert manifest(outcome.path)[1] == manifest(local)[1]
