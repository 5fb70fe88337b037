"""halint restore --ssh: snapshot, "upgrade", restore gives back the exact tree; hostile archives
never reach the node; the staged tree is proven before anything live changes.
(Killed restores: test_remote_restore_crash.py.)"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import run_halint
from remote_snapshot_helpers import add_odd_names, local_shell, ssh_halint
from snapshot_helpers import IS_ROOT, build_archive, exact_state, make_node, tree_state, write
from test_snapshot_hostile import CASES


def _upgrade(root: Path) -> None:
    rep = root / "replica"
    (rep / "etc/asterisk/sip.conf").write_text("upgraded\n")
    os.chmod(rep / "etc/asterisk/extensions.conf", 0o600)
    (rep / "usr/lib/asterisk/modules/app_new.so").write_bytes(b"new module")
    shutil.rmtree(rep / "var/spool/asterisk/voicemail")
    os.unlink(rep / "etc/asterisk/sip-alias.conf")
    os.unlink(root / "var/www")  # the upgrade wrote a real directory over the link
    write(root / "var/www/html/index.php", "<?php upgraded(); ?>\n")


def _seconds(state: dict) -> dict:
    """A tree_state with mtimes cut to whole seconds and no xattrs: what busybox can restore."""
    return {k: {**v, "xattrs": {}, **({"mtime_ns": v["mtime_ns"] // 10**9} if "mtime_ns" in v else {})}
            for k, v in state.items()}


@pytest.mark.parametrize("alias", ["modern", "busybox"])
def test_snapshot_upgrade_restore_gives_back_the_exact_tree(ssh_lab, tmp_path, alias):
    root = make_node(tmp_path)
    add_odd_names(root)
    dest = f"{alias}:{root}"
    done = ssh_halint(ssh_lab, "snapshot", "--ssh", dest, "--out", str(tmp_path / "out"), "--quiet")
    assert done.returncode == 0, done.stderr
    archive = done.stdout.strip()
    snapped = tree_state(root / "replica")
    _upgrade(root)
    upgraded = {p.name: p.read_bytes() for p in (root / "var/www/html").iterdir()}
    plan = ssh_halint(ssh_lab, "restore", archive, "--ssh", dest, "--dry-run")
    assert plan.returncode == 0 and "relink  /var/www -> /replica/var/www" in plan.stdout
    restored = ssh_halint(ssh_lab, "restore", archive, "--ssh", dest, "--quiet")
    assert restored.returncode == 0, restored.stderr
    now = tree_state(root / "replica")
    if alias == "modern":
        assert now == snapped  # content, modes, owners, ns mtimes, links, hardlinks, empty dirs, holes, xattrs
        assert restored.stderr == ""  # no warning at all (the staged listing once came back as warnings)
    else:  # busybox: no getfattr (said by the snapshot), and its tar and touch keep whole seconds
        assert "xattrs and SELinux labels were not captured" in done.stderr
        assert _seconds(now) == _seconds(snapped)
        assert "mtime restored to the second only" in restored.stderr
    assert os.readlink(root / "var/www") == "/replica/var/www"
    kept = [line.split(" at ")[1].split(" (")[0] for line in restored.stdout.splitlines() if line.startswith("kept")]
    www = next(Path(p) for p in kept if "/var/www.halint-old-" in p)
    assert {p.name: p.read_bytes() for p in (www / "html").iterdir()} == upgraded  # replaced, not deleted
    assert not [n for n in os.listdir(root / "replica") if n.startswith((".halint-staging", ".halint-restore.json"))]
    assert list(ssh_lab.node_tmp.iterdir()) == []
    pruned = ssh_halint(ssh_lab, "restore", "--prune", "--ssh", dest)
    assert pruned.returncode == 0 and all(f"removed {p}" in pruned.stdout for p in kept)
    assert not any(os.path.lexists(p) for p in kept)


def test_only_one_unit_and_the_node_lock(tmp_path):
    """--only restores one path; a lock held by another host stops a restore with exit 3."""
    import contextlib

    from elastix_halint.snapshot import remote_restore
    from elastix_halint.snapshot.lock import LockedError
    from elastix_halint.snapshot.restore import RestoreOptions
    from snapshot_helpers import take_snapshot

    root = make_node(tmp_path)
    archive = str(take_snapshot(root))
    (root / "replica/etc/asterisk/sip.conf").write_text("upgraded\n")
    (root / "replica/var/www/html/index.php").write_text("upgraded\n")
    node = contextlib.nullcontext(local_shell(("dash",)))
    remote_restore.run(RestoreOptions(archive, str(root), only=("/etc/asterisk",), quiet=True), lambda: node, print)
    assert (root / "replica/etc/asterisk/sip.conf").read_text().startswith("[general]")
    assert (root / "replica/var/www/html/index.php").read_text() == "upgraded\n"
    write(root / "var/lock/halint.lock", '{"host": "other-pc", "pid": 7, "started": 0, "command": "halint restore --ssh"}')
    with pytest.raises(LockedError, match="other-pc"):
        remote_restore.run(RestoreOptions(archive, str(root), quiet=True), lambda: node, print)
    assert (root / "replica/var/www/html/index.php").read_text() == "upgraded\n"


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_archives_never_reach_the_node(tmp_path, name):
    """Refused here, before anything runs on the node: the node named is unreachable, and the
    message is the refusal, not the connection's."""
    done = run_halint("restore", str(_build(tmp_path, name, CASES[name]())), "--ssh", "ssh://root@127.0.0.1:1/")
    assert done.returncode == 2 and ("refusing" in done.stderr or "damaged" in done.stderr), done.stderr
    assert "connection refused" not in done.stderr and "Traceback" not in done.stderr


def test_the_login_runs_beside_the_digest_check_and_is_used_only_after_it(tmp_path):
    """The node's ssh login starts while every digest is checked here: an archive that fails
    that check is refused at once, the login abandoned rather than waited for (here a server
    that accepts and never answers); a sound archive meets the connection's own one-line
    error once it is checked."""
    import socket
    import time

    from snapshot_helpers import take_snapshot

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        started = time.monotonic()
        done = run_halint("restore", str(_build(tmp_path, "bad", CASES["bad_digest_in_content"]())),
                          "--ssh", f"ssh://root@127.0.0.1:{silent.getsockname()[1]}/")
        took = time.monotonic() - started
    assert done.returncode == 2 and "content does not match its digest" in done.stderr, done.stderr
    assert took < 4.5, took  # closing a master never waited for used to wait 5 s for it
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    archive = take_snapshot(make_node(tmp_path / "node"))
    done = run_halint("restore", str(archive), "--ssh", f"ssh://root@127.0.0.1:{port}/")
    assert done.returncode == 2 and "connection refused" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def _build(tmp_path: Path, name: str, built: tuple) -> Path:
    import tarfile

    fmt = built[2] if len(built) > 2 else tarfile.PAX_FORMAT
    header = built[3] if len(built) > 3 else None
    trailer = built[4] if len(built) > 4 else {}
    return build_archive(tmp_path / f"{name}.tar", built[0], built[1], header, fmt, **trailer)


def test_a_hostile_archive_leaves_the_node_and_its_staging_untouched(ssh_lab, tmp_path):
    root = make_node(tmp_path)
    before = exact_state(root)
    for name in ("bad_digest_in_content", "symlink_member", "dotdot", "manifest_edited_after_writing"):
        done = ssh_halint(ssh_lab, "restore", str(_build(tmp_path, name, CASES[name]())), "--ssh", f"modern:{root}")
        assert done.returncode == 2, (name, done.stderr)
    assert exact_state(root) == before


def _bin_without(tmp_path: Path, *missing: str) -> str:
    from sshd_helpers import make_busybox_bin

    folder = make_busybox_bin(tmp_path / "bb")
    for name in missing:
        (folder / name).unlink()
    return str(folder)


def test_without_sha256sum_or_openssl_the_staged_files_are_read_back(tmp_path):
    import contextlib

    from elastix_halint.snapshot import remote_restore
    from elastix_halint.snapshot.restore import RestoreOptions
    from snapshot_helpers import take_snapshot

    root = make_node(tmp_path)
    archive = str(take_snapshot(root))
    snapped = tree_state(root / "replica")
    _upgrade(root)
    shell = local_shell(("busybox", "sh"), _bin_without(tmp_path, "sha256sum"))
    outcome = remote_restore.run(RestoreOptions(archive, str(root), quiet=True),
                                 lambda: contextlib.nullcontext(shell), lambda m: None)
    assert outcome.lines[0].startswith("restored 3 unit(s)")
    assert _seconds(tree_state(root / "replica")) == _seconds(snapped)


def test_a_staged_file_that_differs_refuses_before_anything_live_changes(tmp_path):
    """A node whose tar writes something else than it was sent (here: a tar that appends to
    one file) is caught by the digests of the staged tree; nothing live is touched and the
    staging folder and journal are gone."""
    import contextlib

    from elastix_halint.snapshot import remote_restore
    from elastix_halint.snapshot.restore import RestoreOptions, RestoreRefused
    from snapshot_helpers import take_snapshot

    root = make_node(tmp_path)
    archive = str(take_snapshot(root))
    _upgrade(root)
    before = exact_state(root)
    folder = Path(_bin_without(tmp_path, "tar"))
    (folder / "tar").write_text(
        "#!/bin/sh\nbusybox tar \"$@\" || exit\n"
        "if [ -f replica/etc/asterisk/extensions.conf ]; then echo tampered >>replica/etc/asterisk/extensions.conf; fi\n")
    (folder / "tar").chmod(0o755)
    shell = local_shell(("busybox", "sh"), str(folder))
    with pytest.raises(RestoreRefused, match="extensions.conf: staged on the node with other content"):
        remote_restore.run(RestoreOptions(archive, str(root), quiet=True), lambda: contextlib.nullcontext(shell), lambda m: None)
    after = exact_state(root)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert changed <= {"replica", "var/lock"}, changed  # folder mtimes: staging and the lock came and went
    assert not [n for n in os.listdir(root / "replica") if n.startswith(".halint")]


def test_files_hashed_before_the_node_wrote_them_are_hashed_again_not_refused(tmp_path, monkeypatch):
    """The node hashes the staged files while its tar still extracts, each once the stream is
    far enough past it. Here every file is asked for as soon as it is sent and the node's tar
    starts late, so the first hashing finds none of them: they are all hashed again once the
    tar is done, and the restore gives back the tree."""
    import contextlib

    from elastix_halint.snapshot import remote_restore
    from elastix_halint.snapshot.restore import RestoreOptions
    from snapshot_helpers import take_snapshot

    root = make_node(tmp_path)
    archive = str(take_snapshot(root))
    snapped = tree_state(root / "replica")
    _upgrade(root)
    folder = Path(_bin_without(tmp_path, "tar"))
    (folder / "tar").write_text('#!/bin/sh\nsleep 1\nexec busybox tar "$@"\n')
    (folder / "tar").chmod(0o755)
    monkeypatch.setattr(remote_restore._Sent, "LAG", -(1 << 62))  # no margin at all
    monkeypatch.setattr(remote_restore._Sent, "BATCH_FILES", 1)  # a call as soon as a file was sent
    calls = []
    early_digests, staged_digests = remote_restore._early_digests, remote_restore._staged_digests

    def spy(digests):
        def call(node, files, *args):
            bad = digests(node, files, *args)
            calls.append((digests.__name__, len(list(files)), len(bad)))
            return bad
        return call

    monkeypatch.setattr(remote_restore, "_early_digests", spy(early_digests))
    monkeypatch.setattr(remote_restore, "_staged_digests", spy(staged_digests))
    shell = local_shell(("busybox", "sh"), str(folder))
    outcome = remote_restore.run(RestoreOptions(archive, str(root), quiet=True),
                                 lambda: contextlib.nullcontext(shell), lambda m: None)
    assert outcome.lines[0].startswith("restored 3 unit(s)")
    assert _seconds(tree_state(root / "replica")) == _seconds(snapped)
    names = [name for name, _, _ in calls]
    assert names[-2:] == ["_early_digests", "_staged_digests"] and len(names) > 3, calls  # batches, then again
    (_, files, missed), (_, again, bad) = calls[-2:]
    assert files > missed > 0 and again >= missed and bad == 0, calls  # hashed before written; again (+ sparse)


@pytest.mark.skipif(not IS_ROOT, reason="xattrs in trusted.* and owners need root")
def test_xattrs_and_owners_come_back_over_ssh(ssh_lab, tmp_path):
    root = make_node(tmp_path)
    f = root / "replica/etc/asterisk/sip.conf"
    os.setxattr(f, "trusted.halint", b"t")
    os.chown(root / "replica/var/www/html/index.php", 48, 48)
    done = ssh_halint(ssh_lab, "snapshot", "--ssh", f"modern:{root}", "--out", str(tmp_path / "out"), "--quiet")
    os.removexattr(f, "trusted.halint")
    os.removexattr(f, "user.halint")
    os.chown(root / "replica/var/www/html/index.php", 0, 0)
    assert ssh_halint(ssh_lab, "restore", done.stdout.strip(), "--ssh", f"modern:{root}", "--quiet").returncode == 0
    assert os.getxattr(f, "trusted.halint") == b"t" and os.getxattr(f, "user.halint") == b"\x00\x01binary\xff"
    assert os.stat(root / "replica/var/www/html/index.php").st_uid == 48


def test_tarsafe_checks_every_member_before_it_is_sent(tmp_path):
    """restore --ssh extracts nothing here, so TarSafe's checks run on the members it sends."""
    from tarsafe import TarSafeException

    from elastix_halint.snapshot import restore
    from elastix_halint.snapshot.manifest import Entry
    from elastix_halint.snapshot.restore import RestoreOptions
    from snapshot_helpers import take_snapshot

    root = make_node(tmp_path)
    plan, tar = restore.prepare(RestoreOptions(str(take_snapshot(root)), str(root)))
    try:
        tar.check_sent(lambda e: True, "/halint-staging")  # a genuine archive passes
        tar.located.append(Entry("/replica/../../etc/evil", "file", 0o644, 0, 0, "root", "root", 0, size=1))
        tar.offsets.append(0)
        with pytest.raises(TarSafeException, match="traversal"):
            tar.check_sent(lambda e: True, "/halint-staging")
    finally:
        restore.close(tar)
