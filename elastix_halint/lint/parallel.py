"""Lint many clusters on several CPUs, with the output of one process.

``halint lint b1 b2 … b300`` (a CI job over a fleet's bundles) spends ~13 ms of CPU a bundle,
all of it in Python: one process uses one core. As flake8's ``--jobs`` does, the clusters are
cut into contiguous shares, one per worker; the workers are forked after the rules are loaded
and the engine is built (nothing is imported or set up twice), each lints its share and sends
its ``LintRun`` back pickled through a pipe, and this process lints the first share itself.
Runs are put back in the clusters' order, so reports are byte for byte those of ``--jobs 1``;
an error is the one the serial run meets first (the earliest cluster's).

Forking needs ``os.fork`` (POSIX) and no threads yet; otherwise, and for a single cluster,
everything runs here. Workers write nothing on stdout or stderr and end with ``os._exit``
(this process's buffers and exit handlers are not theirs to run).
"""

from __future__ import annotations

import os
import pickle
import signal


def default_jobs() -> int:
    """The CPUs this process may run on (its affinity mask, as ``os.process_cpu_count``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def lint_clusters(engine, loads: list, jobs: int) -> list:
    """``[engine.lint(load()) for load in loads]``, on up to ``jobs`` processes."""
    jobs = min(jobs, len(loads))
    if jobs <= 1 or not hasattr(os, "fork") or _threads_running():
        return [engine.lint(load()) for load in loads]
    shares = _shares(loads, jobs)
    workers = []
    try:
        for share in shares[1:]:
            workers.append(_fork(engine, share))
        runs = [engine.lint(load()) for load in shares[0]]
        while workers:
            status, payload = _receive(*workers.pop(0))
            if status != "ok":
                raise payload
            runs += payload
        return runs
    finally:
        for pid, fd in workers:  # this process failed or was interrupted: stop the rest
            _stop(pid, fd)


def _shares(items: list, n: int) -> list[list]:
    size, extra = divmod(len(items), n)
    out, start = [], 0
    for i in range(n):
        end = start + size + (i < extra)
        out.append(items[start:end])
        start = end
    return out


def _threads_running() -> bool:
    import sys

    threading = sys.modules.get("threading")
    return threading is not None and threading.active_count() > 1


def _fork(engine, share: list) -> tuple[int, int]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        code = 0
        try:
            os.close(read)
            try:
                payload = ("ok", [engine.lint(load()) for load in share])
            except BaseException as exc:  # noqa: BLE001 - carried to the parent, which raises it
                payload = ("error", exc)
            try:
                data = pickle.dumps(payload, pickle.HIGHEST_PROTOCOL)
            except Exception:  # an exception that does not pickle: its words do
                what = payload[1] if payload[0] == "error" else "results that do not pickle"
                data = pickle.dumps(("error", RuntimeError(f"{type(what).__name__}: {what}")))
            with os.fdopen(write, "wb") as out:
                out.write(data)
        except BaseException:  # noqa: BLE001 - the parent sees an empty answer and says so
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    return pid, read


def _receive(pid: int, fd: int) -> tuple[str, object]:
    from elastix_halint.errors import HalintError

    with os.fdopen(fd, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if not data:
        why = f"signal {-os.waitstatus_to_exitcode(status)}" if os.WIFSIGNALED(status) else "no answer"
        return "error", HalintError(f"a lint worker process ended without its results ({why})")
    return pickle.loads(data)


def _stop(pid: int, fd: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.close(fd)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
