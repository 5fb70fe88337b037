"""restore --ssh proves the staged tree from the node's listing read record by record
(``stagedtree.StagedTree``): what it finds at each path must be what a scan of that listing
(the code a snapshot uses) makes of it, for GNU find's listing and busybox's alike."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from remote_snapshot_helpers import add_odd_names, local_shell
from snapshot_helpers import make_node, write
from sshd_helpers import make_busybox_bin


def _tricky(root: Path) -> None:
    """A hardlink group whose first name in the walk is not the first as a string ("a/b" sorts
    before "z", but the walk lists a folder's own entries before entering "a"), an excluded name,
    a FIFO, and a folder the walk must not enter (excluded) holding a file."""
    rep = root / "replica/var/lib/asterisk/order"
    (rep / "a").mkdir(parents=True)
    write(rep / "a/b", "first in the walk\n")
    os.link(rep / "a/b", rep / "z")
    write(rep / "skip.tmp", "excluded\n")
    (rep / "cache.tmp").mkdir()
    write(rep / "cache.tmp/inside", "below an excluded folder\n")
    os.mkfifo(rep / "fifo")


@pytest.mark.parametrize("shell", ["dash", "busybox sh"])
def test_the_proof_finds_what_a_scan_of_the_listing_finds(tmp_path, shell):
    from elastix_halint.snapshot.remote_snapshot import _frames_of, listing_from_frames, top_path
    from elastix_halint.snapshot.scan import scan
    from elastix_halint.snapshot.stagedtree import StagedTree

    root = make_node(tmp_path / "node")
    add_odd_names(root)
    _tricky(root)
    path = str(make_busybox_bin(tmp_path / "bb")) if shell == "busybox sh" else None
    node = local_shell(("busybox", "sh") if path else ("dash",), path)
    excludes = ("*.tmp",)
    received = _frames_of(node, ["list", str(root), "/replica", "full"], "tree-list")
    assert any(f.tag == ("N" if path else "F") for f in received)  # each listing format is read
    scanned = scan(top_path(str(root), "/replica"), "/replica", excludes, digests=False,
                   tree=listing_from_frames(node, str(root), received))
    by_path = {e.path: e for e in scanned.entries}
    assert by_path["/replica/var/lib/asterisk/order/a/b"].type == "hardlink"  # the case is really there
    asked = list(by_path) + ["/replica/var/lib/asterisk/order/skip.tmp", "/replica/var/lib/asterisk/order/fifo",
                             "/replica/var/lib/asterisk/order/cache.tmp/inside", "/replica/no/such"]
    staged = StagedTree(top_path(str(root), "/replica"), "/replica", excludes, asked)
    staged.take_frames(received)
    for p in asked:
        e, got = by_path.get(p), staged.found(p)
        if e is None:
            assert got is None, p
            continue
        assert got is not None, p
        assert (got.type, got.target, got.uid, got.gid, got.mode, got.mtime_ns, got.xattrs) == \
            (e.type, e.target, e.uid, e.gid, e.mode, e.mtime_ns, e.xattrs), p
    hardlink = staged.found("/replica/var/lib/asterisk/order/a/b")
    assert (hardlink.type, hardlink.target) == ("hardlink", "/replica/var/lib/asterisk/order/z")
    assert staged.found("/replica/var/lib/asterisk").ino == os.lstat(root / "replica/var/lib/asterisk").st_ino
