"""Compression of the archive stream: zstd (default), gzip (old systems) or none.

zstd goes through the ``zstandard`` library rather than a pipe to the ``zstd`` binary: errors
come back as exceptions in this process (no half-dead pipe on a full disk), nothing depends on
PATH, and with ``threads=-1`` it compresses on every core while we hash and read files.
Readers detect the format by its magic bytes and can rewind (tarfile seeks back once, when
TarSafe has scanned every member and extraction starts at the first one).
"""

from __future__ import annotations

import bisect
import functools
import gzip
import io
import os
from collections import deque

from elastix_halint.errors import InputError

KINDS = ("zstd", "gzip", "none")
SUFFIX = {"zstd": ".tar.zst", "gzip": ".tar.gz", "none": ".tar"}
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b"


FRAME_SIZE = 2 << 20
SKIPPABLE_MAGIC = 0x184D2A5E  # the seek table's skippable frame (zstd seekable format)
PADDING_MAGIC = 0x184D2A50  # another skippable frame: the room reserved for the manifest
SEEKABLE_MAGIC = 0x8F92EAB1


class _ZstdWriter(io.RawIOBase):
    """Compresses 2 MiB pieces as independent zstd frames on a thread pool, in order, and ends
    with the zstd *seekable format* seek table (a skippable frame every zstd decoder ignores).

    Independent frames let restore's member scan jump over file data instead of decompressing
    it all twice. The pool threads join, compress and write each frame (waiting for the frame
    before to be written): the caller's thread only hands pieces over, so reading and hashing
    files there is never held up by copies or writes (zstandard and writes release the GIL).
    """

    def __init__(self, fh, workers: int | None = None, table: bool = True):
        import threading
        from collections import deque
        from concurrent.futures import ThreadPoolExecutor

        self._fh, self._parts, self._size, self._table = fh, [], 0, table
        self.frames: list = []  # (compressed size, decompressed size) of each frame written
        self._workers = workers or max(2, os.cpu_count() or 2)
        self._pool = ThreadPoolExecutor(self._workers)
        self._pending, self._local = deque(), threading.local()

    def _frame(self, parts: list, size: int, before) -> None:
        compressor = getattr(self._local, "compressor", None)
        if compressor is None:
            import zstandard

            compressor = self._local.compressor = zstandard.ZstdCompressor(level=3, write_checksum=True)
        frame = compressor.compress(b"".join(parts))
        if before is not None:
            before.result()  # frames are written in order; a failure before this one stops it too
        self._fh.write(frame)
        self.frames.append((len(frame), size))

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        # Frames end at the first write that reaches FRAME_SIZE (the seek table records each
        # frame's real size). Pieces are joined by the pool thread, so data is copied once there.
        self._parts.append(bytes(data))
        self._size += len(data)
        if self._size >= FRAME_SIZE:
            self._submit()
        return len(data)

    def _submit(self) -> None:
        before = self._pending[-1] if self._pending else None
        self._pending.append(self._pool.submit(self._frame, self._parts, self._size, before))
        self._parts, self._size = [], 0
        while len(self._pending) > self._workers:  # bounded: ~4 MiB per frame in flight
            self._pending.popleft().result()

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self._parts:
                self._submit()
            while self._pending:
                self._pending.popleft().result()
            if self._table:
                self._fh.write(seek_table(self.frames))
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
            super().close()


def frames_writer(fh) -> _ZstdWriter:
    """A zstd stream of independent frames without a seek table: a part of an archive that
    is laid out by the caller (``frames`` lists what it wrote, for the caller's table)."""
    return _ZstdWriter(fh, table=False)


def compressed_bound(size: int) -> int:
    """The most bytes ``size`` bytes can take as our frames (zstd's ZSTD_COMPRESSBOUND per
    frame, plus frame headers and checksums, generously)."""
    frames = size // FRAME_SIZE + 1
    return size + (size >> 7) + frames * 256 + 4096


def skippable_frame(total: int) -> bytes:
    """The 8-byte header of a skippable frame ``total`` bytes long in all (its content, the
    rest, is whatever the file holds there: a hole reads as zeros). Every decoder skips it."""
    return PADDING_MAGIC.to_bytes(4, "little") + (total - 8).to_bytes(4, "little")


def seek_table(frames) -> bytes:
    entries = b"".join(c.to_bytes(4, "little") + d.to_bytes(4, "little") for c, d in frames)
    footer = len(frames).to_bytes(4, "little") + b"\x00" + SEEKABLE_MAGIC.to_bytes(4, "little")
    body = entries + footer
    return SKIPPABLE_MAGIC.to_bytes(4, "little") + len(body).to_bytes(4, "little") + body


MAX_FRAME = 64 << 20  # larger frames are not ours: the table is ignored, the stream read


def read_frame_spans(raw) -> list[tuple[int, int, int, int]] | None:
    """(compressed offset, compressed size, decompressed offset, decompressed size) of each
    frame the seek table lists, or None without a valid table."""
    end = raw.seek(0, os.SEEK_END)
    if end < 17:
        return None
    raw.seek(end - 9)
    footer = raw.read(9)
    if int.from_bytes(footer[5:], "little") != SEEKABLE_MAGIC or footer[4] & 0x7C:
        return None
    count, entry_size = int.from_bytes(footer[:4], "little"), 12 if footer[4] & 0x80 else 8
    start = end - 9 - count * entry_size - 8
    if start < 0:
        return None
    raw.seek(start)
    head = raw.read(8)
    if int.from_bytes(head[:4], "little") != SKIPPABLE_MAGIC:
        return None
    table = raw.read(count * entry_size)
    spans, comp, decomp = [], 0, 0
    for i in range(count):
        comp_size = int.from_bytes(table[i * entry_size : i * entry_size + 4], "little")
        size = int.from_bytes(table[i * entry_size + 4 : i * entry_size + 8], "little")
        if size > MAX_FRAME:
            return None
        spans.append((comp, comp_size, decomp, size))
        comp, decomp = comp + comp_size, decomp + size
    return spans if comp == start else None


def open_writer(fh, kind: str):
    """A binary stream compressing into the open file ``fh``; closing it leaves ``fh`` open."""
    if kind == "zstd":
        return _ZstdWriter(fh)
    if kind == "gzip":
        return gzip.GzipFile(fileobj=fh, mode="wb", compresslevel=6, mtime=0)
    return _Uncloseable(fh)


class _Uncloseable(io.RawIOBase):
    def __init__(self, fh):
        self._fh = fh

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return self._fh.write(data)


def detect(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except IsADirectoryError:
        raise InputError("is a directory, not a snapshot archive", path) from None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), path) from None
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if len(head) == 512 and head[257:262] == b"ustar":
        return "none"
    raise InputError("not a halint snapshot (neither zstd, gzip nor tar)", path)


def open_reader(path: str, kind: str) -> "StreamReader":
    """A seekable decompressed view of the archive: through the seek table of our zstd
    archives when it has a valid one, else by streaming."""
    if kind == "zstd":
        with open(path, "rb") as raw:
            spans = read_frame_spans(raw)
        if spans:
            return FrameReader(path, spans)
    return StreamReader(path, kind)


class StreamReader(io.RawIOBase):
    """Seeks forward by reading and backward by starting over."""

    def __init__(self, path: str, kind: str):
        self.path, self.kind = path, kind
        self._raw = self._stream = None
        self._raw = open(path, "rb")
        self._restart()

    def _restart(self) -> None:
        if self._stream is not None and self._stream is not self._raw:
            self._stream.close()
        self._raw.seek(0)
        if self.kind == "zstd":
            import zstandard

            self._stream = zstandard.ZstdDecompressor().stream_reader(self._raw, read_across_frames=True, closefd=False)
        elif self.kind == "gzip":
            self._stream = gzip.GzipFile(fileobj=self._raw, mode="rb")
        else:
            self._stream = self._raw
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            chunks = []
            while chunk := self.read(1 << 20):
                chunks.append(chunk)
            return b"".join(chunks)
        data = self._stream.read(size)
        self._pos += len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read_view(self, size: int):
        """Up to ``size`` bytes, as any bytes-like object (FrameReader's avoids a copy)."""
        return self.read(size)

    def matches(self, offset: int, expected: bytes) -> bool:
        """Whether the archive holds ``expected`` at ``offset``; leaves the position after it."""
        self.seek(offset)
        got = b""
        while len(got) < len(expected) and (more := self.read(len(expected) - len(got))):
            got += more
        return got == expected

    def follow(self, spans) -> None:
        """A hint: the next reads visit these (offset, length) spans, in rising order."""

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_CUR:
            offset += self._pos
        elif whence != os.SEEK_SET:
            raise io.UnsupportedOperation("cannot seek from the end of a compressed archive")
        if self.kind == "none":
            self._pos = self._raw.seek(offset)
            return self._pos
        if offset < self._pos:
            self._restart()
        while self._pos < offset:
            if not self.read(min(offset - self._pos, 1 << 20)):
                break
        return self._pos

    def close(self) -> None:
        for stream in (self._stream, self._raw):
            if stream is not None:
                stream.close()
        super().close()


@functools.cache
def steady_allocations() -> None:
    """Have glibc's malloc keep and reuse the memory of freed frames (once per process).

    Each frame read is a fresh ~2 MiB bytes object (its compressed input another ~1.5 MiB),
    freed a moment later. By default glibc maps blocks that big anew, or hands heap memory back
    to the kernel, and faults it in again, zeroed, in each thread's own arena. One arena, blocks
    up to 4 MiB from the heap and 16 MiB kept at its top instead: reading the 560 MiB archive of
    a 512 MiB tree took ~8,600 page faults instead of 22,000-40,000, its digest pass (restore
    --ssh) ~8% less CPU, and the peak RSS of restore --ssh fell from 51.7 to 46.3 MiB. Not
    glibc: nothing to tune."""
    from elastix_halint.snapshot.atomic import libc

    try:
        mallopt = libc().mallopt
    except (AttributeError, OSError):
        return
    for option, value in ((_M_ARENA_MAX, 1), (_M_MMAP_THRESHOLD, 4 << 20), (_M_TRIM_THRESHOLD, 16 << 20)):
        mallopt(option, value)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8  # glibc's malloc.h


def _is_skippable(magic: bytes) -> bool:
    """Any of the 16 skippable-frame magics (0x184D2A50 to 0x184D2A5F)."""
    return len(magic) == 4 and int.from_bytes(magic, "little") & ~0xF == PADDING_MAGIC & ~0xF


class FrameReader(StreamReader):
    """Random access through the seek table: each frame is decompressed on its own, so a seek
    costs one frame at most, and the frames the caller will read next are decompressed ahead on
    a worker thread (zstandard releases the GIL), overlapping with the caller's file writes:
    the following frames while it reads on sequentially, or the frames of the spans ``follow``
    announced (a scan of member headers that jumps over file data). A frame must decompress
    to exactly the size the table gives, checked before any memory is allocated for it (a
    lying frame header cannot make us allocate more)."""

    AHEAD = 2  # frames decompressed ahead: ~4 MiB in memory

    def __init__(self, path: str, spans: list, workers: int | None = None):
        """``workers``: threads decompressing ahead (default: every core but the caller's,
        at most AHEAD); as many frames are decompressed ahead, at least AHEAD."""
        from concurrent.futures import ThreadPoolExecutor

        steady_allocations()
        self.path, self.kind, self._spans = path, "zstd", spans
        self._starts = [decomp for _, _, decomp, _ in spans]
        self._raw = open(path, "rb")
        self._fd = self._raw.fileno()
        workers = workers or max(1, min(self.AHEAD, (os.cpu_count() or 2) - 1))
        self.AHEAD = max(self.AHEAD, workers)
        self._pool = ThreadPoolExecutor(workers)
        self._ahead: dict = {}  # frame index -> Future of its bytes
        self._plan, self._planned = None, deque()  # frames announced by follow(), not yet loaded
        self._index, self._buf, self._off = -1, b"", 0  # nothing read until asked: errors surface in read()

    def _decompress(self, index: int) -> bytes:
        import zstandard

        comp, comp_size, _, size = self._spans[index]
        if size == 0 and comp_size >= 8 and _is_skippable(os.pread(self._fd, 4, comp)):
            return b""  # padding (see writer.py): nothing to decompress
        data = os.pread(self._fd, comp_size, comp)
        if len(data) != comp_size:
            raise EOFError(f"archive truncated in zstd frame {index}")
        declared = zstandard.get_frame_parameters(data).content_size
        if declared not in (size, zstandard.CONTENTSIZE_UNKNOWN):
            raise zstandard.ZstdError(f"zstd frame {index} declares {declared} bytes, the seek table {size}")
        out = zstandard.ZstdDecompressor().decompress(data, max_output_size=size)
        if len(out) != size:
            raise zstandard.ZstdError(f"zstd frame {index} holds {len(out)} bytes, the seek table says {size}")
        return out

    def clone(self, workers: int | None = None) -> "FrameReader":
        """Another reader of the same archive, with its own position and read-ahead."""
        return FrameReader(self.path, self._spans, workers)

    def follow(self, spans) -> None:
        self._plan, self._planned = self._frames_of(spans), deque()

    def _frames_of(self, spans):
        last, last_end = -1, 0  # the last frame yielded, and where the next one starts
        for offset, length in spans:
            end = offset + max(length, 1)
            if end <= last_end:  # most headers: inside the frame of the one before
                continue
            for index in range(max(last + 1, self._frame_at(offset)), self._frame_at(end - 1) + 1):
                yield index
                last = index
            last_end = self._starts[last + 1] if last + 1 < len(self._starts) else self._end()

    def _frame_at(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset) - 1

    def _upcoming(self, index: int, sequential: bool):
        """The frames to have decompressed ahead once frame ``index`` is current."""
        if self._plan is None:
            return range(index + 1, min(index + 1 + self.AHEAD, len(self._spans))) if sequential else ()
        while self._planned and self._planned[0] <= index:
            self._planned.popleft()
        while len(self._planned) < self.AHEAD and (nxt := next(self._plan, None)) is not None:
            if nxt > index:
                self._planned.append(nxt)
        if not self._planned:  # the announced spans are done: back to reading on sequentially
            self._plan = None
            return self._upcoming(index, sequential)
        return self._planned

    def _load(self, index: int, sequential: bool) -> None:
        """Make frame ``index`` current and keep the frames expected next decompressing."""
        future = self._ahead.pop(index, None)
        upcoming = self._upcoming(index, sequential)
        for stale in [i for i in self._ahead if i not in upcoming]:
            self._ahead.pop(stale).cancel()
        self._buf = future.result() if future is not None else (self._decompress(index) if index < len(self._spans) else b"")
        self._index, self._off = index, 0
        for ahead in upcoming:
            if ahead not in self._ahead:
                self._ahead[ahead] = self._pool.submit(self._decompress, ahead)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return super().read(size)
        return bytes(self.read_view(size))

    def read_view(self, size: int):
        """Up to ``size`` bytes of the current frame, as a view: no copy of file data."""
        while self._off >= len(self._buf) and self._index < len(self._spans):
            self._load(self._index + 1, sequential=True)
        data = memoryview(self._buf)[self._off : self._off + size]
        self._off += len(data)
        return data

    def matches(self, offset: int, expected: bytes) -> bool:
        index = self._index
        if 0 <= index < len(self._spans) and 0 <= offset - self._starts[index] < len(self._buf):
            self._off = offset - self._starts[index]  # in the current frame: no seek
        else:
            self.seek(offset)
        start = self._off
        if start + len(expected) <= len(self._buf):  # within this frame: compare in place
            self._off += len(expected)
            return self._buf.startswith(expected, start)
        return super().matches(offset, expected)

    def tell(self) -> int:
        if self._index < 0:
            return 0
        return self._starts[self._index] + self._off if self._index < len(self._spans) else self._end()

    def _end(self) -> int:
        return self._starts[-1] + self._spans[-1][3]

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_CUR:
            offset += self.tell()
        elif whence != os.SEEK_SET:
            raise io.UnsupportedOperation("cannot seek from the end of a compressed archive")
        offset = min(max(offset, 0), self._end())
        index = self._frame_at(offset)
        if offset == self._end():
            index = len(self._spans)
        if index != self._index:
            self._load(index, sequential=index == self._index + 1)
        self._off = offset - (self._starts[index] if index < len(self._spans) else self._end())
        return offset

    def close(self) -> None:
        if self.closed:
            return
        for future in self._ahead.values():
            future.cancel()
        self._pool.shutdown(wait=True)
        self._raw.close()
        io.RawIOBase.close(self)
