"""``halint verify`` catches flipped bytes, truncation, removed members and manifest edits."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from conftest import run_halint
from snapshot_helpers import halint_ok, make_node, take_snapshot


def _rewrite(src: Path, dst: Path, change) -> Path:
    """Copy an uncompressed archive member by member; ``change(info, data)`` → (info, data) or None."""
    with tarfile.open(src) as old, tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as new:
        for info in old:
            data = old.extractfile(info).read() if info.isreg() else None
            changed = change(info, data)
            if changed is not None:
                info, data = changed
                info.size = len(data) if data is not None else 0
                new.addfile(info, io.BytesIO(data) if data is not None else None)
    return dst


def _bad(archive: Path) -> str:
    result = run_halint("verify", str(archive))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED" in result.stdout
    return result.stdout


def test_clean_archive_verifies(tmp_path):
    archive = take_snapshot(make_node(tmp_path))
    assert "OK:" in halint_ok("verify", str(archive)).stdout


def test_flipped_byte_in_member_content(tmp_path):
    archive = take_snapshot(make_node(tmp_path), "--compress", "none")
    raw = bytearray(archive.read_bytes())
    at = raw.index(b"exten => 100")
    raw[at] ^= 0x01
    archive.write_bytes(bytes(raw))
    assert "BAD replica/etc/asterisk/extensions.conf: content does not match its digest" in _bad(archive)


def test_flipped_byte_in_zstd_archive(tmp_path):
    archive = take_snapshot(make_node(tmp_path))
    raw = bytearray(archive.read_bytes())
    raw[len(raw) // 2] ^= 0x40
    archive.write_bytes(bytes(raw))
    assert "BAD" in _bad(archive)


def test_truncated_archive(tmp_path):
    archive = take_snapshot(make_node(tmp_path))
    raw = archive.read_bytes()
    archive.write_bytes(raw[: len(raw) * 2 // 3])
    out = _bad(archive)
    assert "truncated or corrupt" in out or "missing" in out


def test_removed_member(tmp_path):
    archive = take_snapshot(make_node(tmp_path), "--compress", "none")
    gone = "replica/var/www/html/index.php"
    edited = _rewrite(archive, tmp_path / "removed.tar", lambda i, d: None if i.name == gone else (i, d))
    assert f"BAD {gone}: listed in the manifest but missing from the archive" in _bad(edited)


def test_manifest_edit(tmp_path):
    archive = take_snapshot(make_node(tmp_path), "--compress", "none")

    def loosen(info, data):
        if info.name == ".halint/manifest.jsonl":
            lines = [json.loads(l) for l in data.splitlines()]
            for line in lines[1:]:
                if line["path"].endswith("secret.conf"):
                    line["mode"] = 0o644
            data = b"".join(json.dumps(l).encode() + b"\n" for l in lines)
        return info, data

    out = _bad(_rewrite(archive, tmp_path / "edited.tar", loosen))
    assert "manifest.jsonl: was modified after the snapshot was written" in out
    assert "secret.conf: mode 384 in the tar header, 420 in the manifest" in out


def test_not_an_archive_is_an_input_error(tmp_path):
    junk = tmp_path / "junk.tar.zst"
    junk.write_bytes(b"hello")
    result = run_halint("verify", str(junk))
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_a_damaged_head_is_a_clear_input_error_for_every_command(tmp_path):
    """The manifest's zstd frame fails its checksum while the first header is read: every
    command that opens the archive says so in one line (exit 2), not as an internal error."""
    from elastix_halint.snapshot import compress

    root = make_node(tmp_path)
    archive = take_snapshot(root)
    reader = compress.open_reader(str(archive), "zstd")
    head_at, head_size = reader._spans[0][:2]
    reader.close()
    raw = bytearray(archive.read_bytes())
    raw[head_at + head_size // 2] ^= 0x40
    archive.write_bytes(bytes(raw))
    for command in (["verify"], ["show"], ["diff", "--root", str(root)], ["restore", "--root", str(root)]):
        result = run_halint(command[0], str(archive), *command[1:])
        assert result.returncode == 2, (command, result.stderr)
        assert f"{archive}: cannot read the archive" in result.stderr, (command, result.stderr)
        assert "internal error" not in result.stderr and "Traceback" not in result.stderr
