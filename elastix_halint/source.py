"""Read a text file the way every parser needs it, with one clear error for each bad case.

Refused (``InputError``, exit 2): missing, a directory, unreadable, over 16 MiB, binary (NUL
bytes), empty. Not UTF-8 is *not* refused: configs often carry Latin-1 comments, so the text is
decoded as Latin-1 and a warning is recorded.
"""

from __future__ import annotations

import errno
import functools
import os
import stat

from elastix_halint.errors import InputError
from elastix_halint.model.record import Record

MAX_BYTES = 16 * 1024 * 1024


class SourceFile(Record):
    path: str  # as shown in reports (relative to the bundle or as given)
    text: str
    encoding: str = "utf-8"
    warnings: tuple[str, ...] = ()
    real_path: str | None = None  # where it was read from, when different from ``path``

    def line(self, number: int) -> str:
        """Text of 1-based line ``number`` without its newline ('' when out of range)."""
        lines = _lines(self.text)
        return lines[number - 1] if 1 <= number <= len(lines) else ""


@functools.lru_cache(maxsize=64)
def _lines(text: str) -> list[str]:
    """The lines of a file's text, split once (a report quotes many lines of one file).

    Split on "\n" only, as the parsers count lines: splitlines() would also break on \x0b,
    \x0c and \u2028 and quote the wrong line."""
    return text.split("\n")


def decode(data: bytes, path: str, allow_empty: bool = False) -> SourceFile:
    if b"\x00" in data:
        raise InputError("binary file (contains NUL bytes), not a text configuration", path)
    if not allow_empty and not data.strip():
        raise InputError("file is empty", path)
    warnings: tuple[str, ...] = ()
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError as exc:
        text = data.decode("latin-1")
        encoding = "latin-1"
        line = data[: exc.start].count(b"\n") + 1
        warnings = (f"line {line}: not valid UTF-8; decoded as Latin-1",)
    return SourceFile(path=path, text=text, encoding=encoding, warnings=warnings)


def _read_at_most(path: str, limit: int, size: int) -> bytes:
    """The first ``limit`` bytes of ``path`` (all of it when shorter), read in pieces the size
    of the file as stat saw it, then 64 KiB (a /proc file says 0; a file may grow). Not
    ``read(limit)``: that allocates ``limit`` bytes (16 MiB) for every file, which cost 8 times
    as much as reading a small config (a ``halint lint`` reads ~13 files a node)."""
    chunks = []
    want = size + 1 if size else 65536
    with open(path, "rb", buffering=0) as fh:
        while limit > 0:
            chunk = fh.read(min(want, limit))
            if not chunk:
                break
            chunks.append(chunk)
            limit -= len(chunk)
            want = 65536
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_source(real_path: str, display: str | None = None, allow_empty: bool = False) -> SourceFile:
    """Read ``real_path``; report errors under ``display`` (defaults to the path itself)."""
    shown = display or real_path
    try:
        st = os.stat(real_path)
    except FileNotFoundError:
        raise InputError("no such file", shown) from None
    except PermissionError:
        raise InputError("permission denied", shown) from None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), shown) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError("is a directory, not a file", shown)
    if not stat.S_ISREG(st.st_mode):
        raise InputError("not a regular file", shown)
    if st.st_size > MAX_BYTES:
        raise InputError(f"file too large ({st.st_size} bytes; the limit is {MAX_BYTES})", shown)
    try:
        data = _read_at_most(real_path, MAX_BYTES + 1, st.st_size)
    except PermissionError:
        raise InputError("permission denied", shown) from None
    except OSError as exc:
        if exc.errno == errno.EISDIR:
            raise InputError("is a directory, not a file", shown) from None
        raise InputError(exc.strerror or str(exc), shown) from None
    src = decode(data, shown, allow_empty=allow_empty)
    if shown != real_path:
        src = SourceFile(src.path, src.text, src.encoding, src.warnings, real_path)
    return src
