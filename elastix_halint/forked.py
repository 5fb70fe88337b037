"""A function run in a forked child process, its result taken back pickled through a pipe.

halint is pure Python, so one process uses one core; where two pieces of work are independent
(the bundles of a ``lint`` run, drbdadm's verdicts and halint's own parse of a large file) the
second runs in a child forked from this process, which has everything imported and set up
already. The child writes nothing on stdout or stderr and ends with ``os._exit``: this
process's buffers and exit handlers are not its to run.
"""

from __future__ import annotations

import os
import sys

# pickle and signal are imported where used: a run that forks nothing (a small bundle's lint)
# does not pay for them at start-up.


def available() -> bool:
    """Forking is possible and safe: POSIX, and no thread started (a child would inherit
    their locks in whatever state they are)."""
    threading = sys.modules.get("threading")
    return hasattr(os, "fork") and (threading is None or threading.active_count() <= 1)


def cpus() -> int:
    """The CPUs this process may run on (its affinity mask, as ``os.process_cpu_count``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class Forked:
    """``func()`` running in a child process; ``result()`` waits for it."""

    def __init__(self, func):
        import pickle  # noqa: F401 - now, not in the child after the fork

        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            _child(func, read, write)
        os.close(write)
        self._pid, self._fd = pid, read

    def result(self):
        """The child's return value, or the exception it raised (raised here); an
        ``HalintError`` when it ended without an answer (killed)."""
        import pickle

        from elastix_halint.errors import HalintError

        with os.fdopen(self._fd, "rb") as pipe:
            data = pipe.read()
        self._fd = None
        _, status = os.waitpid(self._pid, 0)
        if not data:
            why = f"signal {-os.waitstatus_to_exitcode(status)}" if os.WIFSIGNALED(status) else "no answer"
            raise HalintError(f"a worker process ended without its results ({why})")
        ok, value = pickle.loads(data)
        if not ok:
            raise value
        return value

    def stop(self) -> None:
        """Kill the child if it still runs, and reap it."""
        import signal

        if self._fd is None:
            return
        try:
            os.kill(self._pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.close(self._fd)
        self._fd = None
        try:
            os.waitpid(self._pid, 0)
        except ChildProcessError:
            pass


def _child(func, read: int, write: int) -> None:
    import pickle

    code = 0
    try:
        os.close(read)
        try:
            payload = (True, func())
        except BaseException as exc:  # noqa: BLE001 - carried to the parent, which raises it
            payload = (False, exc)
        try:
            data = pickle.dumps(payload, pickle.HIGHEST_PROTOCOL)
        except Exception:  # an exception (or a result) that does not pickle: its words do
            what = payload[1] if not payload[0] else "a result that does not pickle"
            data = pickle.dumps((False, RuntimeError(f"{type(what).__name__}: {what}")))
        with os.fdopen(write, "wb") as out:
            out.write(data)
    except BaseException:  # noqa: BLE001 - the parent sees an empty answer and says so
        code = 1
    finally:
        os._exit(code)
