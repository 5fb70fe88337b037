"""Compression of the archive stream: zstd (default), gzip (old systems) or none.

zstd goes through the ``zstandard`` library rather than a pipe to the ``zstd`` binary: errors
come back as exceptions in this process (no half-dead pipe on a full disk), nothing depends on
PATH, and with ``threads=-1`` it compresses on every core while we hash and read files.
Readers detect the format by its magic bytes and can rewind (tarfile seeks back once, when
TarSafe has scanned every member and extraction starts at the first one).
"""

from __future__ import annotations

import gzip
import io
import os

from elastix_halint.errors import InputError

KINDS = ("zstd", "gzip", "none")
SUFFIX = {"zstd": ".tar.zst", "gzip": ".tar.gz", "none": ".tar"}
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b"


FRAME_SIZE = 2 << 20
SKIPPABLE_MAGIC = 0x184D2A5E
SEEKABLE_MAGIC = 0x8F92EAB1


class _ZstdWriter(io.RawIOBase):
    """Compresses 2 MiB pieces as independent zstd frames on a thread pool, in order, and ends
    with the zstd *seekable format* seek table (a skippable frame every zstd decoder ignores).

    Independent frames let restore's member scan jump over file data instead of decompressing
    it all twice; the pool keeps every core busy (zstandard releases the GIL).
    """

    def __init__(self, fh, workers: int | None = None):
        import threading
        from collections import deque
        from concurrent.futures import ThreadPoolExecutor

        self._fh, self._parts, self._size, self._frames = fh, [], 0, []
        self._workers = workers or max(2, os.cpu_count() or 2)
        self._pool = ThreadPoolExecutor(self._workers)
        self._pending, self._local = deque(), threading.local()

    def _compress(self, chunk: bytes) -> bytes:
        compressor = getattr(self._local, "compressor", None)
        if compressor is None:
            import zstandard

            compressor = self._local.compressor = zstandard.ZstdCompressor(level=3, write_checksum=True)
        return compressor.compress(chunk)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        # Collect pieces and join once per frame: frames end at the first write that reaches
        # FRAME_SIZE (the seek table records each frame's real size), so data is copied once.
        self._parts.append(bytes(data))
        self._size += len(data)
        if self._size >= FRAME_SIZE:
            self._submit(b"".join(self._parts))
            self._parts, self._size = [], 0
        return len(data)

    def _submit(self, chunk: bytes) -> None:
        self._pending.append((len(chunk), self._pool.submit(self._compress, chunk)))
        while len(self._pending) > self._workers:  # bounded: ~4 MiB per worker in flight
            self._drain_one()

    def _drain_one(self) -> None:
        size, future = self._pending.popleft()
        frame = future.result()
        self._fh.write(frame)
        self._frames.append((len(frame), size))

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self._parts:
                self._submit(b"".join(self._parts))
            while self._pending:
                self._drain_one()
            self._fh.write(seek_table(self._frames))
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
            super().close()


def seek_table(frames) -> bytes:
    entries = b"".join(c.to_bytes(4, "little") + d.to_bytes(4, "little") for c, d in frames)
    footer = len(frames).to_bytes(4, "little") + b"\x00" + SEEKABLE_MAGIC.to_bytes(4, "little")
    body = entries + footer
    return SKIPPABLE_MAGIC.to_bytes(4, "little") + len(body).to_bytes(4, "little") + body


def read_seek_table(raw) -> list[tuple[int, int]] | None:
    """[(compressed offset, decompressed offset)] of each frame, or None without a valid table."""
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
    offsets, comp, decomp = [], 0, 0
    for i in range(count):
        offsets.append((comp, decomp))
        comp += int.from_bytes(table[i * entry_size : i * entry_size + 4], "little")
        decomp += int.from_bytes(table[i * entry_size + 4 : i * entry_size + 8], "little")
    return offsets if comp == start else None


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


class RewindingReader(io.RawIOBase):
    """A decompressed view that seeks: through the seek table of our zstd archives when it
    has one, else forward by reading and backward by starting over."""

    def __init__(self, path: str, kind: str):
        self.path, self.kind = path, kind
        self._raw = self._stream = None
        self._frames = None
        self._raw = open(path, "rb")
        if kind == "zstd":
            self._frames = read_seek_table(self._raw)
        self._start_at(0, 0)

    def _start_at(self, compressed: int, position: int) -> None:
        if self._stream is not None and self._stream is not self._raw:
            self._stream.close()
        self._raw.seek(compressed)
        if self.kind == "zstd":
            import zstandard

            self._stream = zstandard.ZstdDecompressor().stream_reader(self._raw, read_across_frames=True, closefd=False)
        elif self.kind == "gzip":
            self._stream = gzip.GzipFile(fileobj=self._raw, mode="rb")
        else:
            self._stream = self._raw
        self._pos = position

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
        if self._frames and (offset < self._pos or offset - self._pos > FRAME_SIZE):
            import bisect

            index = bisect.bisect_right([d for _, d in self._frames], offset) - 1
            self._start_at(*self._frames[max(index, 0)])
        elif offset < self._pos:
            self._start_at(0, 0)
        while self._pos < offset:
            if not self.read(min(offset - self._pos, 1 << 20)):
                break
        return self._pos

    def close(self) -> None:
        for stream in (self._stream, self._raw):
            if stream is not None:
                stream.close()
        super().close()
