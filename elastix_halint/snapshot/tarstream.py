"""Reading a tar stream as it arrives from a node's own tar (GNU tar 1.15+ or busybox).

Only names, types and sizes are read from it (everything else comes from the node's listing):
ustar headers with their prefix, GNU long names (``L``/``K``), pax ``path`` and ``size``
records, base-256 sizes. Zero blocks between members are skipped, so several archives one
after the other (``xargs tar``) read as one. Every header's checksum is checked: a stream that
is not tar, or is damaged, ends in :class:`TarStreamError` rather than in wrong file contents.
"""

from __future__ import annotations

from dataclasses import dataclass

BLOCK = 512
_ZERO = bytes(BLOCK)


class TarStreamError(ValueError):
    """The stream is not a tar stream, or is cut or damaged; the message says where."""


@dataclass(frozen=True, slots=True)
class Member:
    name: bytes
    type: bytes  # b"0" regular, b"5" directory, b"2" symlink, ...
    size: int

    @property
    def regular(self) -> bool:
        return self.type in (b"0", b"\0", b"7")


def _number(field: bytes) -> int:
    if field[:1] and field[0] & 0x80:  # GNU base-256
        value = int.from_bytes(field, "big")
        return value - (1 << (8 * len(field) - 1)) if not field[0] & 0x40 else value - (1 << (8 * len(field)))
    digits = field.rstrip(b"\0 ").lstrip(b" ")
    return int(digits, 8) if digits else 0


def _checksum_ok(block: bytes) -> bool:
    stored = _number(block[148:156])
    return stored == sum(block[:148]) + 256 + sum(block[156:])


def _pax(data: bytes) -> dict[bytes, bytes]:
    records, pos = {}, 0
    while pos < len(data):
        space = data.find(b" ", pos)
        if space < 0:
            break
        length = int(data[pos:space])
        record = data[space + 1:pos + length - 1]
        key, _, value = record.partition(b"=")
        records[key] = value
        pos += length
    return records


class TarStream:
    """``next()`` gives the next member (None at the end); ``read(n)`` reads its data."""

    def __init__(self, raw, buffer: int = 1 << 20):
        import io

        self._raw = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw, buffer)
        self._left = 0  # data bytes of the current member not read yet
        self._pad = 0
        self.members = 0

    def _exactly(self, size: int) -> bytes:
        data = self._raw.read(size)
        if len(data) != size:
            raise TarStreamError(f"the tar stream ended inside member {self.members + 1} (connection lost?)")
        return data

    def skip(self) -> None:
        """Skip the rest of the current member's data."""
        left = self._left + self._pad
        while left:
            got = self._raw.read(min(left, 1 << 20))
            if not got:
                raise TarStreamError(f"the tar stream ended inside member {self.members} (connection lost?)")
            left -= len(got)
        self._left = self._pad = 0

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes of the current member's data ('' at its end)."""
        size = min(size, self._left)
        if not size:
            return b""
        data = self._raw.read(size)
        if not data:
            raise TarStreamError(f"the tar stream ended inside member {self.members} (connection lost?)")
        self._left -= len(data)
        return data

    def next(self) -> Member | None:
        self.skip()
        long_name = None
        pax: dict = {}
        while True:
            block = self._raw.read(BLOCK)
            if not block:
                return None
            if len(block) != BLOCK:
                raise TarStreamError(f"the tar stream ended inside a header after {self.members} members")
            if block == _ZERO:
                continue
            if not _checksum_ok(block):
                raise TarStreamError(f"bad tar header checksum after {self.members} members (not tar, or damaged)")
            kind = block[156:157]
            size = _number(block[124:136])
            if kind in (b"L", b"K", b"x", b"g"):
                data = self._exactly(size)
                self._exactly(-size % BLOCK)
                if kind == b"L":
                    long_name = data.rstrip(b"\0")
                elif kind == b"x":
                    pax = _pax(data)
                continue
            name = block[:100].split(b"\0", 1)[0]
            if block[257:262] == b"ustar" and block[345:346] != b"\0":
                name = block[345:500].split(b"\0", 1)[0] + b"/" + name
            name = pax.get(b"path", long_name or name)
            if b"size" in pax:
                size = int(pax[b"size"])
            if kind in (b"1", b"2", b"3", b"4", b"5", b"6"):
                size = 0  # links, devices, directories, FIFOs carry no data
            self.members += 1
            self._left, self._pad = size, -size % BLOCK
            return Member(name, kind, size)
