"""One multiplexed connection per node through the system OpenSSH client.

The user's ``~/.ssh/config``, keys, agent, ``ProxyJump`` and ``known_hosts`` all apply: halint
only adds ``-F FILE`` (``--ssh-config``), ``-o OPT`` (``--ssh-option``, which win over halint's
own defaults below) and its ControlMaster settings.

:meth:`Connection.open` starts a master (``ssh -M -N``) with its control socket in a private
folder made by ``tempfile.mkdtemp`` (mode 0700, short path: a unix socket path holds ~100
bytes), and waits until the socket appears, which OpenSSH does only after authentication.
Every later command (:meth:`Connection.popen`) is a ``ssh -S SOCKET`` client reusing it, with
``-F /dev/null`` and ``ProxyCommand=false`` so it can never open a second, direct connection
if the master has gone. :meth:`Connection.close` sends ``-O exit`` and removes the folder; the
context manager does it on every exit path, KeyboardInterrupt included.

Defaults (each overridable with ``--ssh-option``): ``BatchMode=yes`` (never a password prompt),
``ConnectTimeout=10``, ``ServerAliveInterval=15``/``ServerAliveCountMax=3``.
``StrictHostKeyChecking`` is the user's, except that a *changed* host key is never accepted:
with ``StrictHostKeyChecking=no`` OpenSSH would still log in with a key; halint reads the
warning and closes the connection.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass

from elastix_halint.errors import UsageError
from elastix_halint.remote.dest import Dest
from elastix_halint.remote.errors import RemoteError, lost, ssh_failure
from elastix_halint.remote.shell import DEVNULL, PIPE, NodeShell

SSH = "ssh"
DEFAULTS = ("BatchMode=yes", "ConnectTimeout=10", "ServerAliveInterval=15", "ServerAliveCountMax=3")
# ssh prints these (and exits 255) when the master or the link is gone.
# How long a master that looks alive after its client's 255 is waited for (see _master_ended).
_DYING = 0.5
_LOST = ("mux_client", "Control socket connect", "Connection to ", "closed by remote host", "Broken pipe",
         "Timeout, server", "kex_exchange_identification", "Connection closed by", "Connection reset")


@dataclass(frozen=True)
class SshOptions:
    """``--ssh-config FILE`` and the ``--ssh-option OPT`` values, as given."""

    config_file: str | None = None
    options: tuple[str, ...] = ()

    def argv(self) -> list[str]:
        args = ["-F", self.config_file] if self.config_file else []
        for option in (*self.options, *DEFAULTS):  # ssh keeps the first value of each option
            args += ["-o", option]
        return args

    def check(self) -> None:
        """Usage errors found before any connection: a missing config file, a malformed option."""
        if self.config_file is not None and not os.path.isfile(self.config_file):
            raise UsageError(f"--ssh-config {self.config_file}: no such file")
        for option in self.options:
            key = option.replace("=", " ", 1).split(" ", 1)
            if len(key) != 2 or not key[0].isalnum() or not key[1].strip():
                raise UsageError(f"--ssh-option {option!r}: write it as Name=value (e.g. HostKeyAlgorithms=+ssh-rsa)")


def _socket_folder() -> str:
    # mkdtemp makes it 0700. Keep the socket path short: ssh binds "<path>.<16 random chars>" first.
    base = tempfile.gettempdir()
    return tempfile.mkdtemp(prefix="hl-", dir=base if len(base) <= 40 else "/tmp")


def _dies_with_halint():
    """A ``preexec_fn`` that has the kernel send the ssh master SIGTERM when halint dies, even
    by SIGKILL (Linux's PR_SET_PDEATHSIG; None elsewhere). A master has no stdin through which
    to see halint gone: it would stay logged in to the node until the link dropped. (The signal
    comes when the thread that started the master ends: see :meth:`Connection.launch`.)"""
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def tie() -> None:
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # halint died before the tie was made
            os.kill(os.getpid(), signal.SIGTERM)

    return tie


class Connection(NodeShell):
    """A node reached over ssh. Use as a context manager: ``with Connection(dest, opts) as node:``."""

    def __init__(self, dest: Dest, options: SshOptions | None = None, open_timeout: float | None = None):
        self.dest = dest
        self.options = options or SshOptions()
        self.label = dest.label
        self.open_timeout = open_timeout
        self._folder: str | None = None
        self._master: subprocess.Popen | None = None
        self._open = False

    # -- life cycle -------------------------------------------------------------------------
    def __enter__(self) -> "Connection":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def socket(self) -> str:
        assert self._folder is not None, "Connection not open"
        return os.path.join(self._folder, "s")

    @property
    def log_path(self) -> str:
        assert self._folder is not None, "Connection not open"
        return os.path.join(self._folder, "log")

    def open(self) -> "Connection":
        """Log in once; afterwards every command reuses this connection."""
        if self._open:
            return self
        try:
            self.launch()
            self._await_login()
        except BaseException:
            self.close()
            raise
        self._open = True
        return self

    def launch(self) -> "Connection":
        """Start the master without waiting for its login (:meth:`open` waits). Call it on the
        thread that will outlive the connection: the master ends when that thread does (see
        ``_dies_with_halint``), so ``nodes.connected`` starts every master on its own thread and
        waits for the logins on others."""
        if self._master is not None:
            return self
        self._folder = _socket_folder()
        control = self.socket.replace("%", "%%")
        argv = [SSH, "-v", "-M", "-N", "-T", "-S", control, "-o", "ControlPersist=no",
                "-o", "ClearAllForwardings=yes", *self.options.argv(), *self.dest.ssh_args()]
        try:
            with open(self.log_path, "wb") as log:
                try:
                    self._master = subprocess.Popen(argv, stdin=DEVNULL, stdout=DEVNULL, stderr=log,
                                                    preexec_fn=_dies_with_halint())
                except OSError as exc:
                    raise RemoteError(f"{self.label}: cannot run ssh ({exc.strerror or exc}); install the OpenSSH client") from None
        except BaseException:
            self.close()
            raise
        return self

    def _await_login(self) -> None:
        limit = self.open_timeout or (_connect_timeout(self.options) * 3 + 20)
        deadline = time.monotonic() + limit
        pause = 0.002
        while not os.path.exists(self.socket):
            rc = self._master.poll()
            if rc is not None:
                raise ssh_failure(self.label, self.dest.host, self._log(), rc)
            if time.monotonic() > deadline:
                raise RemoteError(f"{self.label}: connection timed out: no login within {limit:g} s")
            time.sleep(pause)
            pause = min(pause * 1.5, 0.05)
        log = self._log()
        if "REMOTE HOST IDENTIFICATION HAS CHANGED" in log:  # StrictHostKeyChecking=no logs in anyway
            raise ssh_failure(self.label, self.dest.host, log)

    def _log(self) -> str:
        try:
            with open(self.log_path, "rb") as fh:
                return fh.read().decode("utf-8", "replace")
        except (OSError, TypeError):
            return ""

    def close(self) -> None:
        """End the master (``ssh -O exit``) and remove the socket folder; safe to call twice."""
        master, self._master = self._master, None
        logged_in, self._open = self._open, False
        try:
            if master is not None and master.poll() is None:
                if not logged_in:  # its login was never waited for (or failed a check): no socket to ask
                    master.terminate()
                else:
                    try:
                        subprocess.run([SSH, "-F", "/dev/null", "-S", self.socket, "-O", "exit", "--", self.dest.host],
                                       stdin=DEVNULL, stdout=DEVNULL, stderr=DEVNULL, timeout=5)
                    except (OSError, subprocess.SubprocessError):
                        pass
                try:
                    master.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    master.kill()
                    master.wait()
        finally:
            if self._folder is not None:
                shutil.rmtree(self._folder, ignore_errors=True)
                self._folder = None

    # -- commands ---------------------------------------------------------------------------
    def mux_argv(self, command: str) -> list[str]:
        """``ssh`` arguments running ``command`` over the master (never a new connection)."""
        if self._master is None:
            raise RemoteError(f"{self.label}: not connected")
        return [SSH, "-F", "/dev/null", "-S", self.socket.replace("%", "%%"), "-o", "ControlMaster=no",
                "-o", "ProxyCommand=false", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-T", "--", self.dest.host, command]

    def popen(self, command: str, *, stdin=DEVNULL, stdout=PIPE, stderr=PIPE) -> subprocess.Popen:
        return subprocess.Popen(self.mux_argv(command), stdin=stdin, stdout=stdout, stderr=stderr)

    def failure(self, rc: int, stderr: bytes) -> RemoteError | None:
        if rc != 255:
            return None
        text = stderr.decode("utf-8", "replace")
        if self._master is None or any(n in text for n in _LOST) or self._master_ended():
            return lost(self.label, text + "\n" + self._log())
        return None

    def _master_ended(self) -> bool:
        """Whether the master has ended. A client whose master is killed ends (255, nothing on
        stderr at LogLevel=ERROR) as soon as the master's socket closes, which the kernel does
        before the master can be reaped: a master still there is given a moment to be seen gone
        (tests/test_remote_ssh.py saw a lost connection as a command's exit 255 under load)."""
        try:
            self._master.wait(timeout=_DYING)
        except subprocess.TimeoutExpired:
            return False
        return True


def _connect_timeout(options: SshOptions) -> int:
    for option in (*options.options, *DEFAULTS):
        key, _, value = option.partition("=")
        if key.lower() == "connecttimeout" and value.strip().isdigit():
            return int(value)
    return 10
