"""Several nodes at once: connections opened, and work done, in parallel threads.

Each node is one ``ssh`` process doing its own I/O, so threads are enough. Errors are gathered
for every node (one line each, in the order the nodes were given) rather than stopping at the
first, and every connection that did open is closed again.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator, Sequence, TypeVar

from elastix_halint.remote.dest import Dest
from elastix_halint.remote.errors import RemoteError, RemoteErrors
from elastix_halint.remote.ssh import Connection, SshOptions

T = TypeVar("T")
R = TypeVar("R")


def each(items: Sequence[T], work: Callable[[T], R]) -> list[R]:
    """``work(item)`` for every item in parallel; results in order. RemoteErrors of all failed
    items are raised together; any other exception is re-raised as it is."""
    if len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(len(items), 16)) as pool:
        futures = [pool.submit(work, item) for item in items]
        outcomes = []
        for future in futures:
            try:
                outcomes.append((future.result(), None))
            except BaseException as exc:  # gathered, re-raised below
                outcomes.append((None, exc))
    failures = [exc for _, exc in outcomes if exc is not None]
    others = [exc for exc in failures if not isinstance(exc, RemoteError)]
    if others:
        raise others[0]
    if failures:
        raise failures[0] if len(failures) == 1 else RemoteErrors(failures)
    return [result for result, _ in outcomes]


@contextlib.contextmanager
def connected(dests: Sequence[Dest], options: SshOptions | None = None, open_now: bool = True) -> Iterator[list[Connection]]:
    """Open one connection per node in parallel; close them all on the way out, also when
    halint is told to stop (SIGTERM, SIGHUP: handled as Ctrl-C while the connections are open).

    With ``open_now=False`` the masters are only started: the caller opens each connection in
    its own ``each`` work, so that one node's failure to connect and another's failure to do
    its part are reported together."""
    options = options or SshOptions()
    options.check()
    conns = [Connection(dest, options) for dest in dests]
    with _stops_as_interrupt():
        try:
            for conn in conns:  # on this thread: a master ends with the thread that started it
                conn.launch()
            if open_now:
                each(conns, lambda conn: conn.open())
            yield conns
        finally:
            for conn in conns:
                conn.close()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


@contextlib.contextmanager
def _stops_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
