"""The one interface every node-side step uses, wherever the node is.

A :class:`NodeShell` runs a command string with the node's ``sh``: over ssh
(:class:`elastix_halint.remote.ssh.Connection`) or on this machine (:class:`LocalShell`, for
tests, for ``--root`` twins of remote commands, and to run a script under dash, posh, mksh,
``bash --posix`` or ``busybox sh``). Both build the same command lines here.

How a script reaches the node's shell (reuse these, do not build command lines by hand):

- ``run_script(script, args)`` / ``popen_script(script, args)``: the script goes on **stdin**
  (``LC_ALL=C sh -s -- ARGS``), the way the issue and ``halint collect --script`` describe it.
  The script's own stdin is then the rest of the script: a script run this way must not read
  stdin (wrap its body in a function called with ``</dev/null``, as ``scripts/collect.sh`` does).
- ``popen_script(script, args, data_stdin=True)`` / ``run_script(script, args, input=DATA)``:
  for a script that reads **data** from stdin (restore, upload), the script travels as the
  ``sh -c`` argument (``LC_ALL=C sh -c 'SCRIPT' halint ARGS``), so stdin carries only the data.
  The script must stay under :data:`MAX_ARGUMENT_SCRIPT` bytes (CentOS 5's kernel limits a whole
  command line to 128 KiB).

Exit status 255 is reserved for ssh itself: node-side scripts never exit with it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from typing import IO, Sequence

from elastix_halint.errors import UsageError
from elastix_halint.remote.errors import RemoteError

MAX_ARGUMENT_SCRIPT = 96 * 1024
PIPE = subprocess.PIPE
DEVNULL = subprocess.DEVNULL


class NodeShell:
    """Runs commands with a node's shell. Subclasses define :meth:`popen` and :attr:`sh`."""

    label = "node"
    sh = "sh"  # how the command line names the shell that runs a script
    stdin_script = "-s --"  # how that shell is told "the script is on stdin, arguments follow"

    # -- what subclasses provide -----------------------------------------------------------
    def popen(self, command: str, *, stdin=DEVNULL, stdout=PIPE, stderr=PIPE) -> subprocess.Popen:
        """Start ``command`` (a shell command line, run by the node's login shell)."""
        raise NotImplementedError

    def failure(self, rc: int, stderr: bytes) -> RemoteError | None:
        """The transport's own error for a finished command, or None when the node answered."""
        return None

    def open(self) -> "NodeShell":
        """Be ready for commands: a connection still logging in is waited for (and its failure
        raised) here; a local shell is always ready."""
        return self

    # -- built on popen ---------------------------------------------------------------------
    def run(self, command: str, input: bytes | None = None, timeout: float | None = None) -> tuple[int, bytes, bytes]:
        """Run ``command`` to the end: ``(exit status, stdout, stderr)``; RemoteError when the
        transport failed (connection lost) rather than the command."""
        proc = self.popen(command, stdin=PIPE if input is not None else DEVNULL)
        try:
            out, err = proc.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            abandon(proc)
            raise RemoteError(f"{self.label}: no answer from the node within {timeout:g} s") from None
        except BaseException:
            abandon(proc)
            raise
        self.check(proc.returncode, err)
        return proc.returncode, out, err

    def check(self, rc: int, stderr: bytes) -> None:
        """Raise the transport's error for a finished command, if any."""
        problem = self.failure(rc, stderr)
        if problem is not None:
            raise problem

    def script_command(self, args: Sequence[str] = (), script: str | None = None) -> str:
        """The command line running a script: on stdin (``script`` None) or as ``sh -c`` argument."""
        quoted = " ".join(shlex.quote(a) for a in args)
        if script is None:
            return f"LC_ALL=C {self.sh} {self.stdin_script} {quoted}".rstrip()
        if len(script_bytes(script)) > MAX_ARGUMENT_SCRIPT:
            raise UsageError(f"internal: a script of {len(script)} bytes is too long for a command line")
        return f"LC_ALL=C {self.sh} -c {shlex.quote(script)} halint {quoted}".rstrip()

    def run_script(self, script: str, args: Sequence[str] = (), input: bytes | None = None,
                   timeout: float | None = None) -> tuple[int, bytes, bytes]:
        """Run a node-side script to the end (see the module docstring for stdin)."""
        if input is None:
            return self.run(self.script_command(args), input=script_bytes(script), timeout=timeout)
        return self.run(self.script_command(args, script), input=input, timeout=timeout)

    def popen_script(self, script: str, args: Sequence[str] = (), *, data_stdin: bool = False,
                     stdin=None, stdout=PIPE, stderr=PIPE) -> subprocess.Popen:
        """Start a node-side script; read its stdout as it comes (big streams).

        ``data_stdin``: the caller writes data to the script's stdin (``stdin`` is then PIPE by
        default, or a file); else the script itself is written to stdin here and stdin closed.
        """
        if data_stdin:
            return self.popen(self.script_command(args, script), stdin=PIPE if stdin is None else stdin,
                              stdout=stdout, stderr=stderr)
        proc = self.popen(self.script_command(args), stdin=PIPE, stdout=stdout, stderr=stderr)
        # The script's stdin is ours alone: detached, so communicate()/wait() never touch it.
        pipe, proc.stdin = proc.stdin, None
        _feed(pipe, script_bytes(script))
        return proc


PIPE_SIZE = 1 << 20


def widen(pipe: IO[bytes]) -> None:
    """Let a pipe of a big stream hold PIPE_SIZE bytes rather than 64 KiB (Linux F_SETPIPE_SZ;
    1 MiB is what an unprivileged process may ask for): the process on the other side (ssh)
    keeps going while halint hashes or compresses a piece, instead of the two taking turns (a
    snapshot --ssh of the benchmark's 2 GiB tree read its node's tar stream in 10.3-16.7 s
    instead of 13.3-19.9 s, three runs each, alternated). Only a hint: where the system says
    no, the pipe stays as it was."""
    import fcntl

    try:
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    except (AttributeError, OSError, ValueError):
        pass  # not Linux, or over the user's pipe allowance (fs.pipe-user-pages-soft)


def abandon(proc: subprocess.Popen) -> None:
    """Stop a command at once (a timeout, Ctrl-C), without reading the rest of its output: the
    client of a multiplexed ssh connection hands its pipes to the master, which keeps them open
    until the node's command ends, so reading them would wait for it (closing the connection
    ends it)."""
    proc.kill()
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            try:
                pipe.close()
            except OSError:
                pass
    proc.wait()


def script_bytes(script: str) -> bytes:
    """What goes to the node: a path the node sent (decoded with surrogateescape, as
    ``Frame.path`` does: bytes that are not UTF-8) goes back as the same bytes."""
    return script.encode("utf-8", "surrogateescape")


def _feed(pipe: IO[bytes], data: bytes) -> None:
    """Write ``data`` and close: in a thread when it might not fit the pipe buffer at once."""
    def write() -> None:
        try:
            pipe.write(data)
        except (BrokenPipeError, ValueError, OSError):
            pass  # the node went away: its exit status and stderr tell why
        finally:
            try:
                pipe.close()
            except OSError:
                pass

    if len(data) < 32 * 1024:
        write()
    else:
        import threading

        threading.Thread(target=write, daemon=True).start()


class LocalShell(NodeShell):
    """The same scripts run on this machine: ``argv`` is the shell (``("dash",)``,
    ``("bash", "--posix")``, ``("busybox", "sh")``), ``path`` an optional PATH for it (e.g. a
    folder of busybox applet links, to prove a script needs nothing else). ``stdin_script``:
    for a shell without ``-s`` (posh: ``/dev/stdin``)."""

    def __init__(self, argv: Sequence[str] = ("sh",), path: str | None = None, label: str = "local",
                 stdin_script: str = "-s --"):
        self.argv = tuple(argv)
        self.stdin_script = stdin_script
        self.sh = " ".join(shlex.quote(a) for a in self.argv)
        self.label = label
        self.env = dict(os.environ)
        if path is not None:
            self.env["PATH"] = path

    def popen(self, command: str, *, stdin=DEVNULL, stdout=PIPE, stderr=PIPE) -> subprocess.Popen:
        try:
            return subprocess.Popen([*self.argv, "-c", command], stdin=stdin, stdout=stdout, stderr=stderr, env=self.env)
        except OSError as exc:
            raise RemoteError(f"{self.label}: cannot start {self.argv[0]}: {exc.strerror or exc}") from None

    # A local shell has no transport of its own to fail.
    def __enter__(self) -> "LocalShell":
        return self

    def __exit__(self, *exc) -> None:
        return None
