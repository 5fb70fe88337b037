"""``halint snapshot --ssh``: the same archive as a local snapshot, of a node reached over ssh.

On the node only ``remote/scripts/tree.sh`` runs, with the node's own tools: ``facts`` (host
name, /proc/drbd, the mount table, the process list, the link-map paths, the lock), ``list``
(the listing and xattrs, read by ``nodetree.ListedTree``), then ``send``: the node's tar
streams the regular files, one name per file, in manifest order. Here, each file is hashed
as its bytes arrive and archived by the same writer as a local snapshot (``writer``); the
entries come from the same scan code (``scan.scan`` over the listing). A second ``list`` of
the files once they are all read tells which changed meanwhile (inode, size, mtime, ctime);
those are reported exactly as a local snapshot reports them. gzip and none, which need the
digests before the archive starts, stream the files twice, as a local snapshot reads them twice.
"""

from __future__ import annotations

import hashlib
import threading
from contextlib import contextmanager

from elastix_halint.remote import scripts
from elastix_halint.remote.errors import RemoteError, no_usable_answer
from elastix_halint.remote.shell import widen
from elastix_halint.snapshot import lock
from elastix_halint.snapshot.manifest import FILE
from elastix_halint.snapshot.nodetree import ListedTree, NodeFacts, fsencode, stream_frames
from elastix_halint.snapshot.scan import Fingerprint, scan
from elastix_halint.snapshot.tarpax import TarWriter
from elastix_halint.snapshot.tarstream import TarStream, TarStreamError
from elastix_halint.snapshot.writer import SMALL_FILE, FileRead

CHUNK = 1 << 20


def node_facts(shell, root: str, replica: str, paths) -> NodeFacts:
    """``tree.sh facts``: one round trip for everything the refusals and link states read."""
    rc, out, err = shell.run_script(tree_script(), ["facts", root, replica, *paths])
    return NodeFacts.from_frames(root, stream_frames(out, err, "tree-facts", shell.label))


def node_survey(shell, root: str, replica: str, paths) -> tuple[NodeFacts, ListedTree | None]:
    """``tree.sh survey``: the facts and, when the replica is a directory, its full listing, in
    one round trip (snapshot and diff need both)."""
    listing = ListedTree()
    received = _frames_of(shell, ["survey", root, replica, *paths], "tree-survey", listing.sinks())
    facts = NodeFacts.from_frames(root, received)
    listed = any(f.tag in ("F", "N") for f in received)
    return facts, listing_from_frames(shell, root, received, listing) if listed else None


def tree_script() -> str:
    return scripts.script("tree")


def node_listing(shell, root: str, top: str, mode: str = "full") -> ListedTree:
    """``tree.sh list``: ``top`` and everything below it, as the node's find/stat/getfattr see it."""
    listing = ListedTree(walkable=mode == "full")
    received = _frames_of(shell, ["list", root, top, mode], "tree-list", listing.sinks())
    if mode == "full":
        return listing_from_frames(shell, root, received, listing)
    listing.take_frames(received)
    return listing


def _frames_of(shell, args: list, kind: str, sinks: dict | None = None) -> list:
    """The frames of one tree.sh call, read as they arrive: its raw output is never held beside
    them (a 100,000-entry listing is ~15 MiB; run_script's output, its join and the decoded
    frames were three copies at once), and the frames ``sinks`` takes (``frames.read_frames``)
    are handed on in pieces, never held whole. The node's script keeps its stderr for the end."""
    from elastix_halint.remote import frames
    from elastix_halint.remote.shell import abandon

    proc = shell.popen_script(tree_script(), args)
    try:
        received = frames.read_all(proc.stdout, kind, sinks)
    except frames.StreamError as exc:
        received = exc
        proc.stdout.read()  # to the end, so that the node's exit status is its own
    except BaseException:
        abandon(proc)
        raise
    proc.stdout.close()
    err = proc.stderr.read()  # small: the script's own stderr comes back as a W frame
    rc = proc.wait()
    shell.check(rc, err)  # the connection was lost: one line, exit 2
    if isinstance(received, frames.StreamError):
        raise no_usable_answer(shell.label, err, received)
    return stream_frames(b"", err, kind, shell.label, received)


def listing_from_frames(shell, root: str, received: list, listing: ListedTree | None = None) -> ListedTree:
    """A full listing (into ``listing``, which may hold the frames its ``sinks`` took already),
    with the owner names /etc/passwd and /etc/group do not give asked of the node (one more
    round trip, only when there are such owners)."""
    listing = ListedTree() if listing is None else listing
    listing.take_frames(received)
    asks = listing.unnamed()
    if asks:
        rc, out, err = shell.run_script(tree_script(), ["names", root, *(x for pair in asks for x in pair)])
        listing.take_names(stream_frames(out, err, "tree-names", shell.label))
    return listing


def top_path(root: str, node_path: str) -> str:
    """How the node's find names ``node_path`` under ``root`` (``tree.sh``: ROOT without its
    trailing slash, then the path)."""
    return node_path if root == "/" else root.rstrip("/") + node_path


class RemoteNode:
    """What a snapshot reads, from a node over ssh (``create.LocalNode`` is the local one)."""

    def __init__(self, shell, root: str):
        self.shell, self.root = shell, root
        self.where = f"{shell.label}:{root}"
        self.notes: tuple = ()
        self.xattrs_known = True
        self.facts_: NodeFacts | None = None
        self._listing: ListedTree | None = None

    @property
    def hostname(self) -> str:
        return self.facts_.hostname or self.shell.label

    def facts(self, paths, replica: str) -> NodeFacts:
        self.facts_, self._listing = node_survey(self.shell, self.root, replica, paths)
        return self.facts_

    def replica_is_dir(self, replica: str) -> bool:
        return self.facts_.kinds.get(replica, ("missing", ""))[0] == "dir"

    def default_out(self) -> str:
        from elastix_halint.errors import UsageError

        raise UsageError("--out DIR is required with --ssh: the archive is written on this machine")

    def out_inside(self, out_dir: str, replica: str) -> bool:
        return False  # the archive is written here, the replica is on the node

    @contextmanager
    def lock(self, warn):
        """This machine's lock for this node and root, after the node's own lock said no
        restore is under way there (read only: a snapshot writes nothing on the node)."""
        check_node_lock(self.facts_, warn)
        key = lock.machine_lock(f"ssh:{self.shell.label}:{self.root}")
        with lock.held(key, "halint snapshot --ssh", warn):
            yield

    def scan(self, replica: str, excludes, digests: bool):
        listing, self._listing = self._listing, None  # taken with the facts (node_survey)
        if listing is None:
            listing = node_listing(self.shell, self.root, replica)
        self.xattrs_known = listing.xattrs_captured
        if not listing.xattrs_captured:
            self.notes = ("xattrs and SELinux labels were not captured: the node has no getfattr (package attr)",)
        listing.read_once()
        result = scan(top_path(self.root, replica), replica, excludes, digests=False, tree=listing)
        del listing
        if digests:  # gzip/none: the manifest comes first, so the files are streamed once to hash them
            NodeFiles(self.shell, self.root, result, hashing=True).hash_all()
        return result

    def files(self, scanned, hashing: bool):
        return NodeFiles(self.shell, self.root, scanned, hashing)

    def digests(self, scanned, indexes) -> dict:
        """index -> raw SHA-256: computed by the node (openssl, else sha256sum) where it can,
        else by streaming those files here (NodeFiles)."""
        paths = [fsencode(scanned.abspath(scanned.entries[i])) for i in indexes]
        tool, values = node_digests(self.shell, paths)
        if tool != "none":
            return dict(zip(indexes, values))
        subset = _Subset([scanned.entries[i] for i in indexes])
        return {indexes[k]: digest for k, digest in NodeFiles(self.shell, self.root, subset, True).digest_each()}

    def close(self) -> None:
        pass


def check_node_lock(facts: NodeFacts, warn) -> None:
    """Exit 3 when the node's lock says a halint is at work there (a node-side step running,
    or a holder that is not known dead); a stale lock is only mentioned (never removed here)."""
    import json

    path, state, content = facts.lock
    if state == "held":
        raise lock.LockedError(f"a halint step is running on the node right now (lock {path})")
    if not content:
        return
    try:
        holder = json.loads(content)
    except ValueError:
        holder = None
    if isinstance(holder, dict) and lock.is_stale(holder):
        warn(f"halint: ignoring a stale lock on the node ({path}, pid {holder.get('pid')} no longer running)")
        return
    raise lock.LockedError(lock.describe(holder if isinstance(holder, dict) else None, f"{facts.hostname}:{path}"))


class NodeFiles:
    """File contents from the node's tar (``tree.sh send``), in manifest order: the writer's
    file source (``writer.LocalFiles`` is the local one). Without ``hashing`` (gzip, none) each
    file must still have the digest the first pass found ("changed between hashing and
    archiving" otherwise)."""

    def __init__(self, shell, root: str, scanned, hashing: bool):
        self.shell, self.root, self.scanned, self.hashing = shell, root, scanned, hashing
        self._proc = None
        self._stream: TarStream | None = None
        self._pending = None
        self._current = None

    # -- the writer's file source ---------------------------------------------------------------
    def reads(self):
        entries = self.scanned.entries
        with self._streaming():
            for index, entry in enumerate(entries):
                if entry.type != FILE:
                    yield index, entry, None
                    continue
                member, problem = self._member_for(entry)
                if entry.size <= SMALL_FILE:
                    data, problem = self._take(member, entry.size, problem)
                    yield index, entry, self._read(entry, data, hashlib.sha256(data), problem)
                else:
                    self._current = (member, problem)
                    yield index, entry, None

    def add_big(self, tar: TarWriter, index: int, entry) -> FileRead:
        member, problem = self._current
        source = _MemberReader(self._stream if member is not None else None, member, entry.size)
        try:
            tar.add(_header(entry), entry.size, source)
        except TarStreamError as exc:  # raised here, not in reads(): the writer is reading this file
            self._fail(str(exc))
        return self._read(entry, None, source.digest, problem or source.problem)

    def after(self) -> list:
        """(index, why) of the files whose inode, size, mtime or ctime moved while they were read."""
        moved = _MovedFiles(self.scanned)
        moved.take_frames(_frames_of(self.shell, ["list", self.root, self.scanned.top_node, "files"], "tree-list",
                                     moved.sinks()))
        return moved.result()

    def read_each(self):
        """(index, FileRead) of every file, hashed as it streams; nothing is kept."""
        for index, entry, read in self.reads():
            if entry.type == FILE:
                yield index, read if read is not None else self.add_big(_Discard(), index, entry)

    def digest_each(self):
        """(index, raw SHA-256 or None) of every file."""
        for index, read in self.read_each():
            yield index, read.digest

    def hash_all(self) -> None:
        """The first pass of gzip/none: hash every file as it streams, keep nothing; the
        scan's entries get their digests (or ``changed``), as a local hashing scan does."""
        from dataclasses import replace

        result = self.scanned
        digests = dict(self.read_each())
        for index, why in self.after():
            digests[index] = FileRead(None, None, why)
        for index, read in sorted(digests.items()):
            entry = result.entries[index]
            if read.problem:
                result.changed.append((entry.path, read.problem))
                result.entries[index] = replace(entry, changed=True)
            else:
                result.entries[index] = replace(entry, digest=read.digest)

    # -- the node's tar stream ------------------------------------------------------------------
    @contextmanager
    def _streaming(self):
        names = b"".join(fsencode(e.member) + b"\0" for e in self.scanned.entries if e.type == FILE)
        script = tree_script()
        self._proc = self.shell.popen_script(script, ["send", self.root], data_stdin=True)
        feeder = threading.Thread(target=_feed, args=(self._proc.stdin, names), daemon=True)
        del names  # the feeder's alone: freed once written, not held for the whole stream
        feeder.start()
        self._stderr = []
        self._reader = threading.Thread(target=lambda: self._stderr.append(self._proc.stderr.read()), daemon=True)
        self._reader.start()
        widen(self._proc.stdout)
        self._stream = TarStream(self._proc.stdout)
        ok = False
        try:
            yield
            self._drain()
            ok = True
        except TarStreamError as exc:
            self._fail(str(exc))
        finally:
            if not ok:
                self._proc.kill()
            self._proc.stdout.close()
            rc = self._proc.wait()
            self._reader.join()
            feeder.join(timeout=5)
        self.shell.check(rc, self._said())  # the connection was lost: one line, exit 2

    def _said(self) -> bytes:
        return self._stderr[0] if self._stderr else b""

    def _fail(self, why: str) -> None:
        """The stream broke off: the connection's own error if it was lost, else this one."""
        self._proc.kill()
        rc = self._proc.wait()
        self._reader.join()
        said = self._said()
        self.shell.check(rc, said)
        last = said.decode("utf-8", "replace").strip().splitlines()
        raise RemoteError(f"{self.shell.label}: the node's tar stream failed: {why}" + (f" ({last[-1]})" if last else ""))

    def _drain(self) -> None:
        """Read to the end of the stream (members nobody asked for are skipped)."""
        while self._pending is not None or self._stream.next() is not None:
            self._pending = None

    def _member_for(self, entry):
        """(member, None) when the stream's next member is this file as it was listed, else
        (None or a member to skip, why not). A member for a later file waits in ``_pending``."""
        want = fsencode(entry.member)
        member = self._pending or self._stream.next()
        self._pending = None
        if member is None or member.name.rstrip(b"/") != want:
            self._pending = member
            return None, "vanished or could not be read on the node before it was archived"
        if not member.regular:
            self._stream.skip()
            return None, "is no longer a regular file"
        if member.size != entry.size:
            return member, "changed while being read"
        return member, None

    def _take(self, member, size: int, problem):
        if member is None:
            return bytes(size), problem
        parts, got = [], 0
        while got < min(size, member.size) and (data := self._stream.read(min(size, member.size) - got)):
            parts.append(data)
            got += len(data)
        data = b"".join(parts)
        return data.ljust(size, b"\0"), problem

    def _read(self, entry, data, digest, problem) -> FileRead:
        raw = digest.digest() if digest is not None and problem is None else None
        if not self.hashing and problem is None and raw != entry.digest:
            problem = "changed between hashing and archiving"
        return FileRead(data, raw if self.hashing else None, problem)


def node_digests(shell, paths: list[bytes]) -> tuple[str, list]:
    """The node's SHA-256 of each of ``paths`` (absolute on the node): ``(tool, digests)``;
    tool ``none`` when the node has neither openssl nor sha256sum."""
    found: list = []
    tool = each_node_digest(shell, lambda: iter(paths), lambda path, digest: found.append(digest))
    return tool, found if tool != "none" else [None] * len(paths)


def each_node_digest(shell, paths, found) -> str:
    """``tree.sh digest``: the node's SHA-256 of each path ``paths()`` gives (absolute node
    paths, bytes, the same ones in the same order at each call: they are generated once to be
    sent, once to read the output, never held), passed to ``found(path, raw digest or None)``
    as the output arrives. Returns the tool the node used (openssl, sha256sum; ``none``: it has
    neither, and nothing was found)."""
    from elastix_halint.remote import frames
    from elastix_halint.remote.shell import abandon
    from elastix_halint.snapshot.nodetree import Digests

    proc = shell.popen_script(tree_script(), ["digest"], data_stdin=True)
    err: list = []

    def feed() -> None:
        try:
            batch: list = []
            for path in paths():
                batch.append(path + b"\0")
                if len(batch) == 1024:
                    proc.stdin.write(b"".join(batch))
                    batch = []
            proc.stdin.write(b"".join(batch))
            proc.stdin.close()
        except (OSError, ValueError):
            pass  # the node stopped reading (or halint stopped it): its exit status says why

    def drain() -> None:
        try:
            err.append(proc.stderr.read())
        except (OSError, ValueError):
            pass  # closed by abandon()

    threads = [threading.Thread(target=feed, daemon=True), threading.Thread(target=drain, daemon=True)]
    for thread in threads:
        thread.start()
    try:
        tool = proc.stdout.readline(64).strip().decode("ascii", "replace")
        if tool in ("openssl", "sha256sum"):
            sink = frames.Pieces(Digests(tool, paths(), found))
            while piece := proc.stdout.read(frames.SINK_PIECE):
                sink.write(piece)
            sink.close()
        else:
            proc.stdout.read()
        rc = proc.wait()
    except BaseException:
        abandon(proc)
        raise
    finally:
        for thread in threads:
            thread.join()
    said = err[0] if err else b""
    shell.check(rc, said)  # the connection was lost: one line, exit 2
    if not tool:
        lines = said.decode("utf-8", "replace").strip().splitlines()
        raise RemoteError(f"{shell.label}: the node could not compute digests" + (f" ({lines[-1]})" if lines else ""))
    return tool


class _MovedFiles(ListedTree):
    """The node's listing of the files after they were read, compared with the scan record by
    record as it is parsed: nothing of it is kept but the files that moved (a table of the
    whole listing cost ~30 MiB at 100,000 files, at the peak of a snapshot --ssh)."""

    def __init__(self, scanned):
        super().__init__(walkable=False)
        self.scanned = scanned
        self.waiting = {e.path: i for i, e in enumerate(scanned.entries) if e.type == FILE}
        self.moved: list = []

    def _add(self, path: str, st) -> None:
        top_abs = self.scanned.top_abs
        if not path.startswith(top_abs):
            return
        index = self.waiting.pop(self.scanned.top_node + path[len(top_abs):], None)
        if index is None or st is None:
            return  # not a file of the scan (new, excluded), or a listed name gone: vanished below
        if Fingerprint(st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns) != self.scanned.fingerprint(index):
            self.moved.append((index, "changed while being read"))

    def result(self) -> list:
        """(index, why) in entry order."""
        return sorted(self.moved + [(i, "vanished while being read") for i in self.waiting.values()])


class _Subset:
    """Some entries of a scan, for NodeFiles (the files a diff or restore must digest)."""

    def __init__(self, entries: list):
        self.entries = entries


def _header(entry) -> bytes:
    from elastix_halint.snapshot.tarpax import header_bytes

    return header_bytes(entry)


class _MemberReader:
    """Exactly ``size`` bytes for the archive: the member's data (zero-padded when it holds
    fewer, cut when more), hashed as handed out."""

    def __init__(self, stream, member, size: int):
        self.stream, self.left = stream, size
        self.available = min(size, member.size) if member is not None else 0
        self.digest = hashlib.sha256()
        self.problem = None

    def read(self, n: int) -> bytes:
        n = min(n, self.left)
        if self.available:
            data = self.stream.read(min(n, self.available))
            self.available -= len(data)
        else:
            data = b""
        if len(data) < n and not self.available:
            data += bytes(n - len(data))
        self.left -= len(data)
        self.digest.update(data)
        return data


class _Discard:
    """A TarWriter that keeps nothing (the hashing pass of gzip/none)."""

    def add(self, header: bytes, size: int = 0, source=None) -> None:
        left = size
        while left:
            data = source.read(min(CHUNK, left))
            if not data:
                raise OSError("short read while hashing")
            left -= len(data)


def _feed(pipe, data: bytes) -> None:
    try:
        pipe.write(data)
        pipe.close()
    except (BrokenPipeError, ValueError, OSError):
        pass  # the node went away: its exit status says why
