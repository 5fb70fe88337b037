"""The ssh transport against real loopback sshd servers: one multiplexed connection per node,
scripts on stdin or with data on stdin, parallel nodes, nothing left behind, and every way of
failing as one line."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import tempfile
import threading
import time

import pytest

from elastix_halint.remote import nodes, scripts
from elastix_halint.remote.dest import parse_dest
from elastix_halint.remote.errors import RemoteError, RemoteErrors
from elastix_halint.remote.ssh import Connection, SshOptions
from sshd_helpers import keygen, processes_naming


def _conn(lab, alias, *options, config=None):
    return Connection(parse_dest(alias), SshOptions(str(config or lab.config), tuple(options)))


@pytest.mark.parametrize("alias", ["modern", "busybox", "old"])
def test_one_connection_runs_many_commands(ssh_lab, alias):
    with _conn(ssh_lab, alias) as node:
        folder = os.path.dirname(node.socket)
        assert oct(os.stat(folder).st_mode & 0o777) == "0o700" and len(node.socket) < 60
        master = node._master.pid
        assert node.run("echo $((6 * 7))")[:2] == (0, b"42\n")
        rc, out, _ = node.run_script(scripts.source("lib") + 'hl_start; hl_begin t; hl_frame_text T "$1" "$2"; hl_end 0',
                                     ["a b\nc", "x'y"])
        assert rc == 0 and out == b"HALINT-STREAM 1 t\nT 5 3 -\na b\ncx'y\nZ 0 0 0\n\n"
        assert node.run_script('read -r l; echo "$l/$1"', ["arg"], input=b"data\n")[:2] == (0, b"data/arg\n")
        assert node.run("exit 3")[0] == 3
        assert node._master.pid == master  # still the one login
    assert not os.path.exists(folder) and not processes_naming(folder)


def test_a_command_that_outlives_its_timeout_is_given_up_at_once(ssh_lab):
    """The client of a multiplexed connection hands its pipes to the master: halint must not
    wait for them to close (that is, for the node's command to end) once it gives up."""
    with _conn(ssh_lab, "modern") as node:
        started = time.monotonic()
        with pytest.raises(RemoteError, match="no answer from the node within 0.5 s"):
            node.run("sleep 8", timeout=0.5)
        assert time.monotonic() - started < 4
        assert node.run("echo still here")[:2] == (0, b"still here\n")  # the connection lives on


def test_busybox_node_has_only_busybox(ssh_lab):
    with _conn(ssh_lab, "busybox") as node:
        rc, out, _ = node.run("echo $PATH; command -v stat; readlink /proc/$$/exe")
    path, stat, shell = out.decode().split()
    assert path == str(ssh_lab.busybox_bin) and stat == f"{path}/stat" and shell.endswith("busybox")


def test_nodes_open_in_parallel_and_fail_together(ssh_lab):
    options = SshOptions(str(ssh_lab.config))
    with nodes.connected([parse_dest("modern"), parse_dest("old")], options) as conns:
        outs = nodes.each(conns, lambda c: c.run("sleep 0.3; echo ok")[1])
        assert outs == [b"ok\n", b"ok\n"]
        folders = [os.path.dirname(c.socket) for c in conns]
    assert not any(os.path.exists(f) for f in folders)
    refused = f"ssh://root@127.0.0.1:{_closed_port()}"
    with pytest.raises(RemoteErrors) as info:
        with nodes.connected([parse_dest(refused), parse_dest("modern"), parse_dest("old-plain")], options):
            pass
    lines = str(info.value).split("\nhalint: error: ")
    assert len(lines) == 2 and "connection refused" in lines[0] and "legacy key exchange" in lines[1]


def test_a_halint_killed_with_sigkill_takes_its_ssh_masters_with_it(ssh_lab, tmp_path):
    """SIGKILL to halint alone (the OOM killer, kill -9 PID) leaves it no chance to close: its
    masters, which have no stdin to see it gone, must not stay logged in to the nodes (also
    those opened in parallel, whose opening threads ended long before)."""
    import subprocess
    import sys

    tmp = tempfile.mkdtemp(prefix="t", dir="/tmp")
    program = (
        "import sys, time\n"
        "from elastix_halint.remote import nodes\nfrom elastix_halint.remote.dest import parse_dest\n"
        "from elastix_halint.remote.ssh import SshOptions\n"
        f"with nodes.connected([parse_dest('modern'), parse_dest('old')], SshOptions({str(ssh_lab.config)!r})) as conns:\n"
        "    assert conns[0].run('true')[0] == 0\n"
        "    print('open', flush=True)\n"
        "    time.sleep(60)\n"
    )
    try:
        proc = subprocess.Popen([sys.executable, "-c", program], env=dict(os.environ, TMPDIR=tmp), stdout=subprocess.PIPE)
        assert proc.stdout.readline() == b"open\n"
        assert len(processes_naming(tmp)) == 2
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 5
        while processes_naming(tmp) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not processes_naming(tmp), "an ssh master outlived halint"
    finally:
        for pid in processes_naming(tmp):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)


def test_interrupt_inside_the_block_still_closes(ssh_lab):
    node = _conn(ssh_lab, "modern")
    with pytest.raises(KeyboardInterrupt):
        with node:
            folder = os.path.dirname(node.socket)
            raise KeyboardInterrupt
    assert not os.path.exists(folder) and not processes_naming(folder)


def test_master_gone_mid_command_is_a_lost_connection(ssh_lab):
    with _conn(ssh_lab, "modern") as node:
        threading.Timer(0.5, lambda: os.kill(node._master.pid, signal.SIGKILL)).start()
        with pytest.raises(RemoteError, match="connection to the node was lost"):
            node.run("sleep 5")
        # and no second, direct connection is ever made behind its back
        with pytest.raises(RemoteError, match="lost|not connected"):
            node.run("true")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fails(lab, alias, *options, config=None) -> str:
    started = time.monotonic()
    with pytest.raises(RemoteError) as info:
        with _conn(lab, alias, *options, config=config):
            pass
    message = str(info.value)
    assert "\n" not in message and time.monotonic() - started < 20
    return message


def test_refused_and_unknown_host(ssh_lab):
    assert "connection refused" in _fails(ssh_lab, f"ssh://root@127.0.0.1:{_closed_port()}")
    assert "unknown host" in _fails(ssh_lab, "no-such-node.invalid")


def test_silent_server_times_out(ssh_lab):
    with socket.socket() as listener:  # accepts, never says a word
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        port = listener.getsockname()[1]
        message = _fails(ssh_lab, f"ssh://root@127.0.0.1:{port}", "ConnectTimeout=1")
    assert "timed out" in message


def test_unknown_key_is_an_authentication_failure(ssh_lab, tmp_path):
    key = keygen(tmp_path / "stranger")
    config = ssh_lab.config_with("stranger", f"Host stranger\n  Port {ssh_lab.port()}\n  IdentityFile {key}\n"
                                             f"  HostName 127.0.0.1\n  User root\n  IdentitiesOnly yes\n"
                                             f"  UserKnownHostsFile {ssh_lab.known_hosts}\n")
    assert "authentication failed" in _fails(ssh_lab, "stranger", config=config)


@pytest.mark.parametrize("strict", ["yes", "no", "accept-new"])
def test_changed_host_key_is_never_accepted(ssh_lab, tmp_path, strict):
    other = keygen(tmp_path / "other_host")
    known = tmp_path / "known_hosts"
    kind, blob = (tmp_path / "other_host.pub").read_text().split()[:2]
    known.write_text(f"[127.0.0.1]:{ssh_lab.port()} {kind} {blob}\n")
    config = ssh_lab.config_with("changed", f"Host changed\n  Port {ssh_lab.port()}\n  IdentityFile {ssh_lab.folder / 'id_user'}\n"
                                            f"  HostName 127.0.0.1\n  User root\n  IdentitiesOnly yes\n"
                                            f"  UserKnownHostsFile {known}\n  StrictHostKeyChecking {strict}\n")
    message = _fails(ssh_lab, "changed", config=config)
    assert "host key has CHANGED" in message and f"{known} line 1" in message
    assert known.read_text() == f"[127.0.0.1]:{ssh_lab.port()} {kind} {blob}\n"


def test_unknown_host_key_under_strict_checking(ssh_lab, tmp_path):
    known = tmp_path / "empty_known_hosts"
    known.write_text("")
    config = ssh_lab.config_with("unknownkey", f"Host unknownkey\n  Port {ssh_lab.port()}\n  IdentityFile {ssh_lab.folder / 'id_user'}\n"
                                               f"  HostName 127.0.0.1\n  User root\n  IdentitiesOnly yes\n"
                                               f"  UserKnownHostsFile {known}\n  StrictHostKeyChecking yes\n")
    assert "not in known_hosts" in _fails(ssh_lab, "unknownkey", config=config)


def test_old_sshd_needs_and_accepts_the_options(ssh_lab):
    message = _fails(ssh_lab, "old-plain")
    assert "their offer: diffie-hellman-group14-sha1,diffie-hellman-group1-sha1" in message
    options = [o for o in message.split() if "=+" in o]
    assert options == list(ssh_lab.options_for_old)
    with _conn(ssh_lab, "old-plain", *options) as node:
        assert node.run("echo fine")[1] == b"fine\n"


def test_bad_ssh_option_is_a_usage_error(ssh_lab):
    from elastix_halint.errors import UsageError

    with pytest.raises(UsageError, match="--ssh-option"):
        SshOptions(None, ("KexAlgorithms",)).check()
    with pytest.raises(UsageError, match="no such file"):
        SshOptions("/nonexistent/config").check()
    assert "bad ssh configuration" in _fails(ssh_lab, "modern", "NoSuchOption=1")


def test_halint_stopped_mid_way_closes_its_connections(ssh_lab, tmp_path):
    """SIGTERM while a node is being collected: no ssh master, no socket folder left."""
    import subprocess
    import sys
    import tempfile

    from collect_helpers import make_root

    root = make_root(tmp_path)
    (root / "etc/drbd.d/big.res").write_bytes(os.urandom(1 << 20) * 64)  # keeps the node busy
    private = tempfile.mkdtemp(prefix="t", dir="/tmp")  # short: the socket folder goes there
    try:
        proc = subprocess.Popen([sys.executable, "-m", "elastix_halint", "lint", "--ssh-config", str(ssh_lab.config),
                                 "--ssh", f"modern:{root}"], env=dict(os.environ, TMPDIR=private),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while not any(name.startswith("hl-") for name in os.listdir(private)) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        proc.terminate()
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 130 and "Traceback" not in err
        assert os.listdir(private) == [] and not processes_naming(private)
    finally:
        shutil.rmtree(private, ignore_errors=True)
