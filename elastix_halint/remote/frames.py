"""What a node-side script sends back: frames with sizes, so any byte survives.

Binary stream (what ``scripts/lib.sh`` writes with ``hl_begin``/``hl_frame``/``hl_end``)::

    HALINT-STREAM 1 <kind>\\n                  kind: the script's name, e.g. collect
    <TAG> <name bytes> <data bytes> <info>\\n  then the name, the data and one \\n
    ...
    Z 0 0 <exit status>\\n\\n                   the end: a stream without it was cut

TAG is one letter whose meaning the script defines, name and data are raw bytes (paths with
newlines, binary file contents), info is one short ASCII word (``-`` when unused).

Armoured stream, for channels that carry text only (Ansible ``raw`` decodes stdout as UTF-8):
the same bytes between ``-----BEGIN HALINT STREAM <encoding>-----`` and
``-----END HALINT STREAM-----`` lines, encoded with ``base64`` / ``openssl base64`` (encoding
``base64``) or ``od -An -v -tx1`` (``hex``: CentOS 5 has no ``base64``, busybox always has
``od``). Whitespace and carriage returns (a pseudo-terminal) inside the block are ignored.

:func:`decode` reads either form, skipping whatever a login shell printed before the stream.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass
from typing import BinaryIO, Iterator

MAGIC = b"HALINT-STREAM 1 "
BEGIN = b"-----BEGIN HALINT STREAM "
END = b"-----END HALINT STREAM-----"
MAX_NAME = 1 << 16
_HEADER = re.compile(rb"([A-Za-z]) (\d{1,7}) (\d{1,15}) ([!-~]{1,64})\n")


class StreamError(ValueError):
    """The stream is malformed or cut short; the message says where."""


@dataclass(frozen=True)
class Frame:
    tag: str
    name: bytes
    data: bytes
    info: str = "-"

    @property
    def path(self) -> str:
        """The name as a str, undecodable bytes kept as surrogates (like ``os.fsdecode``)."""
        return self.name.decode("utf-8", "surrogateescape")

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


def encode_frame(tag: str, name: bytes | str, data: bytes | str, info: str = "-") -> bytes:
    """One frame as ``hl_frame`` writes it (for Python-side producers and tests)."""
    name = name.encode("utf-8", "surrogateescape") if isinstance(name, str) else name
    data = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    return b"%s %d %d %s\n" % (tag.encode(), len(name), len(data), info.encode()) + name + data + b"\n"


def encode_stream(kind: str, frames: list[Frame], status: int = 0) -> bytes:
    body = b"".join(encode_frame(f.tag, f.name, f.data, f.info) for f in frames)
    return MAGIC + kind.encode() + b"\n" + body + encode_frame("Z", b"", b"", str(status))


def armour(data: bytes, encoding: str = "base64") -> bytes:
    """The armoured form of a binary stream (what ``hl_armour`` makes on the node)."""
    if encoding == "hex":
        body = b"\n".join(data[i:i + 16].hex(" ").encode() for i in range(0, len(data), 16))
    else:
        body = base64.encodebytes(data).rstrip(b"\n")
    return BEGIN + encoding.encode() + b"-----\n" + body + b"\n" + END + b"\n"


def dearmour(data: bytes) -> bytes:
    """The binary stream inside an armoured block (text before and after it is ignored)."""
    start = data.find(BEGIN)
    line_end = data.find(b"\n", start)
    if start < 0 or line_end < 0:
        raise StreamError("no '-----BEGIN HALINT STREAM' line")
    encoding = data[start + len(BEGIN):line_end].rstrip(b"\r").removesuffix(b"-----")
    stop = data.find(END, line_end)
    if stop < 0:
        raise StreamError("the armoured stream has no END line: it was cut short")
    body = re.sub(rb"\s+", b"", data[line_end + 1:stop])
    try:
        if encoding == b"hex":
            return binascii.unhexlify(body)
        if encoding == b"base64":
            return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise StreamError(f"the armoured stream is damaged ({exc})") from None
    raise StreamError(f"unknown stream encoding {encoding.decode('ascii', 'replace')!r}")


def _stream_start(data: bytes) -> tuple[int, bool]:
    """(offset, armoured) of the first stream start at the beginning of a line."""
    best = None
    for marker, armoured in ((MAGIC, False), (BEGIN, True)):
        pos = 0
        while (pos := data.find(marker, pos)) >= 0:
            if pos == 0 or data[pos - 1:pos] == b"\n":
                if best is None or pos < best[0]:
                    best = (pos, armoured)
                break
            pos += 1
    if best is None:
        raise StreamError("no halint stream in this data (expected a 'HALINT-STREAM 1' or '-----BEGIN HALINT STREAM' line)")
    return best


def decode(data: bytes, kind: str) -> list[Frame]:
    """Every frame of a complete stream (binary or armoured) of the given kind, ``Z`` included."""
    start, armoured = _stream_start(data)
    binary = dearmour(data[start:]) if armoured else data[start:]
    return list(read_frames(io.BytesIO(binary), kind))


def read_frames(stream: BinaryIO, kind: str, magic: bytes | None = None, sinks: dict | None = None) -> Iterator[Frame]:
    """Frames as they arrive from a binary stream positioned at its magic line (or just after
    it, ``magic`` being that line); the last one yielded is the ``Z`` frame (StreamError when
    the stream ends before it). ``sinks``: tag -> ``make(name, info)``, an object with
    ``write(piece)`` and ``close()``: the data of a frame with that tag is written to it in
    pieces of at most :data:`SINK_PIECE` bytes as it arrives, then closed, and the frame is
    yielded with empty data (a 100,000-entry listing is ~15 MiB that is never held whole)."""
    magic = stream.readline(256) if magic is None else magic
    if not magic.startswith(MAGIC):
        raise StreamError("not a halint stream (no 'HALINT-STREAM 1' line)")
    got = magic[len(MAGIC):].rstrip(b"\n").decode("ascii", "replace")
    if got != kind:
        raise StreamError(f"a stream of {got!r}, not of {kind!r}")
    count = 0
    while True:
        header = stream.readline(128)
        if not header:
            raise StreamError(f"the stream was cut short after {count} frames (connection lost?)")
        m = _HEADER.fullmatch(header)
        if not m:
            raise StreamError(f"malformed frame header after {count} frames: {header[:60]!r}")
        tag, name_len, data_len, info = m.group(1).decode(), int(m.group(2)), int(m.group(3)), m.group(4).decode()
        if name_len > MAX_NAME:
            raise StreamError(f"frame name of {name_len} bytes after {count} frames")
        name = _exactly(stream, name_len, count)
        make = sinks.get(tag) if sinks else None
        if make is None:
            data = _exactly(stream, data_len, count)
        else:
            _pass_on(stream, data_len, count, make(name, info))
            data = b""
        if _exactly(stream, 1, count) != b"\n":
            raise StreamError(f"frame {count + 1} ({tag} {name[:40]!r}) does not end where its size says")
        count += 1
        yield Frame(tag, name, data, info)
        if tag == "Z":
            return


def read_all(stream: BinaryIO, kind: str, sinks: dict | None = None) -> list[Frame]:
    """Every frame of a complete stream read from a pipe as it comes, without holding the raw
    output beside the frames (a 100,000-entry listing is ~15 MiB): what a login shell printed
    before the stream is skipped, as :func:`decode` does; an armoured stream is read whole and
    decoded. ``sinks``: as :func:`read_frames` (an armoured stream's frames are written to
    them whole)."""
    while line := stream.readline(1 << 16):
        if line.startswith(MAGIC):
            return list(read_frames(stream, kind, line, sinks))
        if line.startswith(BEGIN):
            return [_sunk(f, sinks) for f in decode(line + stream.read(), kind)]
    raise StreamError("no halint stream in this data (expected a 'HALINT-STREAM 1' or '-----BEGIN HALINT STREAM' line)")


# Frame data is read in pieces of at most this size: one piece (so no joined copy) for any
# real frame, while a hostile size in a header cannot make one huge allocation up front.
_PIECE = 64 << 20


def _exactly(stream: BinaryIO, size: int, count: int) -> bytes:
    return b"".join(_pieces(stream, size, count, _PIECE))


# Sunk frames (``sinks`` above) are read and handed on in pieces of at most this size.
SINK_PIECE = 1 << 18


def _pass_on(stream: BinaryIO, size: int, count: int, sink) -> None:
    for piece in _pieces(stream, size, count, SINK_PIECE):
        sink.write(piece)
    sink.close()


def _pieces(stream: BinaryIO, size: int, count: int, most: int):
    """The next ``size`` bytes of ``stream``, in pieces of at most ``most`` bytes."""
    left = size
    while left:
        piece = stream.read(min(left, most))
        if not piece:
            raise StreamError(f"the stream was cut short inside frame {count + 1} (connection lost?)")
        left -= len(piece)
        yield piece


def _sunk(frame: Frame, sinks: dict | None) -> Frame:
    make = sinks.get(frame.tag) if sinks else None
    if make is None:
        return frame
    sink = make(frame.name, frame.info)
    if frame.data:
        sink.write(frame.data)
    sink.close()
    return Frame(frame.tag, frame.name, b"", frame.info)


class Pieces:
    """A sink (``read_frames``) for data made of units (records, lines) that a piece may cut:
    ``take(data, final)`` consumes the whole units at the start of ``data`` and returns how many
    bytes it consumed; the rest is kept and put in front of the next piece. At the end ``take``
    gets what is left with ``final`` true, as it would have got the whole data."""

    def __init__(self, take):
        self._take, self._rest = take, b""

    def write(self, piece: bytes) -> None:
        data = self._rest + piece if self._rest else piece
        self._rest = data[self._take(data, False):]

    def close(self) -> None:
        rest, self._rest = self._rest, b""
        self._take(rest, True)
