"""The zstd archive is written body first: files hashed as archived, the head put in room
left at the start, the rest of that room a skippable frame. Readers must see one plain pax
tar with the manifest first, and every digest must be the digest of the bytes archived."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import tarfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_halint
from elastix_halint.snapshot import compress, manifest, writer
from elastix_halint.snapshot.manifest import FILE, Header
from elastix_halint.snapshot.progress import Progress
from elastix_halint.snapshot.scan import scan
from elastix_halint.snapshot.tarpax import header_bytes
from snapshot_helpers import halint_ok, make_node, take_snapshot, write


def _stream(path: Path) -> bytes:
    return subprocess.run(["zstd", "-dc", str(path)], capture_output=True, check=True).stdout


def test_readers_agree_and_the_manifest_comes_first(tmp_path):
    root = make_node(tmp_path)
    for i in range(300):  # names JSON must escape, so the head bound is exercised
        write(root / f"replica/etc/asterisk/odd/\"q\\{i}\t\u00e9\U0001f4de.conf", os.urandom(i * 7))
    archive = take_snapshot(root)
    plain = _stream(archive)
    for reader in (compress.open_reader(str(archive), "zstd"), compress.StreamReader(str(archive), "zstd")):
        assert reader.read() == plain
        reader.close()
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        names = tar.getnames()
        lines = tar.extractfile(manifest.MANIFEST_MEMBER).read().splitlines()
    assert names[:2] == [manifest.MANIFEST_MEMBER, manifest.LINKS_MEMBER] and names[-1] == manifest.TRAILER_MEMBER
    files = [json.loads(line) for line in lines[1:] if json.loads(line)["type"] == FILE]
    assert len(files) > 300
    for item in files:
        live = root / item["path"].lstrip("/")
        assert item["digest"] == "sha256:" + hashlib.sha256(live.read_bytes()).hexdigest(), item["path"]
    halint_ok("verify", str(archive))


def test_the_room_left_for_the_head_is_one_skippable_frame(tmp_path):
    archive = take_snapshot(make_node(tmp_path))
    with open(archive, "rb") as raw:
        spans = compress.read_frame_spans(raw)
        padding = [(comp, size) for comp, size, _, out in spans if out == 0]
        assert len(padding) == 1
        comp, size = padding[0]
        raw.seek(comp)
        assert int.from_bytes(raw.read(4), "little") == compress.PADDING_MAGIC
        assert int.from_bytes(raw.read(4), "little") == size - 8
    assert spans[0][2] == 0 and spans[0][3] > 0  # the head is the first frame


def test_a_file_changing_between_scan_and_archive_is_flagged_not_hashed(tmp_path):
    root = make_node(tmp_path)
    log = write(root / "replica/var/log/asterisk/full", "start\n")
    scanned = scan(str(root / "replica"), "/replica", digests=False)
    with open(log, "a") as fh:  # after the scan, before the file is read
        fh.write("one more line\n")
    header = Header(tool="halint", version="0", hostname="h", created="x", replica="/replica", drbd_role=None,
                    replica_mounted=True, linkmap={}, links=[])
    out = tmp_path / "a.tar.zst"
    with open(out, "wb") as fh, Progress("t", 0, 0, False) as bar:
        header, late = writer.write_archive(fh, "zstd", header, scanned, bar, int(time.time()))
    assert [p for p, _ in late] == ["/replica/var/log/asterisk/full"] and header.incomplete
    with tarfile.open(fileobj=io.BytesIO(_stream(out))) as tar:
        head, entries = manifest.parse_manifest(tar.extractfile(manifest.MANIFEST_MEMBER).read())
        trailer = json.loads(tar.extractfile(manifest.TRAILER_MEMBER).read())
    flagged = {e.path: e for e in entries if e.type == FILE}
    assert flagged["/replica/var/log/asterisk/full"].changed and flagged["/replica/var/log/asterisk/full"].digest is None
    assert all(e.digest for p, e in flagged.items() if p != "/replica/var/log/asterisk/full")
    assert head.incomplete and trailer["changed"] == ["/replica/var/log/asterisk/full"]


@pytest.mark.parametrize("kind", ["zstd", "gzip", "none"])
def test_restore_locates_members_without_parsing_headers_and_agrees_with_the_full_scan(tmp_path, kind):
    from elastix_halint.snapshot import archive, restore

    archive_path = take_snapshot(make_node(tmp_path), "--compress", kind)
    snap = archive.load(str(archive_path))
    results = []
    for fast in (True, False):
        tar, problems = restore._check_members(str(archive_path), snap, force=False, fast=fast)
        assert tar is not None and problems == [], (fast, problems)
        results.append(([e.path for e in tar.located], list(tar.offsets), tar.last.name))
        tar.fileobj.close()
    assert results[0] == results[1]
    assert len(results[0][0]) == sum(1 for e in snap.entries if e.type in ("dir", "file"))


def test_a_member_that_differs_from_its_manifest_entry_sends_restore_to_the_full_scan(tmp_path):
    from elastix_halint.snapshot import archive, restore

    archive_path = take_snapshot(make_node(tmp_path), "--compress", "none")
    raw = bytearray(archive_path.read_bytes())
    at = raw.index(b"replica/var/www/html/index.php\x00")
    raw[at + 100 : at + 108] = b"0004777\x00"  # mode field: setuid, setgid, sticky, world-writable
    raw[at + 148 : at + 156] = b"%06o\x00 " % (sum(raw[at : at + 148]) + 8 * 32 + sum(raw[at + 156 : at + 512]))
    archive_path.write_bytes(bytes(raw))
    snap = archive.load(str(archive_path))
    assert restore._check_members(str(archive_path), snap, force=False, fast=True) == (None, [])
    tar, problems = restore._check_members(str(archive_path), snap, force=False, fast=False)
    tar.fileobj.close()
    assert any("setuid/setgid bit not declared" in p for p in problems), problems
    refused = run_halint("restore", str(archive_path), "--root", str(tmp_path / "node"), "--dry-run")
    assert refused.returncode == 2 and "setuid/setgid bit not declared" in refused.stderr


def test_manifest_lines_are_parsed_one_value_per_line():
    from elastix_halint.snapshot.manifest import ManifestError, parse_manifest
    from snapshot_helpers import entry, manifest_header

    lines = [json.dumps(manifest_header())] + [json.dumps(entry(f"/replica/f{i}", data=b"x")) for i in range(2500)]
    lines.insert(1, json.dumps(entry("/replica", "dir")))
    header, entries = parse_manifest(("\n".join(lines) + "\n").encode())
    assert [e.path for e in entries] == ["/replica"] + [f"/replica/f{i}" for i in range(2500)]
    two_on_one_line = lines[:1500] + [lines[1500] + "," + lines[1501]] + lines[1502:]  # one fewer line
    with pytest.raises(ManifestError, match="malformed"):
        parse_manifest(("\n".join(two_on_one_line) + "\n").encode())


_NAME = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, blacklist_characters="/"), min_size=1, max_size=60)
_OWNER = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=31)


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(_NAME, min_size=1, max_size=3), kind=st.sampled_from([manifest.DIR, FILE]),
       mode=st.integers(0, 0o7777), uid=st.integers(0, 8**7 - 1), gid=st.integers(0, 8**7 - 1),
       user=_OWNER, group=_OWNER, size=st.integers(0, 8**11 - 1), mtime_ns=st.integers(0, 8**11 * 10**9 - 1))
def test_fast_headers_read_back_as_their_entry(parts, kind, mode, uid, gid, user, group, size, mtime_ns):
    """The writer archives ``header_bytes`` and restore's member check compares archive bytes
    with it: its fast path (cached owner fields, adler32 checksum) must be a valid ustar
    header (tarfile checks the checksum) that says exactly what the entry says."""
    entry = manifest.Entry("/" + "/".join(parts), kind, mode, uid, gid, user, group, mtime_ns,
                           size=size if kind == FILE else 0)
    header = header_bytes(entry)
    # A name over ustar's 100 bytes takes tarfile's path: a pax header block pair before it.
    assert (len(header) == 512) == (len(entry.member.encode()) + (kind == manifest.DIR) <= 100)
    with tarfile.open(fileobj=io.BytesIO(header), mode="r|", encoding="utf-8", errors="surrogateescape") as tar:
        info = tar.next()  # a stream reads the header (and any pax records) and not the data
    assert (info.name, info.type, info.mode, info.uid, info.gid, info.uname, info.gname, info.size, info.mtime) == (
        entry.member, tarfile.DIRTYPE if kind == manifest.DIR else tarfile.REGTYPE, mode, uid, gid, user, group,
        entry.size, mtime_ns // 10**9)
