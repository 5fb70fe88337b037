"""source.read_source reads a file whole in pieces the size stat gives (not one 16 MiB buffer
per file), refuses what it always refused, and reads files whose size stat does not know."""

from __future__ import annotations

import os

import pytest

from elastix_halint import source
from elastix_halint.errors import InputError


@pytest.mark.parametrize("size", [1, 2, 65535, 65536, 65537, 300001])
def test_every_byte_is_read_around_the_piece_sizes(tmp_path, size):
    path = tmp_path / "drbd.conf"
    data = (b"resource r0 { }\n" * (size // 16 + 1))[:size - 1] + b"\xe9"  # ends in Latin-1
    path.write_bytes(data)
    src = source.read_source(str(path))
    assert src.text == data.decode("latin-1") and src.encoding == "latin-1"


def test_at_most_the_limit_is_read_when_the_file_is_longer_than_stat_said(tmp_path):
    path = tmp_path / "grown"
    path.write_bytes(b"x" * 200000)
    assert source._read_at_most(str(path), 1000, 10) == b"x" * 1000
    assert source._read_at_most(str(path), 10**6, 10) == b"x" * 200000  # more than stat said


def test_a_file_whose_size_stat_does_not_know_is_read_whole():
    if not os.path.exists("/proc/self/status"):
        pytest.skip("no /proc")
    text = source.read_source("/proc/self/status").text
    assert text.startswith("Name:") and "\nPid:" in text and text.endswith("\n")


def test_too_large_empty_and_binary_files_are_still_refused(tmp_path):
    big = tmp_path / "big"
    with open(big, "wb") as fh:
        fh.truncate(source.MAX_BYTES + 1)
    with pytest.raises(InputError, match="file too large"):
        source.read_source(str(big))
    (tmp_path / "empty").write_bytes(b"  \n")
    with pytest.raises(InputError, match="file is empty"):
        source.read_source(str(tmp_path / "empty"))
    (tmp_path / "bin").write_bytes(b"a\x00b")
    with pytest.raises(InputError, match="binary file"):
        source.read_source(str(tmp_path / "bin"))
