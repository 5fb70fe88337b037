"""halint collect of nodes with nothing installed: for every fake node root, the bundle built
from the node-side script equals the local bundle byte for byte (modes too) - through ssh, on
a busybox-only node, and with the script run directly under dash, posh, mksh, bash --posix and
busybox sh; also as a printed script whose output comes back through --from-stream. The node's
tree is left as it was and its temporary folder empty, even when the connection is cut."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time

import pytest

from collect_helpers import ROOT_MAKERS, bundle_modes, tree_state
from conftest import run_halint
from elastix_halint import collect
from elastix_halint.noderoot.linkmap import elastix
from elastix_halint.remote import scripts
from elastix_halint.remote.collector import collect_node, script
from elastix_halint.remote.dest import parse_dest
from elastix_halint.remote.errors import RemoteError
from elastix_halint.remote.shell import LocalShell
from elastix_halint.remote.ssh import Connection, SshOptions

SHELLS = {"dash": ("dash",), "posh": ("posh",), "mksh": ("mksh",), "bash --posix": ("bash", "--posix"), "busybox sh": ("busybox", "sh")}


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    """name -> (root, state of its tree, the local bundle) for every fake root."""
    base = tmp_path_factory.mktemp("roots")
    made = {}
    for name, make in ROOT_MAKERS.items():
        root = make(base)
        made[name] = (root, tree_state(root), collect.bundle_files(str(root)))
    return made


def _same(remote: collect.NodeBundle, local: collect.NodeBundle) -> None:
    assert remote.name == local.name
    assert sorted(remote.files) == sorted(local.files)
    for rel in local.files:
        assert remote.files[rel] == local.files[rel], rel
    assert remote.skipped == local.skipped


def _local_shell(argv, path=None):
    if shutil.which(argv[0]) is None:
        pytest.skip(f"{argv[0]} is not installed")
    return LocalShell(argv, path=path, stdin_script="/dev/stdin" if argv == ("posh",) else "-s --")  # posh has no -s


@pytest.mark.parametrize("shell", SHELLS)
def test_script_under_each_shell_gives_the_local_bundle(roots, shell, tmp_path):
    node = _local_shell(SHELLS[shell])
    node.env["TMPDIR"] = str(tmp_path)
    for root, state, local in roots.values():
        bundle, warnings = collect_node(node, str(root))
        _same(bundle, local)
        assert warnings == [] and tree_state(root) == state
    assert list(tmp_path.iterdir()) == []


def test_busybox_applets_alone_are_enough(roots, tmp_path):
    from sshd_helpers import make_busybox_bin

    node = _local_shell(("busybox", "sh"), path=str(make_busybox_bin(tmp_path / "bb")))
    node.env["TMPDIR"] = str(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir()
    for root, state, local in roots.values():
        _same(collect_node(node, str(root))[0], local)
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_missing_command_is_named(roots, tmp_path):
    from sshd_helpers import make_busybox_bin

    bin_dir = make_busybox_bin(tmp_path / "bb")
    (bin_dir / "readlink").unlink()
    node = _local_shell(("busybox", "sh"), path=str(bin_dir))
    with pytest.raises(RemoteError, match="the node has no 'readlink' command, which halint collect needs"):
        collect_node(node, str(roots["howto"][0]))
    with pytest.raises(RemoteError, match="/nonexistent: not a directory on the node"):
        collect_node(LocalShell(), "/nonexistent")


@pytest.mark.parametrize("alias", ["modern", "busybox", "old"])
def test_over_ssh_gives_the_local_bundle(ssh_lab, roots, alias):
    with Connection(parse_dest(alias), SshOptions(str(ssh_lab.config))) as node:
        for root, state, local in roots.values():
            _same(collect_node(node, str(root))[0], local)
            assert tree_state(root) == state
    assert list(ssh_lab.node_tmp.iterdir()) == []


def test_cli_collect_over_ssh_writes_the_local_folders(ssh_lab, roots, tmp_path):
    howto, odd = roots["howto"][0], roots["odd"][0]
    for secrets in ([], ["--with-secrets"]):
        remote, local = tmp_path / f"remote{len(secrets)}", tmp_path / f"local{len(secrets)}"
        done = run_halint("collect", "--ssh-config", str(ssh_lab.config), "--ssh", f"modern:{howto}", "--ssh", f"busybox:{odd}",
                          "--out", str(remote), *secrets)
        assert done.returncode == 0, done.stderr
        for root in (howto, odd):
            assert run_halint("collect", "--root", str(root), "--out", str(local), *secrets).returncode == 0
        assert sorted(os.listdir(remote)) == sorted(os.listdir(local)) == ["odd-node.example", "voipserver.drbd"]
        for node in os.listdir(local):
            assert bundle_modes(remote / node) == bundle_modes(local / node)
    assert b"S3cr3t!" not in (tmp_path / "remote0/odd-node.example/etc/drbd.conf").read_bytes()
    assert b"S3cr3t!" in (tmp_path / "remote1/odd-node.example/etc/drbd.conf").read_bytes()


def test_printed_script_and_from_stream(ssh_lab, roots, tmp_path):
    done = run_halint("collect", "--script")
    assert done.returncode == 0 and done.stdout == script()
    (tmp_path / "collect.sh").write_text(done.stdout)
    root, _, local = roots["odd"]
    expected = tmp_path / "expected"
    collect.write_folder(str(expected), local)
    for flag, name in (("-a", "armoured"), (None, "binary")):
        args = ["-a", str(root)] if flag else [str(root)]
        with open(tmp_path / "collect.sh", "rb") as stdin:
            out = ssh_lab.ssh("modern", "sh", "-s", "--", *args, stdin=stdin).stdout
        if flag:
            assert out.isascii() and out.startswith(b"-----BEGIN HALINT STREAM base64-----\n")
        (tmp_path / name).write_bytes(out)
        done = run_halint("collect", "--from-stream", str(tmp_path / name), "--out", str(tmp_path / f"b-{name}"))
        assert done.returncode == 0, done.stderr
        assert bundle_modes(tmp_path / f"b-{name}" / local.name) == bundle_modes(expected / local.name)
    stdin_done = subprocess.run(
        [*run_halint_argv(), "collect", "--from-stream", "-", "--out", str(tmp_path / "b-stdin")],
        input=(tmp_path / "armoured").read_bytes(), capture_output=True,
    )
    assert stdin_done.returncode == 0 and bundle_modes(tmp_path / "b-stdin" / local.name) == bundle_modes(expected / local.name)


def run_halint_argv():
    import sys

    return [sys.executable, "-m", "elastix_halint"]


def test_live_root_over_ssh_equals_the_local_collect(ssh_lab, tmp_path):
    """`--ssh node` (root /) runs uname, ip, chkconfig/systemctl, lsblk on the node: here the
    node is this machine, so the bundle equals `halint collect --root /` made here."""
    assert run_halint("collect", "--ssh-config", str(ssh_lab.config), "--ssh", "modern", "--out", str(tmp_path / "r")).returncode == 0
    assert run_halint("collect", "--root", "/", "--out", str(tmp_path / "l")).returncode == 0
    (name,) = os.listdir(tmp_path / "l")
    remote, local = bundle_modes(tmp_path / "r" / name), bundle_modes(tmp_path / "l" / name)
    assert "facts/uname-n" in remote and (shutil.which("ip") is None or "facts/ip-addr" in remote)
    assert remote == local


@pytest.mark.parametrize("cut", ["client", "master"])
def test_cut_connection_leaves_nothing_on_the_node(ssh_lab, tmp_path, cut):
    root = ROOT_MAKERS["howto"](tmp_path)
    with open(root / "etc/drbd.d/big.res", "wb") as fh:  # a long stream to cut in the middle
        fh.write(os.urandom(1 << 20) * 48)
    state = tree_state(root)
    with Connection(parse_dest("modern"), SshOptions(str(ssh_lab.config))) as node:
        proc = node.popen_script(script(), [str(root)])
        assert len(proc.stdout.read(256 * 1024)) == 256 * 1024
        assert list(ssh_lab.node_tmp.iterdir())  # the script's folder exists while it runs
        os.kill(proc.pid if cut == "client" else node._master.pid, signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 20
    while list(ssh_lab.node_tmp.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(ssh_lab.node_tmp.iterdir()) == []
    assert tree_state(root) == state


def test_unreachable_node_writes_nothing(ssh_lab, roots, tmp_path):
    done = run_halint("collect", "--ssh-config", str(ssh_lab.config), "--ssh", f"modern:{roots['howto'][0]}",
                      "--ssh", "ssh://root@127.0.0.1:1", "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "connection refused" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
    done = run_halint("collect", "--ssh-config", str(ssh_lab.config), "--ssh", "busybox:/nonexistent", "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and done.stderr == "halint: error: busybox: /nonexistent: not a directory on the node\n"


def test_usage_errors(tmp_path):
    for args, message in (
        (["--ssh", "node1", "--from-stream", "x"], "either --ssh or --from-stream"),
        (["--ssh", "node1", "--root", "/srv"], "--ssh node:/ROOT"),
        (["--ssh-option", "X=y"], "need --ssh"),
        (["--ssh", "node1:rel"], "absolute path"),
        (["--from-stream", str(tmp_path / "missing")], "cannot read"),
    ):
        done = run_halint("collect", *args, "--out", str(tmp_path / "o"))
        assert done.returncode == 2 and message in done.stderr and done.stderr.count("\n") == 1, (args, done.stderr)
    (tmp_path / "junk").write_bytes(b"Last login: yesterday\nno stream here\n")
    done = run_halint("collect", "--from-stream", str(tmp_path / "junk"), "--out", str(tmp_path / "o"))
    assert done.returncode == 2 and "no halint stream" in done.stderr and not (tmp_path / "o").exists()


def test_script_lists_are_the_python_ones():
    """collect.sh names the files, links and commands collect.py reads: the same lists."""
    text = scripts.source("collect")
    config = re.search(r"^hl_config='([^']*)'", text, re.M).group(1).split()
    links = re.search(r"^hl_links='([^']*)'", text, re.M).group(1).split()
    linkmap = elastix()
    assert config == list(collect.CONFIG_PATHS)
    assert links == [link.path for link in linkmap.links] + [linkmap.mount]
    commands = re.findall(r"^\s*hl_cmd (.+)$", text, re.M)
    assert [" ".join(argv) for _, argv in collect.COMMANDS] == [c for c in commands if c.split()[0] in
                                                              ("ip", "chkconfig", "systemctl", "lsblk")]
    assert "uname -n" in commands and 'sfdisk -d "/dev/$hl_d"' in commands
