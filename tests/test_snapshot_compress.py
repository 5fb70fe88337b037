"""The zstd writer's frames and seek table: any decoder reads it, our reader seeks through it."""

from __future__ import annotations

import random
import subprocess

import pytest

from elastix_halint.snapshot import compress


def _write(path, data: bytes, kind: str) -> None:
    with open(path, "wb") as fh:
        stream = compress.open_writer(fh, kind)
        for start in range(0, len(data), 700_001):  # odd sizes: frames do not align with writes
            stream.write(data[start : start + 700_001])
        stream.close()


@pytest.fixture(scope="module")
def payload() -> bytes:
    rng = random.Random(3)
    return b"".join(rng.randbytes(1 << 20) if i % 3 else bytes(1 << 20) for i in range(13)) + b"tail"


@pytest.mark.parametrize("kind", compress.KINDS)
def test_random_seeks_read_the_same_bytes(tmp_path, payload, kind):
    path = tmp_path / f"a.{kind}"
    _write(path, payload, kind)
    if kind != "none":  # a plain file is only recognised by its tar header
        assert compress.detect(str(path)) == kind
    reader = compress.open_reader(str(path), kind)
    if kind == "zstd":
        starts = reader._starts if isinstance(reader, compress.FrameReader) else []
        assert len(starts) > 2 and all(b - a >= compress.FRAME_SIZE for a, b in zip(starts, starts[1:]))
    rng = random.Random(7)
    for _ in range(40):
        offset = rng.randrange(len(payload))
        assert reader.seek(offset) == offset
        assert reader.read(5000) == payload[offset : offset + 5000]
    reader.seek(0)
    assert reader.read() == payload
    reader.close()


@pytest.mark.parametrize("kind", compress.KINDS)
def test_followed_spans_are_matched_in_place_and_reading_on_still_works(tmp_path, payload, kind):
    """restore's header check announces the spans it will compare (``follow``) and compares
    them in the decompressed frame (``matches``); spans straddling frames must work too."""
    path = tmp_path / f"a.{kind}"
    _write(path, payload, kind)
    reader = compress.open_reader(str(path), kind)
    rng = random.Random(11)
    spans = sorted((rng.randrange(len(payload) - 600), rng.choice((1, 512, 1536))) for _ in range(60))
    spans = [s for s, t in zip(spans, [(-1, 0)] + spans) if s[0] >= t[0] + t[1]]  # no overlaps
    starts = getattr(reader, "_starts", [])
    spans += [(start - 100, 512) for start in starts[1:3]]  # across frame boundaries
    spans.sort()
    reader.follow(iter(spans))
    for offset, length in spans:
        wanted = payload[offset : offset + length]
        assert reader.matches(offset, wanted)
        assert reader.tell() == offset + length
        assert not reader.matches(offset, wanted[:-1] + bytes([wanted[-1] ^ 1]))
    if isinstance(reader, compress.FrameReader):
        assert len(reader._ahead) <= reader.AHEAD
    reader.seek(0)
    got, read_ahead = bytearray(), 0
    while view := reader.read_view(300_000):
        got += view
        read_ahead = max(read_ahead, len(getattr(reader, "_ahead", ())))
    assert got == payload
    assert read_ahead == (compress.FrameReader.AHEAD if isinstance(reader, compress.FrameReader) else 0)
    reader.close()


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_a_clone_decompressing_on_more_threads_reads_the_same_bytes(tmp_path, payload, workers):
    """restore --ssh checks every digest through a clone decompressing on every core: frames
    finished out of order must still be handed out in order, after seeks too."""
    path = tmp_path / "a.zst"
    _write(path, payload, "zstd")
    first = compress.open_reader(str(path), "zstd")
    reader = first.clone(workers)
    first.close()
    assert reader._pool._max_workers == workers and reader.AHEAD >= workers
    got, most_ahead = bytearray(), 0
    while view := reader.read_view(1 << 20):
        got += view
        most_ahead = max(most_ahead, len(reader._ahead))
    assert got == payload and most_ahead == max(workers, compress.FrameReader.AHEAD)
    rng = random.Random(5)
    for _ in range(20):
        offset = rng.randrange(len(payload))
        reader.seek(offset)
        got = bytearray()
        while len(got) < 3 << 20 and (view := reader.read_view((3 << 20) - len(got))):
            got += view  # a view ends with its frame: read on across frames
        assert got == payload[offset : offset + (3 << 20)]
    reader.close()


def test_zstd_binary_decodes_frames_and_skips_the_seek_table(tmp_path, payload):
    path = tmp_path / "a.zst"
    _write(path, payload, "zstd")
    out = subprocess.run(["zstd", "-dc", str(path)], capture_output=True, check=True).stdout
    assert out == payload


def test_without_a_valid_seek_table_the_reader_rewinds(tmp_path, payload):
    path = tmp_path / "a.zst"
    _write(path, payload, "zstd")
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0xFF  # break the seekable magic
    path.write_bytes(bytes(raw))
    reader = compress.open_reader(str(path), "zstd")
    assert not isinstance(reader, compress.FrameReader)
    reader.seek(len(payload) - 10)
    assert reader.read(10) == payload[-10:]
    reader.seek(3)
    assert reader.read(4) == payload[3:7]
    reader.close()


def test_seek_table_round_trip():
    frames = [(100, 4096), (50, 4096), (7, 10)]
    table = compress.seek_table(frames)
    import io

    blob = io.BytesIO(bytes(157) + table)
    assert compress.read_frame_spans(blob) == [(0, 100, 0, 4096), (100, 50, 4096, 4096), (150, 7, 8192, 10)]
    assert compress.read_frame_spans(io.BytesIO(bytes(10) + table)) is None  # sizes do not add up
    assert compress.read_frame_spans(io.BytesIO(b"short")) is None


def _table_file(path, frames: list[bytes], sizes: list[int]) -> None:
    path.write_bytes(b"".join(frames) + compress.seek_table([(len(f), s) for f, s in zip(frames, sizes)]))


def test_frame_reader_skips_padding_and_refuses_frames_that_lie(tmp_path):
    import zstandard

    one = zstandard.ZstdCompressor(write_checksum=True).compress(b"a" * 1000)
    two = zstandard.ZstdCompressor(write_checksum=True).compress(b"b" * 500)
    padding = compress.skippable_frame(64) + bytes(56)
    good = tmp_path / "good.zst"
    _table_file(good, [one, padding, two], [1000, 0, 500])
    reader = compress.open_reader(str(good), "zstd")
    assert isinstance(reader, compress.FrameReader) and reader.read() == b"a" * 1000 + b"b" * 500
    reader.seek(1200)
    assert reader.read(3) == b"bbb"
    reader.close()
    for name, frames, sizes in [
        ("data-in-padding", [one, two], [1000, 0]),  # a real frame where the table says nothing
        ("bigger-than-table", [one, two], [10, 500]),  # frame header says 1000 bytes, table 10
    ]:
        bad = tmp_path / f"{name}.zst"
        _table_file(bad, frames, sizes)
        reader = compress.open_reader(str(bad), "zstd")
        with pytest.raises(zstandard.ZstdError):
            reader.read()
        reader.close()


def test_a_seek_table_with_a_huge_frame_is_ignored(tmp_path):
    import zstandard

    one = zstandard.ZstdCompressor().compress(b"x" * 100)
    path = tmp_path / "huge.zst"
    _table_file(path, [one], [compress.MAX_FRAME + 1])
    reader = compress.open_reader(str(path), "zstd")
    assert not isinstance(reader, compress.FrameReader) and reader.read() == b"x" * 100
    reader.close()
