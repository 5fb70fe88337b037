"""``halint restore --ssh``: put a snapshot back on a node reached over ssh.

Here, before the node is even asked anything: every check of a local restore (``restore.prepare``:
manifest, plan, every member header through prescan and TarSafe), then every selected file's
content against its digest. Nothing that fails is ever sent.

On the node, only ``remote/scripts/restore.sh`` runs: each ssh call sends it a short list of
its functions to call (``Calls``), all under the node's lock. In order: the lock and the node's
restore state; the journal and a staging folder inside the replica (the target's filesystem);
a fresh plain tar of the checked directories and files, built here, extracted there by the
node's own tar (owners by number, pax mtimes with nanoseconds); sparse files rewritten with
holes, symlinks and hardlinks made, xattrs set by setfattr; directory attributes set again by a
second small tar (the links changed their mtimes). Then the staged tree is proven: every file's
SHA-256 by the node's openssl or sha256sum (else streamed back and hashed here), every entry's
type, owner, mode, mtime, link target and hardlink group from a listing. Only then, with the
journal's phase "swapping" made durable, one rename per unit, each journalled first; replaced
data is moved aside until ``--prune``. A rerun finishes a swap that was under way, or rolls back
(removes staging) a restore that had not reached it, and says which.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shlex
import socket
import threading
import time
from array import array
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from elastix_halint import forked
from elastix_halint.errors import InputError
from elastix_halint.remote import frames, scripts
from elastix_halint.remote.errors import RemoteError, no_usable_answer
from elastix_halint.remote.shell import widen
from elastix_halint.snapshot import compress, lock, prescan, restore, swap
from elastix_halint.snapshot import crashpoints
from elastix_halint.snapshot.crashpoints import reached
from elastix_halint.snapshot.manifest import DIR, FILE, HARDLINK, SYMLINK, Entry
from elastix_halint.snapshot.nodetree import NodeFacts, fsencode, stream_frames
from elastix_halint.snapshot.progress import Progress
from elastix_halint.snapshot.remote_snapshot import NodeFiles, _Subset, each_node_digest, node_facts
from elastix_halint.snapshot.restore import RestoreOptions, RestoreOutcome, RestoreRefused
from elastix_halint.snapshot.stagedtree import StagedTree
from elastix_halint.snapshot.tarpax import TarWriter, send_header

SPARSE_BLOCK = 1 << 16  # the same holes as a local restore (staging.SPARSE_BLOCK)
MAX_EXTENTS = 2000  # a sparse file in more pieces is written whole (the node runs one dd per piece)


class Calls:
    """One list of ``restore.sh`` function calls, run by one ssh call (``NodeSteps.run``).
    Arguments are quoted here; ``data`` goes in a quoted here-document (text only)."""

    def __init__(self):
        self.lines: list[str] = []

    def add(self, name: str, *args, data: str | None = None) -> "Calls":
        words = " ".join(shlex.quote(str(a)) for a in args)
        if data is None:
            self.lines.append(f"{name} {words} || return 1")
        else:
            delimiter = f"HALINT_{secrets.token_hex(8)}"
            text = data if data.endswith("\n") else data + "\n"
            self.lines.append(f"{name} {words} <<'{delimiter}' || return 1\n{text}{delimiter}")
        return self

    def text(self) -> bytes:
        return ("\n".join(self.lines) + "\n").encode("utf-8", "surrogateescape")


class NodeSteps:
    """The restore's ssh calls to one node. Errors the node reports become one line (exit 3
    when the lock was lost or a step of another restore is still running)."""

    def __init__(self, shell, root: str, replica: str):
        self.shell, self.root, self.replica = shell, root, replica
        self.token: str | None = None
        script = scripts.script("restore")
        delay = os.environ.get(crashpoints.DELAY_ENV)  # crash tests: pauses between swap steps
        self.script = f"rs_delay={shlex.quote(delay)}\n{script}" if delay else script

    def run(self, calls: Calls, sinks: dict | None = None) -> list:
        """``sinks``: the frames to hand on in pieces as they arrive (``frames.read_frames``)."""
        text = calls.text()
        if self.token is not None:
            text = f"HOLD {shlex.quote(self.token)} || return 1\n".encode() + text
        return self._call(["run"], lambda out: out.write(text), "run", sinks)

    def extract(self, directory: str, writer) -> list:
        return self._call(["extract", self.token, directory], writer, "extract", wide=True)

    def _call(self, args: list, writer, kind: str, sinks: dict | None = None, wide: bool = False) -> list:
        """``wide``: the whole tree goes through stdin (``shell.widen``)."""
        proc = self.shell.popen_script(self.script, [self.root, self.replica, *args], data_stdin=True)
        if wide:
            widen(proc.stdin)
        err: list = []
        reader = threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)
        reader.start()
        try:
            try:
                writer(proc.stdin)
                proc.stdin.close()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the node stopped reading: its frames say why
            try:  # read as it comes: PROVE's answer is ~40 MiB at 100,000 files, taken by sinks
                received = frames.read_all(proc.stdout, f"restore-{kind}", sinks)
            except frames.StreamError as exc:
                received = exc
                proc.stdout.read()  # to the end, so that the node's exit status is its own
            rc = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            reader.join()
        said = err[0] if err else b""
        self.shell.check(rc, said)
        if isinstance(received, frames.StreamError):
            raise no_usable_answer(self.shell.label, said, received, "the node's restore step") from None
        for f in received:
            if f.tag == "E":
                if f.info in ("lost", "busy"):
                    raise lock.LockedError(f"{self.shell.label}: {f.text}")
                raise RemoteError(f"{self.shell.label}: {f.text}")
        status = next((f.info for f in received if f.tag == "Z"), "1")
        if status != "0" and not any(f.tag in ("B", "T") for f in received):
            said = [line for f in received if f.tag in ("W", "V") for line in f.text.splitlines() if line.strip()]
            raise RemoteError(f"{self.shell.label}: a restore step failed on the node" + (f": {said[-1]}" if said else ""))
        return received


@dataclass
class NodeState:
    """What ``STATE`` found: a pending journal, done records, staging folders."""

    journal: dict | None
    done: dict  # node path of a done record -> its JSON
    stagings: list

    @classmethod
    def from_frames(cls, received: list) -> "NodeState":
        journal, done, stagings = None, {}, []
        for f in received:
            if f.tag == "J":
                try:
                    journal = json.loads(f.data)
                except ValueError:
                    raise InputError("unreadable restore journal on the node; inspect and remove it", f.path) from None
            elif f.tag == "D":
                try:
                    done[f.path] = json.loads(f.data)
                except ValueError:
                    done[f.path] = {}
            elif f.tag == "G":
                stagings.append(f.path)
        return cls(journal, done, stagings)


def run(opts: RestoreOptions, open_node, warn) -> RestoreOutcome:
    """``halint restore --ssh``. ``open_node()`` is a context manager giving the node's shell (a
    Connection, or a LocalShell in tests), which may still be logging in: it is entered once the
    archive's manifest and headers passed their checks, logs in while every digest is checked,
    and is used (``open()``: its login waited for, a failed one reported) only once the archive
    passed every check: nothing runs on the node before that."""
    if opts.prune:
        with open_node() as shell:
            return _prune(opts, shell.open(), warn)
    plan, tar = restore.prepare(opts)
    try:
        with open_node() as login:
            _verify_here(tar, plan, opts)  # every digest, before anything reaches the node
            return _run_checked(opts, plan, tar, login.open(), warn)
    finally:
        restore.close(tar)


def _run_checked(opts: RestoreOptions, plan, tar, shell, warn) -> RestoreOutcome:
    """The restore of an archive that passed every check, on the node's open ``shell``."""
    paths = list(plan.units) + [link["path"] for link in plan.links]
    if opts.dry_run:
        facts = node_facts(shell, opts.root, plan.replica, paths)
        return RestoreOutcome(restore.describe(plan, facts) + ["dry run: nothing was changed"])
    node = NodeSteps(shell, opts.root, plan.replica)
    facts, state = _open(node, paths, warn)
    try:
        restore._check_node(facts, plan.replica, opts.force, warn)
        reached("locked")
        return _continue(node, state, plan, opts, tar, facts, warn)
    finally:
        _release(node)


def _continue(node, state: NodeState, plan, opts, tar, facts, warn) -> RestoreOutcome:
    abandon = None
    if state.journal is not None:
        if state.journal.get("phase") == "swapping":
            j = state.journal
            return _finish(node, j, [f"completed the interrupted restore of {j['archive']} (started {j['stamp']})"])
        abandon = state.journal.get("staging")
        warn(f"halint: rolling back the interrupted restore of {state.journal.get('archive')} (started "
             f"{state.journal.get('stamp')}): it had not reached the swap, nothing live had been touched")
    for orphan in sorted(set(state.stagings) - {abandon}):
        warn(f"warning: {orphan} on the node belongs to no pending restore; left alone "
             "(`halint restore --prune --ssh ...` removes it)")
    return _restore(node, plan, opts, tar, facts, abandon)


# -- the lock ----------------------------------------------------------------------------------

def _open(node: NodeSteps, paths, warn, old: str = "-") -> tuple[NodeFacts, NodeState]:
    """The node's facts, its lock and its restore state, in one call (the lock is released
    again if the facts make halint refuse). A lock left by a halint of this host that is no
    longer running is taken over, with a message."""
    token = secrets.token_hex(16)
    record = json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "started": time.time(),
                         "command": f"halint restore --ssh {node.shell.label}", "token": token})
    calls = Calls().add("FACTS", node.root, node.replica, *paths)
    received = node.run(calls.add("TAKE", old, data=record).add("STATE"))
    if any(f.tag == "X" for f in received):  # no such root on the node
        stream_frames(b"", b"", "", node.shell.label, received)
    facts = NodeFacts.from_frames(node.root, received)
    held = next((f for f in received if f.tag == "B"), None)
    if held is None:
        node.token = token
        return facts, NodeState.from_frames(received)
    try:
        holder = json.loads(held.data)
    except ValueError:
        holder = None
    where = f"{node.shell.label}:{held.path}"
    if old == "-" and isinstance(holder, dict) and lock.is_stale(holder):
        warn(f"halint: taking over a stale lock on the node (pid {holder.get('pid')} of this host is no longer running)")
        return _open(node, paths, warn, str(holder.get("token") or "-"))
    raise lock.LockedError(lock.describe(holder if isinstance(holder, dict) else None, where))


def _release(node: NodeSteps) -> None:
    if node.token is None:
        return
    try:
        node.run(Calls().add("RELEASE"))
    except (RemoteError, lock.LockedError):
        pass  # the connection is gone: the next run takes the stale lock over
    node.token = None


# -- before the node: every digest -------------------------------------------------------------

def _chosen(plan):
    """Which entries go to staging: the selected ones and the directories above them."""
    return lambda entry: plan.whole or plan.staged(entry)


def _verify_here(tar, plan, opts: RestoreOptions) -> None:
    """What a local restore checks while it extracts, done before anything is sent: TarSafe's
    checks and the extraction filter on every member to send, and every file's digest."""
    import tarfile

    chosen = _chosen(plan)
    try:
        tar.check_sent(chosen, "/halint-staging")
    except (tarfile.TarError, restore.archive.TarSafeException) as exc:
        raise RestoreRefused(f"refusing to restore: {exc}; nothing was sent to the node", opts.archive) from None
    def files():  # made afresh each time: a list of the pairs was ~9 MiB at 100,000 files
        return ((e, o) for e, o in zip(tar.located, tar.offsets) if e.type == FILE and chosen(e))

    total = count = 0
    for entry, _ in files():
        total, count = total + entry.size, count + 1
    bad = []
    # Nothing else runs meanwhile: the frames are decompressed on every core while this thread
    # hashes (decompressing 2 GiB takes a core ~1.8 s, hashing it ~1.2 s).
    source = tar.fileobj.clone(forked.cpus()) if isinstance(tar.fileobj, compress.FrameReader) else tar.fileobj
    with Progress("verify", total, count, Progress.wanted(opts.quiet)) as bar:
        try:
            for entry, offset in files():
                digest = hashlib.sha256()
                for chunk in _slices(source, offset, entry.size):
                    digest.update(chunk)
                bar.advance(entry.size)
                if digest.digest() != entry.digest and not (entry.changed or entry.member in tar.changed_late):
                    bad.append(f"{entry.member}: content does not match its digest")
        except restore.archive.damage_errors() as exc:
            raise RestoreRefused(f"the archive is damaged: {exc}; nothing was sent to the node", opts.archive) from None
        finally:
            if source is not tar.fileobj:
                source.close()
    if bad:
        restore._refuse_if(bad, opts.archive)


def _slices(source, offset: int, size: int, chunk: int = 1 << 20):
    source.seek(offset)
    left = size
    while left:
        data = source.read_view(min(chunk, left))
        if not data:
            raise EOFError(f"archive truncated at offset {source.tell()}")
        left -= len(data)
        yield data


# -- a new restore ----------------------------------------------------------------------------

def _restore(node: NodeSteps, plan, opts: RestoreOptions, tar, facts: NodeFacts, abandon) -> RestoreOutcome:
    root = facts
    replica_live = root.path(plan.replica)
    top = next((e for e in plan.snap.entries if e.path == plan.replica), None)
    stamp, staging, journal = _start(node, plan, opts, root, replica_live, top, facts, abandon)
    try:
        failures, inodes = _stage(node, plan, opts, tar, facts, staging)
        journal["units"] = [{"path": unit, "live": root.path(unit), "new": staging + unit,
                             "old": restore.old_path(root.path(unit), stamp), "ino": inodes[unit]} for unit in plan.units]
        journal["links"] = [{"path": l["path"], "live": root.path(l["path"]), "target": l["actual"],
                             "temp": restore.temp_link_path(root.path(l["path"]), stamp),
                             "old": restore.old_path(root.path(l["path"]), stamp)} for l in plan.links]
    except BaseException:
        try:  # nothing live was touched: drop staging and the journal
            node.run(Calls().add("ABANDON", staging))
        except (RemoteError, lock.LockedError, OSError):
            pass  # the journal still says "staging": the next run rolls it back
        raise
    journal["phase"] = "swapping"
    lines = [f"restored {len(plan.units)} unit(s) from {opts.archive} to {node.shell.label}; "
             f"{len(plan.links)} link-map link(s) in place"]
    outcome = _finish(node, journal, lines, save=True)
    outcome.failures[:0] = failures
    return outcome


def _start(node, plan, opts, root, replica_live: str, top, facts, abandon):
    """Roll back a restore that died before its swap (``abandon``: its staging folder), then
    journal a new one and make its staging folder, under a stamp none of whose names exist."""
    base = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for n in range(1000):
        stamp = f"{base}-{n}" if n else base
        staging = restore.staging_path(replica_live, stamp)
        journal = {"archive": os.path.abspath(opts.archive), "stamp": stamp, "phase": "staging", "staging": staging,
                   "units": [], "links": [], "node": node.shell.label, "replica_live": replica_live,
                   "replica_attrs": top.to_json() if top is not None and not opts.only else None,
                   "tools": {k: v for k, v in facts.tools.items() if k in ("touch-h", "touch-frac", "setfattr")}}
        calls = Calls()
        if abandon:
            calls.add("ABANDON", abandon)
        calls.add("FREE", *restore.stamp_names(plan, root, replica_live, stamp))
        calls.add("PUT", swap.JOURNAL, "new", data=json.dumps(journal, indent=1))
        calls.add("MKDIR", staging)
        received = node.run(calls)
        reached("journal-staging")
        abandon = None
        if not any(f.tag == "T" for f in received):
            return stamp, staging, journal
    raise RemoteError(f"{node.shell.label}: no free name for the restore's staging folder")


def _finish(node: NodeSteps, journal: dict, lines: list, save: bool = False) -> RestoreOutcome:
    """The swap (one call: the journal's phase "swapping" durable first when ``save``, then
    each unit and link), then the done record, staging's removal and the replica's own
    attributes (a second call)."""
    calls = Calls()
    if save:
        calls.add("PUT", swap.JOURNAL, data=json.dumps(journal, indent=1))
    for i, unit in enumerate(journal["units"]):
        calls.add("U", i, unit["live"], unit["new"], unit["old"], unit["ino"])
    for i, link in enumerate(journal["links"]):
        calls.add("K", i, link["live"], link["temp"], link["old"], link["target"])
    received = node.run(calls)
    reached("swapped")
    kept = [f.text for f in received if f.tag == "O"]
    done = dict(journal, phase="done", kept=kept)
    calls = Calls().add("PUT", os.path.basename(swap.done_path("/", journal["stamp"])), data=json.dumps(done, indent=1))
    calls.add("FINISH", journal["staging"])
    attrs = journal.get("replica_attrs")
    if attrs:  # the replica's own mtime moved with the swaps
        _add_attrs(calls, journal["replica_live"], Entry.from_json(dict(attrs)), journal.get("tools", {}))
    failures = _failures(node.run(calls.add("RELEASE")))
    node.token = None
    reached("journal-removed")
    lines += [f"kept the replaced data at {path} (remove with `halint restore --prune --ssh ...`)" for path in kept]
    return RestoreOutcome(lines, failures)


def _add_attrs(calls: Calls, path: str, entry: Entry, tools: dict) -> None:
    """Owner, mode, mtime and xattrs of an existing entry (the replica directory itself)."""
    calls.add("A", entry.uid, entry.gid, f"{entry.mode:o}", _touch_time(entry.mtime_ns, tools), path)
    if entry.xattrs and tools.get("setfattr") == "yes":
        calls.add("XATTRS", data=_xattr_dump([(path, entry)]))


# -- staging on the node ---------------------------------------------------------------------

def _stage(node: NodeSteps, plan, opts: RestoreOptions, tar, facts: NodeFacts, staging: str) -> tuple[list, dict]:
    """Build the staged tree on the node and prove it; returns the attribute failures (warnings)
    and the inode of each staged unit. Refuses (RestoreRefused) when the staged tree is not
    the snapshot's."""
    chosen = _chosen(plan)
    # Lists of these were ~0.9 MiB each at 100,000 entries, held through the proof.
    staged = _Each(plan.snap.entries, chosen)
    selected = _Each(plan.snap.entries, lambda e: chosen(e) and plan.selected(e))
    failures: list = []
    sparse: list = []
    # (entry, offset) of the members to send, made afresh each time it is read: a list of the
    # pairs was ~9 MiB at 100,000 files, held through the whole restore.
    members = _Members(tar, chosen)
    sizes = [e.size for e, _ in members if e.type == FILE]
    total, count = sum(sizes), len(sizes)
    # The files whose content the proof checks; the node hashes those that are not sparse while
    # its tar is still extracting the ones after them (``_Sent``), the rest once it is done.
    checked = _Each(plan.snap.entries, lambda e: e.type == FILE and chosen(e) and not (e.changed or e.member in tar.changed_late))
    sent = _Sent(lambda e: e.type == FILE and not e.sparse and not (e.changed or e.member in tar.changed_late))
    early = _Each(checked.entries, lambda e: checked.keep(e) and not e.sparse)
    with ThreadPoolExecutor(1, thread_name_prefix="halint-digests") as pool:
        hashing = pool.submit(_early_digests, node, early, staging, sent)
        try:
            with Progress("send", total, count, Progress.wanted(opts.quiet)) as bar:
                try:
                    node.extract(staging, lambda out: _send_tree(out, members, tar.fileobj, sparse, bar, sent))
                except restore.archive.damage_errors() as exc:
                    raise RestoreRefused(f"the archive is damaged: {exc}; nothing live was touched", opts.archive) from None
            sent.finished()
            reached("extracted")
            calls = Calls()
            for item in sparse:
                calls.add("SPARSE", *_sparse_args(item, staging, failures))
            _links(calls, plan, staged, selected, staging, facts.tools, failures)
            with_xattrs = [e for e in selected if e.xattrs]
            if with_xattrs and facts.has("setfattr"):
                calls.add("XATTRS", data=_xattr_dump([(staging + e.path, e) for e in with_xattrs]))
            elif with_xattrs:
                failures.append(f"{len(with_xattrs)} entries: xattrs and SELinux labels not restored (the node has no "
                                f"setfattr; first: {with_xattrs[0].path})")
            _dir_times(calls, staged, [item[0] for item in sparse], staging, facts.tools)
            # Without xattrs to compare, the node's getfattr of every staged path (~0.3 s at
            # 50,000 files) would only be read to be ignored.
            calls.add("PROVE", staging + plan.replica, "full" if with_xattrs else "bare")
            # PROVE's listing (~15 MiB at 100,000 files) is read as it arrives into what the
            # comparison needs (StagedTree).
            staged_tree = StagedTree(staging + plan.replica, plan.replica, plan.snap.header.excludes,
                                     [e.path for e in selected] + list(plan.units))
            received = node.run(calls, staged_tree.sinks())  # links, holes, xattrs, the listing
            bad = hashing.result()
        except BaseException:
            sent.stop()  # the node is sent no more paths to hash; the pool waits for that call
            raise
    if bad is None:  # the node has neither openssl nor sha256sum: read back and hashed here
        bad = _staged_digests(node, checked, staging, facts)
    else:  # sparse files (rewritten by the call above) and any file hashed before it was whole
        again = bad + [e for e in checked if e.sparse]
        bad = _staged_digests(node, again, staging, facts) if again else []
    failures += _failures(received)
    reached("linked")
    inodes = _prove(plan, staged_tree, bad, selected, facts, failures, received)
    reached("staged")
    return failures, inodes


def _dir_times(calls: Calls, staged, sparse, staging: str, tools: dict) -> None:
    """The mtimes of the directories the links and sparse files just went into (the tar set
    them before), deepest first."""
    import posixpath

    parents = {posixpath.dirname(e.path) for e in staged if e.type in (SYMLINK, HARDLINK)}
    parents |= {posixpath.dirname(e.path) for e in sparse}
    for e in sorted((e for e in staged if e.type == DIR and e.path in parents), key=lambda e: e.path.count("/"), reverse=True):
        calls.add("D", _touch_time(e.mtime_ns, tools), staging + e.path)


def _send_tree(out, members, source, sparse: list, bar, sent: "_Sent") -> None:
    """The plain tar of directories and files, in manifest order, written to the node's tar.
    A sparse file goes under a temporary name; its data's 64 KiB blocks that are not all
    zero are noted (``sparse``) for the ``sparse`` step. ``sent`` learns where each file
    it hashes early ends."""
    import dataclasses

    tar = sent.tar = TarWriter(out)
    for entry, offset in members:
        if entry.type == DIR:
            continue
        data = _slices(source, offset, entry.size)
        early = sent.wanted(entry)
        if entry.sparse:
            temp = f"/.halint-sparse-{len(sparse)}"
            blocks: list = []
            sparse.append((entry, temp, blocks))
            data = _noting_blocks(data, blocks)
            entry = dataclasses.replace(entry, path=temp, mode=0o600)
        tar.add(send_header(entry), entry.size, _Chunks(data))
        if early:
            sent.ends.append(tar.offset)
        bar.advance(entry.size)
    # Directories last, deepest first: their owners, modes and mtimes are set once everything
    # inside them exists (tar makes the missing parents of the files as it goes).
    dirs = [e for e, _ in members if e.type == DIR]
    for entry in sorted(dirs, key=lambda e: e.path.count("/"), reverse=True):
        tar.add(send_header(entry))
    tar.close()
    out.flush()


class _Sent:
    """How far the tar sent to the node has got, for the node's hashing of the staged files
    while its tar extracts (``_early_digests``): the k-th file to hash may be asked for once
    the stream is ``LAG`` bytes past its end (what is between here and the node's tar: pipes,
    ssh's channel window, sockets; a file hashed before it was whole only costs a second
    hashing), and every file once the node's tar has finished. Files are asked for in calls of
    ``BATCH_BYTES`` or ``BATCH_FILES`` at least (one ssh call and one shell each)."""

    LAG = 32 << 20
    BATCH_BYTES = 64 << 20
    BATCH_FILES = 5000

    def __init__(self, wanted):
        self.wanted = wanted  # the entries hashed early, in the order they are sent
        self.ends = array("q")  # where each of them ends in the stream
        self.tar: TarWriter | None = None
        self.done = self.stopped = False

    def ready(self, k: int) -> bool:
        return self.done or (k < len(self.ends) and self.tar.offset >= self.ends[k] + self.LAG)

    def wait(self, k: int) -> bool:
        while not self.ready(k) and not self.stopped:
            time.sleep(0.01)
        return not self.stopped

    def finished(self) -> None:
        self.done = True

    def stop(self) -> None:
        self.stopped = True


class _Each:
    """The entries ``keep`` accepts, in manifest order, made afresh each time it is read."""

    def __init__(self, entries, keep):
        self.entries, self.keep = entries, keep

    def __iter__(self):
        return (e for e in self.entries if self.keep(e))


class _Members:
    """The (entry, offset) pairs of the archive members ``chosen`` keeps, in archive order."""

    def __init__(self, tar, chosen):
        self.tar, self.chosen = tar, chosen

    def __iter__(self):
        return ((e, o) for e, o in zip(self.tar.located, self.tar.offsets) if self.chosen(e))


class _Chunks:
    """A ``read(n)`` over an iterator of byte chunks (TarWriter's source), as views of them:
    a copy of each was ~0.3 s of CPU for 2 GiB."""

    def __init__(self, chunks):
        self._chunks, self._buf = iter(chunks), memoryview(b"")

    def read(self, n: int) -> memoryview:
        if not self._buf:
            self._buf = memoryview(next(self._chunks, b""))
        data, self._buf = self._buf[:n], self._buf[n:]
        return data


def _noting_blocks(chunks, blocks: list):
    """Pass the chunks on, noting (into ``blocks``) each 64 KiB block index holding data."""
    index, pending = 0, b""
    for chunk in chunks:
        pending += bytes(chunk)
        while len(pending) >= SPARSE_BLOCK:
            if pending[:SPARSE_BLOCK].count(0) != SPARSE_BLOCK:
                blocks.append(index)
            index += 1
            yield pending[:SPARSE_BLOCK]
            pending = pending[SPARSE_BLOCK:]
    if pending:
        if pending.count(0) != len(pending):
            blocks.append(index)
        yield pending


def _sparse_args(item, staging: str, failures: list) -> list[str]:
    entry, temp, blocks = item
    runs: list = []
    for block in blocks:  # consecutive blocks as one dd: B:C
        if runs and runs[-1][0] + runs[-1][1] == block:
            runs[-1][1] += 1
        else:
            runs.append([block, 1])
    if len(runs) > MAX_EXTENTS:  # one dd per piece on the node: too many, write it whole
        failures.append(f"{entry.path}: written without holes (more than {MAX_EXTENTS} pieces of data)")
        runs = [[0, -(-entry.size // SPARSE_BLOCK)]]
    extents = ",".join(f"{b}:{c}" for b, c in runs)
    return [staging + temp, staging + entry.path, str(entry.size), str(entry.uid), str(entry.gid), f"{entry.mode:o}", extents]


def _links(calls: Calls, plan, staged, selected, staging: str, tools: dict, failures: list) -> None:
    """Symlinks (owned as recorded) and extra hardlink names, as restore.sh's L and H; symlink
    mtimes (T) where the node's touch has -h."""
    for e in staged:
        if e.type == SYMLINK:
            calls.add("L", e.target, staging + e.path, e.uid, e.gid)
        elif e.type == HARDLINK and any(prescan.under(e.target, u) for u in plan.units):
            calls.add("H", staging + e.target, staging + e.path)
        elif e.type == HARDLINK:
            failures.append(f"{e.path}: not relinked to {e.target}, which is outside the restored paths")
    if tools.get("touch-h") == "yes":
        for e in selected:
            if e.type == SYMLINK:
                calls.add("T", _touch_time(e.mtime_ns, tools), staging + e.path)


def _touch_time(mtime_ns: int, tools: dict) -> str:
    seconds, fraction = divmod(mtime_ns, 1_000_000_000)
    return f"{seconds}.{fraction:09d}" if tools.get("touch-frac") == "yes" and fraction else str(seconds)


def _escape(path: str) -> str:
    """A path as getfattr writes it (and setfattr --restore reads it): octal escapes for
    backslash and every byte that is not printable ASCII."""
    return "".join(chr(b) if 0x21 <= b <= 0x7E and b != 0x5C else f"\\{b:03o}" for b in fsencode(path))


def _xattr_dump(items) -> str:
    """A ``getfattr -d -e base64`` dump of ``items`` ((path on the node, entry)), paths
    relative to / (XATTRS runs setfattr there)."""
    out = []
    for path, entry in items:
        out.append(f"# file: {_escape(path.lstrip('/'))}")
        out += [f"{_escape(name)}=0s{value}" for name, value in entry.xattrs.items()]
        out.append("")
    return "\n".join(out) + "\n"


def _failures(received: list) -> list:
    return [line for f in received if f.tag == "V" for line in f.text.splitlines() if line.strip()]


# -- proving the staged tree -------------------------------------------------------------------

def _prove(plan, staged_tree: StagedTree, bad: list, selected, facts: NodeFacts, failures: list,
           received: list) -> dict:
    """Every staged file's content against the manifest (``bad``: those that differ; refused
    if any), every staged entry's metadata against it (differences are warnings, as in a local
    restore), from PROVE's listing (``received``, its big frames already taken by
    ``staged_tree``); returns the staged units' inodes."""
    if bad:
        restore._refuse_if([f"{e.path}: staged on the node with other content than the snapshot's" for e in bad],
                           plan.snap.path)
    staged_tree.take_frames(received)  # what the sinks did not take (owner names; busybox's listing)
    received[:] = [f for f in received if f.tag not in ("F", "N", "S", "Y", "A")]
    problems, precision = [], 0
    for e in selected:
        got = staged_tree.found(e.path)
        if e.type == HARDLINK and not any(prescan.under(e.target, u) for u in plan.units):
            continue  # reported as not relinked
        if got is None or got.type != e.type or got.target != e.target:
            now = f"a {got.type}" + (f" -> {got.target}" if got.target else "") if got else "nothing"
            problems.append(f"{e.path}: staged as {now}, the snapshot has a {e.type}" + (f" -> {e.target}" if e.target else ""))
            continue
        if (got.uid, got.gid) != (e.uid, e.gid) or (got.mode != e.mode and e.type != SYMLINK):
            failures.append(f"{e.path}: could not set owner/mode {e.uid}:{e.gid} {e.mode:04o} (staged {got.uid}:{got.gid} {got.mode:04o})")
        if got.mtime_ns != e.mtime_ns and not (e.type == SYMLINK and not facts.has("touch-h")):
            if got.mtime_ns // 1_000_000_000 == e.mtime_ns // 1_000_000_000:
                precision += 1
            else:
                failures.append(f"{e.path}: could not set mtime")
        if staged_tree.xattrs_captured:
            failures += [f"{e.path}: could not set xattr {name}" for name, value in (e.xattrs or {}).items()
                         if (got.xattrs or {}).get(name) != value]
    if problems:
        restore._refuse_if(problems, plan.snap.path)
    if precision:
        failures.append(f"{precision} entries: mtime restored to the second only (the node's tar and touch keep no finer)")
    return {unit: staged_tree.found(unit).ino for unit in plan.units}


def _early_digests(node: NodeSteps, files, staging: str, sent: "_Sent") -> list | None:
    """``_staged_digests`` of ``files`` while the node's tar still extracts them: a call per
    batch of files the stream is far enough past (``sent``), so that the node hashes the first
    files while its tar writes the next ones (its xargs would wait for a full batch of paths
    or their end). Returns the entries to hash again (other content or none: possibly not yet
    whole), or None when the node has neither openssl nor sha256sum."""
    bad: list = []
    batch: list = []
    size = 0
    for k, entry in enumerate(files):
        if not sent.ready(k):
            if size >= _Sent.BATCH_BYTES or len(batch) >= _Sent.BATCH_FILES:
                if _staged_digests(node, batch, staging, None, bad) is None:
                    return None
                batch, size = [], 0
            if not sent.wait(k):
                return bad  # the restore failed: nothing more is asked
        batch.append(entry)
        size += entry.size
    if batch and _staged_digests(node, batch, staging, None, bad) is None:
        return None
    return bad


def _staged_digests(node: NodeSteps, files, staging: str, facts: NodeFacts | None, bad: list | None = None) -> list | None:
    """The entries of ``files`` whose staged copy has other content than the manifest says (or
    none), added to ``bad``: hashed by the node's openssl, else its sha256sum (``tree.sh
    digest``), compared one at a time as the output arrives (the names and digests of 100,000
    files held whole were ~25 MiB); when the node has neither, the files are read back and
    hashed here (without ``facts``: None instead)."""
    bad = [] if bad is None else bad
    expected = iter(files)

    def found(path: bytes, digest: bytes | None) -> None:
        entry = next(expected)
        if digest != entry.digest:
            bad.append(entry)

    tool = each_node_digest(node.shell, lambda: (fsencode(staging + e.path) for e in files), found)
    if tool != "none":
        return bad
    if facts is None:
        return None
    staging_node = staging[len(facts.path("/").rstrip("/")):]
    moved = [replace(e, path=staging_node + e.path) for e in files]
    got = dict(NodeFiles(node.shell, node.root, _Subset(moved), True).digest_each())
    return bad + [e for i, e in enumerate(files) if got.get(i) != e.digest]


# -- prune ------------------------------------------------------------------------------------

def _prune(opts: RestoreOptions, shell, warn) -> RestoreOutcome:
    from elastix_halint.noderoot import linkmap as linkmaps

    links = linkmaps.load(opts.links)
    node = NodeSteps(shell, opts.root, links.mount)
    state = _open(node, [], warn)[1]
    try:
        if state.journal is not None:
            raise InputError("a restore is still pending on the node; rerun `halint restore ARCHIVE --ssh ...` to complete it first")
        paths = [p for record in state.done.values() for p in record.get("kept", [])]
        paths += list(state.done) + state.stagings
        received = node.run(Calls().add("PRUNE", *paths)) if paths else []
    finally:
        _release(node)
    removed = [f.path for f in received if f.tag == "R" and f.path not in state.done]
    return RestoreOutcome([f"removed {path}" for path in removed] or ["nothing to prune"])
