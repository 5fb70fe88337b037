"""Crash-safe file writing: temp name in the target directory, fsync, rename, fsync the directory.

Modelled on borg's ``SaveFile``: the file is created 0600 (never chmod-ed later, so secrets are
never readable by others), a failure removes the temp file, and nothing ever appears under the
final name unless it is complete and on disk.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import io
import os
import threading

TEMP_MARK = ".halint-tmp-"


def fsync_dir(path: str) -> None:
    """Make a rename or create inside ``path`` durable (ignored where directories can't be synced)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError as exc:  # some network filesystems refuse fsync on directories
        if exc.errno not in (errno.EINVAL, errno.EBADF):
            raise
    finally:
        os.close(fd)


class AtomicFile:
    """``with AtomicFile(final) as fh: fh.write(...)`` – final appears only on success."""

    def __init__(self, final: str, mode: int = 0o600):
        self.final = final
        folder, name = os.path.split(final)
        self.folder = folder or "."
        self.temp = os.path.join(self.folder, f"{TEMP_MARK}{os.getpid()}-{name}")
        self.mode = mode
        self.fh = None

    def __enter__(self):
        fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, self.mode)
        self.fh = _WriteBehind(io.FileIO(fd, "wb"), 1 << 20)
        return self.fh

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.fh.flush()
                os.fsync(self.fh.fileno())
                self.fh.close()
                os.replace(self.temp, self.final)
                fsync_dir(self.folder)
                return
        except BaseException:
            self.discard()
            raise
        self.discard()

    def discard(self) -> None:
        try:
            if self.fh is not None and not self.fh.closed:
                self.fh.close()
        except OSError:
            pass  # closing a file on a full disk may fail again; the unlink below matters
        try:
            os.unlink(self.temp)
        except FileNotFoundError:
            pass


class _WriteBehind(io.BufferedWriter):
    """A file that has the kernel start writing its data to disk every ``EVERY`` bytes, so that
    the fsync before the rename finds little left to write (a 1.4 GiB archive left dirty until
    then took 0.4 s more to fsync, time in which nothing else happens). The writeback is asked
    for by a thread of its own: starting it can wait on a busy disk, and the writers (the
    compressing threads) must not. Only a hint: the fsync still decides, and reports errors."""

    EVERY = 64 << 20

    def __init__(self, raw, buffer_size: int):
        super().__init__(raw, buffer_size)
        self._since = 0
        self._wanted = threading.Event()
        self._done = False
        self._thread = None

    def write(self, data) -> int:
        n = super().write(data)
        self._since += n
        if self._since >= self.EVERY:
            self._since = 0
            if self._thread is None:
                self._thread = threading.Thread(target=self._write_behind, name="halint-writeback", daemon=True)
                self._thread.start()
            self._wanted.set()
        return n

    def _write_behind(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            if self._done:
                return
            start_writeback(self.raw.fileno())

    def close(self) -> None:
        if self._thread is not None:  # before the descriptor goes: the thread uses it
            self._done = True
            self._wanted.set()
            self._thread.join()
            self._thread = None
        super().close()


_SYNC_FILE_RANGE_WRITE = 2


@functools.cache
def _sync_file_range():
    try:
        fn = libc().sync_file_range
    except (AttributeError, OSError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint]
    return fn


def start_writeback(fd: int) -> None:
    """Start writing the file's dirty pages to disk, returning at once (Linux; elsewhere a
    no-op). What was written since is left for the next call or the final fsync."""
    fn = _sync_file_range()
    if fn is not None:
        fn(fd, 0, 0, _SYNC_FILE_RANGE_WRITE)  # errors: the fsync that follows reports them


def write_atomic(final: str, data: bytes, mode: int = 0o600) -> None:
    with AtomicFile(final, mode) as fh:
        fh.write(data)


_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
NO_RENAMEAT2_ENV = "HALINT_NO_RENAMEAT2"  # test hook: behave like a kernel without renameat2 (CentOS 5/6)


def libc():
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _renameat2(a: str, b: str, flags: int) -> bool:
    """renameat2(a, b, flags); False when this kernel or filesystem does not have it."""
    if os.environ.get(NO_RENAMEAT2_ENV):
        return False
    try:
        fn = libc().renameat2
    except (AttributeError, OSError):
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), flags)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), a, None, b)


def exchange(a: str, b: str) -> bool:
    """Atomically swap two paths (renameat2 RENAME_EXCHANGE). False when unsupported here."""
    return _renameat2(a, b, _RENAME_EXCHANGE)


def rename_noreplace(a: str, b: str) -> None:
    """Rename ``a`` to ``b`` but never over something already at ``b`` (FileExistsError).

    A plain rename silently replaces a file or an empty directory: kept data would be lost.
    Without RENAME_NOREPLACE the check and the rename are two steps; callers hold the lock.
    """
    if _renameat2(a, b, _RENAME_NOREPLACE):
        return
    if os.path.lexists(b):
        raise FileExistsError(errno.EEXIST, "already exists, not replaced", b)
    os.rename(a, b)


def start_sync(path: str):
    """``sync_filesystem`` on a thread, as a head start: the caller still syncs (and sees any
    error) before it relies on the data; that second sync then has little left to write."""
    import threading

    def quietly() -> None:
        try:
            sync_filesystem(path)
        except OSError:
            pass  # the caller's own sync reports it

    thread = threading.Thread(target=quietly, name="halint-sync", daemon=True)
    thread.start()
    return thread


def sync_filesystem(path: str) -> None:
    """Flush everything written on the filesystem holding ``path`` (syncfs, else sync)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc().syncfs(fd) != 0:
            os.sync()
    except (AttributeError, OSError):
        os.sync()
    finally:
        os.close(fd)
