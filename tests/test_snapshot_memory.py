"""Restore keeps no tar header per member: it scans, then extracts in bounded TarSafe batches."""

from __future__ import annotations

import pytest

from snapshot_helpers import make_node, take_snapshot, tree_state

from elastix_halint.snapshot import restore, staging


@pytest.mark.parametrize("fast", [True, False])  # the scan of halint's own archives, and the full one
def test_restore_extracts_in_bounded_batches_and_keeps_no_headers(tmp_path, monkeypatch, fast):
    root = make_node(tmp_path)
    before = tree_state(root / "replica")
    archive = take_snapshot(root)
    (root / "replica/etc/asterisk/sip.conf").write_text("broken\n")
    checked, kept_after_scan = [], []
    real_check, real_locate, real_scan = staging.StagingTar._safetar_check, staging.StagingTar.locate, staging.StagingTar.scan

    def spy_check(self, target_dir):
        checked.append(len(self.members))
        return real_check(self, target_dir)

    def spy_locate(self, snap, checker):
        found = real_locate(self, snap, checker) if fast else False
        kept_after_scan.append(("locate", found, len(self.members) if found else None))
        return found

    def spy_scan(self, checker):
        real_scan(self, checker)
        kept_after_scan.append(("scan", True, len(self.members)))

    monkeypatch.setattr(staging, "EXTRACT_BATCH", 2)
    monkeypatch.setattr(staging.StagingTar, "_safetar_check", spy_check)
    monkeypatch.setattr(staging.StagingTar, "locate", spy_locate)
    monkeypatch.setattr(staging.StagingTar, "scan", spy_scan)
    opts = restore.RestoreOptions(archive=str(archive), root=str(root), quiet=True)
    outcome = restore.run(opts, warn=lambda message: None)
    assert not outcome.failures
    assert tree_state(root / "replica") == before
    expected = [("locate", True, 0)] if fast else [("locate", False, None), ("scan", True, 0)]
    assert kept_after_scan == expected, "the scan must not keep every header"
    assert len(checked) > 3 and max(checked) <= 2, f"TarSafe must check each batch: {checked}"
