"""Frames read in pieces (``frames.read_frames`` sinks): the big frames of a node's answer (the
find listing, the getfattr dump, the digests) are handed on as they arrive and never held whole.
Whatever the place a piece ends (every byte boundary is tried), the result is exactly what the
same data read whole gives."""

from __future__ import annotations

import hashlib
import io

import pytest

from elastix_halint.remote import frames
from elastix_halint.remote.frames import Frame
from elastix_halint.snapshot.nodetree import Digests, ListedTree, parse_digests, parse_getfattr

from remote_snapshot_helpers import add_odd_names, local_shell
from snapshot_helpers import make_node


class _Keep:
    def __init__(self, name, info, log):
        self.log, self.pieces = log, []
        log.append((name, info, self.pieces))

    def write(self, piece):
        self.pieces.append(bytes(piece))

    def close(self):
        self.pieces.append(None)


def test_sunk_frames_come_in_pieces_of_at_most_the_piece_size(monkeypatch):
    big, other = bytes(range(256)) * 3, b"kept whole\n"
    made = [Frame("F", b"list", big, "7"), Frame("T", b"t", other), Frame("F", b"empty", b""), Frame("F", b"x", b"\n")]
    stream = frames.encode_stream("k", made, 0)
    for size in [1, 2, 3, 7, 255, 256, 257, len(big) - 1, len(big), len(big) + 1]:
        monkeypatch.setattr(frames, "SINK_PIECE", size)
        log: list = []
        got = frames.read_all(io.BytesIO(b"motd\n" + stream), "k", {"F": lambda n, i: _Keep(n, i, log)})
        assert got == [Frame("F", b"list", b"", "7"), Frame("T", b"t", other), Frame("F", b"empty", b""),
                       Frame("F", b"x", b""), Frame("Z", b"", b"", "0")]
        assert [(n, i) for n, i, _ in log] == [(b"list", "7"), (b"empty", "-"), (b"x", "-")]
        for (_, _, pieces), frame in zip(log, [made[0], made[2], made[3]]):
            assert pieces[-1] is None and None not in pieces[:-1]  # closed once, at the end
            assert b"".join(pieces[:-1]) == frame.data
            assert all(0 < len(p) <= size for p in pieces[:-1])
    # An armoured stream (read whole) gives its sinks the same data.
    log = []
    got = frames.read_all(io.BytesIO(frames.armour(stream)), "k", {"F": lambda n, i: _Keep(n, i, log)})
    assert got[0] == Frame("F", b"list", b"", "7") and b"".join(log[0][2][:-1]) == big


def test_a_stream_cut_inside_a_sunk_frame_is_an_error(monkeypatch):
    monkeypatch.setattr(frames, "SINK_PIECE", 5)
    stream = frames.encode_stream("k", [Frame("F", b"n", b"0123456789" * 3)])
    for cut in range(stream.index(b"n") + 1, len(stream) - 1):
        with pytest.raises(frames.StreamError):
            frames.read_all(io.BytesIO(stream[:cut]), "k", {"F": lambda n, i: _Keep(n, i, [])})


def _cuts(data: bytes):
    """``data`` in two pieces cut at every byte, then in one-byte pieces."""
    for i in range(len(data) + 1):
        yield [data[:i], data[i:]]
    yield [data[i:i + 1] for i in range(len(data))]


def _fed(sink, pieces) -> None:
    for piece in pieces:
        if piece:
            sink.write(piece)
    sink.close()


def _tree_state(tree: ListedTree):
    return sorted(tree.stats.items()), tree.targets, tree.xattr_map


def test_the_listing_read_in_pieces_is_the_listing_read_whole(tmp_path):
    from elastix_halint.snapshot.remote_snapshot import _frames_of

    root = make_node(tmp_path / "node")
    add_odd_names(root)
    received = _frames_of(local_shell(("dash",)), ["list", str(root), "/replica/var/lib/asterisk/odd", "full"], "tree-list")
    find = next(f for f in received if f.tag == "F")
    assert find.data.count(b"\0") > 13 * 5  # several records, odd names among them
    whole = ListedTree.from_frames(received)
    for pieces in _cuts(find.data):
        tree = ListedTree()
        _fed(tree.sinks()["F"](find.name, find.info), pieces)
        tree.take_frames([f for f in received if f.tag != "F"])
        assert _tree_state(tree) == _tree_state(whole)


def test_a_getfattr_dump_read_in_pieces_is_the_dump_read_whole():
    dump = (b"# file: /r/sp\\040ace\\012nl\\\\x\nuser.a=0sAAE=\nsecurity.selinux=\"system_u:object_r:etc_t:s0\\000\"\n"
            b"user.empty\n\n# file: /r/b\nuser.h=0x6869\n\n# file: /r/none\n\n# file: /r/b\nuser.g=0sAA==")
    whole = parse_getfattr(dump)
    assert whole["/r/b"] == {"user.g": "AA==", "user.h": "aGk="}  # a path dumped twice is merged, names sorted
    for pieces in _cuts(dump):
        tree = ListedTree()
        _fed(tree.sinks()["A"](b"xattrs", "-"), pieces)
        assert tree.xattr_map == whole and list(tree.xattr_map) == list(whole)


@pytest.mark.parametrize("tool", ["openssl", "sha256sum"])
def test_digests_read_in_pieces_are_the_digests_read_whole(tool):
    paths = [b"/r/plain", b"/r/new\nline", b"/r/back\\slash", b"/r/gone", b"/r/a)= " + b"0" * 64, b"/r/last"]
    lines = []
    for path in paths:
        if path == b"/r/gone":
            continue  # unreadable: no line, the next path is tried against the next line
        hexed = hashlib.sha256(path).hexdigest().encode()
        if tool == "openssl":
            lines.append(b"SHA2-256(" + path + b")= " + hexed + b"\n")
        elif b"\n" in path or b"\\" in path:
            lines.append(b"\\" + hexed + b"  " + path.replace(b"\\", b"\\\\").replace(b"\n", b"\\n") + b"\n")
        else:
            lines.append(hexed + b"  " + path + b"\n")
    data = b"".join(lines)
    name, whole = parse_digests(tool.encode() + b"\n" + data, paths)
    assert name == tool
    assert whole == [None if p == b"/r/gone" else hashlib.sha256(p).digest() for p in paths]
    for pieces in _cuts(data):
        got: list = []
        _fed(frames.Pieces(Digests(tool, paths, lambda path, digest: got.append((path, digest)))), pieces)
        assert got == list(zip(paths, whole))
