"""Real sshd instances on 127.0.0.1 for the remote tests and benchmarks (reusable by any test).

Everything lives in one throwaway folder: host keys, user keys, ``known_hosts``, an
``ssh_config`` whose ``Host`` aliases name each way in, and the sshd logs. Nothing of the
machine's own ssh setup is read (``ssh -F CONFIG``; the user's ``~/.ssh`` is never used).

Use the session fixtures of ``conftest.py`` (they start each server once per test session)::

    def test_x(ssh_lab):                      # an SshLab; skips when not root or no sshd
        ssh_lab.config                        # the ssh_config file: pass --ssh-config it
        "modern"                              # alias: OpenSSH 9 sshd, ed25519 host key
        "busybox"                             # alias: same sshd, but the key's authorized_keys
                                              #   line runs every command under `busybox sh`
                                              #   with only busybox applets on PATH
        "old"                                 # alias: sshd configured like CentOS 5's
                                              #   (group14/group1-sha1 kex, ssh-rsa host key)
                                              #   with the options NODES.md gives and an RSA
                                              #   user key (a 9.x sshd still offers rsa-sha2
                                              #   user signatures, which 4.3p2 does not)
        "old-plain"                           # the same server without those options
        ssh_lab.options_for_old               # those --ssh-option values
        ssh_lab.dest("modern", root)          # "modern:/tmp/.../root" for --ssh
        ssh_lab.ansible_vars("modern")        # ansible_host / ansible_ssh_common_args for it
        ssh_lab.node_tmp                      # TMPDIR of every session: must be empty after
        processes_naming(folder)              # ssh processes of a halint whose socket folder
                                              #   is in folder (none may outlive it)

Benchmarks start their own with ``SshLab.start(folder)`` and ``lab.stop()``.

sshd runs as root (CI does): ``SshLab.skip_reason()`` says why it cannot (not root, no sshd),
and the fixtures skip with that reason. Ports are picked free at start; only 127.0.0.1 listens.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

SSHD = "/usr/sbin/sshd"
OLD_KEX = "diffie-hellman-group14-sha1,diffie-hellman-group1-sha1"
OLD_OPTIONS = ("KexAlgorithms=+diffie-hellman-group14-sha1", "HostKeyAlgorithms=+ssh-rsa", "PubkeyAcceptedAlgorithms=+ssh-rsa")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def keygen(path: Path, kind: str = "ed25519") -> Path:
    args = ["ssh-keygen", "-q", "-N", "", "-C", f"halint-test-{path.name}", "-f", str(path), "-t", kind]
    if kind == "rsa":
        args += ["-b", "2048"]
    subprocess.run(args, check=True, capture_output=True)
    return path


def make_busybox_bin(folder: Path) -> Path:
    """A folder holding one link to busybox per applet, and nothing else."""
    busybox = shutil.which("busybox")
    if busybox is None:
        raise RuntimeError("busybox is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    applets = subprocess.run([busybox, "--list"], check=True, capture_output=True, text=True).stdout.split()
    for name in ["busybox", *applets]:
        link = folder / name
        if not link.exists():
            link.symlink_to(busybox)
    return folder


@dataclass
class Sshd:
    """One sshd process."""

    name: str
    port: int
    config: Path
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(self.config)], stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sshd {self.name} exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"sshd {self.name} did not listen on 127.0.0.1:{self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@dataclass
class SshLab:
    folder: Path
    servers: dict[str, Sshd] = field(default_factory=dict)
    options_for_old: tuple[str, ...] = OLD_OPTIONS

    @staticmethod
    def skip_reason() -> str | None:
        if os.geteuid() != 0:
            return "the loopback sshd tests run as root (sshd must switch users); CI runs as root"
        if not os.access(SSHD, os.X_OK) or shutil.which("ssh") is None or shutil.which("ssh-keygen") is None:
            return "openssh-server / openssh-client are not installed"
        if shutil.which("busybox") is None:
            return "busybox is not installed"
        return None

    @property
    def config(self) -> Path:
        return self.folder / "ssh_config"

    @property
    def known_hosts(self) -> Path:
        return self.folder / "known_hosts"

    @property
    def node_tmp(self) -> Path:
        """TMPDIR of every session on these servers: node-side temporary folders go here only."""
        return self.folder / "nodetmp"

    @property
    def busybox_bin(self) -> Path:
        return self.folder / "bb"

    def dest(self, alias: str, root: str | os.PathLike | None = None) -> str:
        return alias if root is None else f"{alias}:{root}"

    def ssh(self, alias: str, *command: str, **kwargs) -> subprocess.CompletedProcess:
        """Plain ``ssh -F CONFIG alias COMMAND`` (no halint), e.g. to look at the node."""
        return subprocess.run(["ssh", "-F", str(self.config), alias, *command], capture_output=True, timeout=60, **kwargs)

    def config_with(self, name: str, host_block: str) -> Path:
        """Another ssh_config: ``host_block`` (e.g. a Host with another key or known_hosts)
        followed by the lab's own entries."""
        path = self.folder / f"ssh_config.{name}"
        path.write_text(host_block.rstrip("\n") + "\n" + self.config.read_text())
        return path

    def port(self, server: str = "modern") -> int:
        return self.servers[server].port

    def ansible_vars(self, alias: str) -> dict[str, str]:
        return {"ansible_host": alias, "ansible_ssh_common_args": f"-F {self.config}"}

    @classmethod
    def start(cls, folder: Path) -> "SshLab":
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)
        lab = cls(folder)
        try:
            lab._setup()
        except BaseException:
            lab.stop()
            raise
        return lab

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def _setup(self) -> None:
        f = self.folder
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation folder
        make_busybox_bin(self.busybox_bin)
        self.node_tmp.mkdir()
        wrapper = f / "busybox-only"
        wrapper.write_text(
            "#!/bin/sh\n# authorized_keys command=: the client's command under busybox sh, busybox applets only\n"
            f"PATH={self.busybox_bin}; export PATH\n"
            f'exec {self.busybox_bin}/busybox sh -c "$SSH_ORIGINAL_COMMAND"\n'
        )
        wrapper.chmod(0o755)
        user_key = keygen(f / "id_user")
        busybox_key = keygen(f / "id_busybox")
        rsa_key = keygen(f / "id_rsa_user", "rsa")
        modern_host = keygen(f / "host_ed25519")
        old_host = keygen(f / "host_rsa", "rsa")
        auth = f / "authorized_keys"
        # HOME is an empty folder of the lab: the login shell (root's bash) would otherwise read
        # the runner's own ~/.bashrc on every session (a pyenv init there cost 0.7 s a session).
        home = f / "home"
        home.mkdir()
        env = f'environment="HOME={home}"'
        auth.write_text(
            f"{env} {_pub(user_key)}{env},command=\"{wrapper}\" {_pub(busybox_key)}{env} {_pub(rsa_key)}"
        )
        auth.chmod(0o600)
        common = (
            f"ListenAddress 127.0.0.1\nAuthorizedKeysFile {auth}\nStrictModes no\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nPermitRootLogin prohibit-password\n"
            "UsePAM no\nPrintMotd no\nPrintLastLog no\nMaxStartups 200:30:300\nMaxSessions 100\nLogLevel ERROR\n"
            f"Subsystem sftp internal-sftp\nSetEnv TMPDIR={self.node_tmp}\nPermitUserEnvironment HOME\n"
        )
        modern = self._server("modern", common + f"HostKey {modern_host}\n")
        old = self._server(
            "old",
            common + f"HostKey {old_host}\nKexAlgorithms {OLD_KEX}\nHostKeyAlgorithms ssh-rsa\n",
        )
        self.known_hosts.write_text(
            f"[127.0.0.1]:{modern.port} {_pub(modern_host).split(' ', 2)[0]} {_pub(modern_host).split(' ', 2)[1]}\n"
            f"[127.0.0.1]:{old.port} {_pub(old_host).split(' ', 2)[0]} {_pub(old_host).split(' ', 2)[1]}\n"
        )
        base = (
            f"  HostName 127.0.0.1\n  User root\n  IdentitiesOnly yes\n  UserKnownHostsFile {self.known_hosts}\n"
            "  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  LogLevel ERROR\n"
        )
        old_opts = "".join(f"  {o.replace('=', ' ', 1)}\n" for o in OLD_OPTIONS)
        self.config.write_text(
            f"Host modern\n  Port {modern.port}\n  IdentityFile {user_key}\n{base}"
            f"Host busybox\n  Port {modern.port}\n  IdentityFile {busybox_key}\n{base}"
            f"Host old\n  Port {old.port}\n  IdentityFile {rsa_key}\n{old_opts}{base}"
            f"Host old-plain\n  Port {old.port}\n  IdentityFile {rsa_key}\n{base}"
        )
        for server in self.servers.values():
            server.start()

    def _server(self, name: str, config: str) -> Sshd:
        port = free_port()
        path = self.folder / f"sshd_{name}.conf"
        path.write_text(f"Port {port}\nPidFile {self.folder}/sshd_{name}.pid\n" + config)
        server = Sshd(name, port, path, self.folder / f"sshd_{name}.log")
        self.servers[name] = server
        return server


def processes_naming(folder: str | os.PathLike) -> list[int]:
    """Processes whose command line names ``folder``: the ssh master and clients of a halint
    whose socket folder is (or was) in it."""
    needle, found = os.fsencode(folder), []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if needle in fh.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def _pub(key: Path) -> str:
    return Path(str(key) + ".pub").read_text()


def ansible_env(tmp: Path) -> dict:
    """An environment where nothing of the user's Ansible setup is read or left behind."""
    (tmp / "ansible.cfg").write_text("[defaults]\n")
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(tmp / "ansible.cfg"), ANSIBLE_HOME=str(tmp / "ansible-home"),
        ANSIBLE_LOCAL_TEMP=str(tmp / "ansible-tmp"), ANSIBLE_SSH_CONTROL_PATH_DIR=str(tmp / "cp"),
        ANSIBLE_SSH_ARGS="-o ControlMaster=no", ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_STDOUT_CALLBACK="default", ANSIBLE_LOAD_CALLBACK_PLUGINS="0",
        ANSIBLE_DEPRECATION_WARNINGS="0", ANSIBLE_SYSTEM_WARNINGS="0", ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_PYTHON_INTERPRETER="auto_silent",
    )
    return env
