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


class _ZstdWriter(io.RawIOBase):
    """A write-only stream that compresses into ``fh`` and finishes the frame on close."""

    def __init__(self, fh):
        import zstandard

        params = zstandard.ZstdCompressionParameters.from_level(3, threads=-1, write_checksum=1)
        self._writer = zstandard.ZstdCompressor(compression_params=params).stream_writer(fh, closefd=False)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._writer.write(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._writer.close()
        super().close()


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
    """A decompressed view that seeks forward by reading and backward by starting over."""

    def __init__(self, path: str, kind: str):
        self.path, self.kind = path, kind
        self._raw = self._stream = None
        self._open()

    def _open(self) -> None:
        self._close_streams()
        self._raw = open(self.path, "rb")
        if self.kind == "zstd":
            import zstandard

            self._stream = zstandard.ZstdDecompressor().stream_reader(self._raw, read_across_frames=True)
        elif self.kind == "gzip":
            self._stream = gzip.GzipFile(fileobj=self._raw, mode="rb")
        else:
            self._stream = self._raw
        self._pos = 0

    def _close_streams(self) -> None:
        for stream in (self._stream, self._raw):
            if stream is not None:
                stream.close()

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
        if offset < self._pos:
            self._open()
        while self._pos < offset:
            if not self.read(min(offset - self._pos, 1 << 20)):
                break
        return self._pos

    def close(self) -> None:
        self._close_streams()
        super().close()
