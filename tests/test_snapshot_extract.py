"""Restore extracts the big files on a second reader and thread while the main thread writes
the small ones: what either side finds must count, and a failure on either side must stop both."""

from __future__ import annotations

import errno
import io
import os
import subprocess
import tarfile
import threading
import time
from pathlib import Path

import pytest

from conftest import run_halint
from elastix_halint.snapshot import archive as archives
from elastix_halint.snapshot import compress, restore
from elastix_halint.snapshot.staging import BIG_FILE, StagingTar
from snapshot_helpers import halint_ok, make_node, take_snapshot, tree_state, write

BIG = "replica/var/spool/asterisk/monitor/rec-3.wav"


def _busy_node(tmp_path: Path) -> Path:
    """Recordings over BIG_FILE between directories of small voicemail files."""
    root = make_node(tmp_path)
    rep = root / "replica"
    for i in range(6):
        write(rep / f"var/spool/asterisk/monitor/rec-{i}.wav", os.urandom(BIG_FILE + 1 + i * 300_000))
        for j in range(60):
            write(rep / f"var/spool/asterisk/voicemail/default/{i}/msg{j:04d}.txt", f"{i}-{j}\n" * (j + 1))
    return root


def test_big_and_small_files_restore_identically(tmp_path):
    root = _busy_node(tmp_path)
    rep = root / "replica"
    before = tree_state(rep)
    archive = take_snapshot(root)
    (rep / BIG.removeprefix("replica/")).write_bytes(b"truncated by an upgrade")
    (rep / "var/spool/asterisk/voicemail/default/2/msg0007.txt").write_text("edited\n")
    halint_ok("restore", str(archive), "--root", str(root), "--quiet")
    assert tree_state(rep) == before


def test_a_big_file_that_does_not_match_its_digest_is_refused(tmp_path):
    """The second thread's digest failures reach the same refusal as the main thread's."""
    root = _busy_node(tmp_path)
    archive = take_snapshot(root)
    plain = bytearray(subprocess.run(["zstd", "-dc", str(archive)], capture_output=True, check=True).stdout)
    with tarfile.open(fileobj=io.BytesIO(bytes(plain))) as tar:
        plain[tar.getmember(BIG).offset_data + 1000] ^= 1  # same headers, same manifest
    with open(archive, "wb") as fh:  # recompressed with a seek table: still read frame by frame
        stream = compress.open_writer(fh, "zstd")
        stream.write(bytes(plain))
        stream.close()
    assert isinstance(compress.open_reader(str(archive), "zstd"), compress.FrameReader)
    unlocked = lambda name: name == "lock"  # noqa: E731 - /var/lock holds the (released) lock file
    before = tree_state(root, skip=unlocked)
    result = run_halint("restore", str(archive), "--root", str(root), "--quiet")
    assert result.returncode == 2, result.stderr
    assert f"{BIG}: content does not match its digest" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_state(root, skip=unlocked) == before


@pytest.mark.parametrize("failing", ["big", "small"])
def test_a_failure_on_either_thread_stops_both_and_is_raised(tmp_path, monkeypatch, failing):
    root = _busy_node(tmp_path)
    archive = str(take_snapshot(root))
    tar, problems = restore._scan_members(archive, archives.load(archive))
    assert not problems
    real, written, deadline = StagingTar.makefile, [], time.monotonic() + 10

    def makefile(self, tarinfo, targetpath):
        if (tarinfo.size > BIG_FILE) == (failing == "big"):
            raise OSError(errno.ENOSPC, "No space left on device")
        while not self.stopped and time.monotonic() < deadline:  # until the other side failed
            time.sleep(0.005)
        real(self, tarinfo, targetpath)  # stopped: raises before writing anything
        written.append(tarinfo.name)

    monkeypatch.setattr(StagingTar, "makefile", makefile)
    staging = tmp_path / "staging"
    staging.mkdir()
    threads, done = threading.active_count(), []
    tar.prepare()
    try:
        with pytest.raises(OSError) as caught:
            tar.extract_entries(str(staging), lambda entry: True, big_files_done=lambda: done.append(1))
    finally:
        tar.close()
        tar.fileobj.close()
    assert caught.value.errno == errno.ENOSPC  # the failure itself, not the other side's stop
    assert written == [], "the other thread went on writing after the failure"
    assert threading.active_count() <= threads, "an extracting thread outlived the call"
    assert done == [], "big_files_done was called although extraction failed"


def test_big_files_done_is_called_once_they_are_all_written(tmp_path):
    """restore starts the big files' writeback from this call, while small ones are written."""
    root = _busy_node(tmp_path)
    archive = str(take_snapshot(root))
    tar, _ = restore._scan_members(archive, archives.load(archive))
    big = {e.member: e.size for e in tar.located if e.type == "file" and e.size > BIG_FILE}
    staging, seen = tmp_path / "staging", []
    staging.mkdir()
    tar.prepare()
    try:
        tar.extract_entries(str(staging), lambda entry: True,
                            big_files_done=lambda: seen.append({m: (staging / m).stat().st_size for m in big}))
    finally:
        tar.close()
        tar.fileobj.close()
    assert len(big) >= 6 and seen == [big]
    assert tar.bad == []


def test_a_damaged_frame_of_file_data_is_refused_in_one_line(tmp_path):
    """The member check never decompresses frames that hold only file data: damage there is
    found while extracting (on the big-file thread here) and must read as such."""
    root = _busy_node(tmp_path)
    write(root / "replica/var/spool/asterisk/monitor/long.wav", os.urandom(6 << 20))  # frames of data only
    archive = str(take_snapshot(root))
    tar, _ = restore._scan_members(archive, archives.load(archive))
    headers = [offset - 512 for offset in tar.offsets]
    tar.close()
    tar.fileobj.close()
    reader = compress.open_reader(archive, "zstd")
    at, size = next((comp, size) for comp, size, start, length in reader._spans[1:]
                    if length and not any(start - 1024 <= h < start + length for h in headers))
    reader.close()
    raw = bytearray(Path(archive).read_bytes())
    raw[at + size // 2] ^= 0xFF
    Path(archive).write_bytes(bytes(raw))
    unlocked = lambda name: name == "lock"  # noqa: E731 - /var/lock holds the (released) lock file
    before = tree_state(root, skip=unlocked)
    result = run_halint("restore", archive, "--root", str(root), "--quiet")
    assert result.returncode == 2, result.stderr
    assert "the archive is damaged" in result.stderr and "nothing live was touched" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert tree_state(root, skip=unlocked) == before
