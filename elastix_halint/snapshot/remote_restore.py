"""``halint restore --ssh``: put a snapshot back on a node reached over ssh.

Here, before the node is even asked anything: every check of a local restore (``restore.prepare``:
manifest, plan, every member header through prescan and TarSafe), then every selected file's
content against its digest. Nothing that fails is ever sent.

On the node (``remote/scripts/restore.sh``, one action per ssh call, all under the node's lock):
a journal, then a staging folder inside the replica (the target's filesystem); a fresh plain
tar of the checked directories and files, built here, extracted there by the node's own tar
(owners by number, pax mtimes with nanoseconds); sparse files rewritten with holes; symlinks
and hardlinks made; xattrs by setfattr; directory attributes set again by a second small tar
(after the links changed their mtimes). Then the staged tree is proven: every file's SHA-256
by the node's sha256sum or openssl (else streamed back here), every entry's type, owner, mode,
mtime, link target and hardlink group from a listing. Only then, with the journal's phase
"swapping" made durable, one rename per unit (each journalled before it runs); replaced data
is moved aside until ``--prune``. A rerun finishes a swap that was under way, or rolls back
(removes staging) a restore that had not reached it, and says which.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shlex
import socket
import time
from dataclasses import dataclass

from elastix_halint.errors import InputError
from elastix_halint.remote import frames, scripts
from elastix_halint.remote.errors import RemoteError
from elastix_halint.snapshot import lock, prescan, restore, swap
from elastix_halint.snapshot.manifest import DIR, FILE, HARDLINK, SYMLINK, Entry
from elastix_halint.snapshot.nodetree import NodeFacts, fsencode, stream_frames
from elastix_halint.snapshot.progress import Progress
from elastix_halint.snapshot.remote_snapshot import NodeFiles, _Subset, node_digests, node_facts, node_listing, top_path
from elastix_halint.snapshot.restore import RestoreOptions, RestoreOutcome, RestoreRefused
from elastix_halint.snapshot.scan import scan
from elastix_halint.snapshot.tarpax import TarWriter, send_header

SPARSE_BLOCK = 1 << 16  # the same holes as a local restore (staging.SPARSE_BLOCK)
JOURNAL = swap.JOURNAL


class NodeSteps:
    """Calls of ``restore.sh`` on one node: ``call(action, *args, data=...)`` returns the
    frames, or raises the one-line error the node gave (exit 3 when it holds no lock)."""

    def __init__(self, shell, root: str, replica: str, token: str = "-"):
        self.shell, self.root, self.replica, self.token = shell, root, replica, token
        self.script = scripts.script("restore")

    def call(self, action: str, *args: str, data: bytes = b"", writer=None) -> list:
        argv = [action, self.root, self.replica] + ([] if action == "state" else [self.token]) + list(args)
        proc = self.shell.popen_script(self.script, argv, data_stdin=True)
        import threading

        err: list = []
        reader = threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)
        reader.start()
        try:
            try:
                if writer is not None:
                    writer(proc.stdin)
                elif data:
                    proc.stdin.write(data)
                proc.stdin.close()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the node stopped reading: its frames say why
            out = proc.stdout.read()
            rc = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            reader.join()
        said = err[0] if err else b""
        self.shell.check(rc, said)
        try:
            received = frames.decode(out, f"restore-{action}")
        except frames.StreamError as exc:
            lines = said.decode("utf-8", "replace").strip().splitlines()
            raise RemoteError(f"{self.shell.label}: restore step {action} gave no usable answer "
                              f"({lines[-1] if lines else exc})") from None
        for f in received:
            if f.tag == "E":
                if f.info in ("lost", "busy"):
                    raise lock.LockedError(f"{self.shell.label}: {f.text}")
                raise RemoteError(f"{self.shell.label}: {f.text}")
            if f.tag == "Z" and f.info != "0":
                warned = [g.text.strip() for g in received if g.tag in ("W", "F")]
                raise RemoteError(f"{self.shell.label}: restore step {action} failed"
                                  + (f": {warned[-1].splitlines()[-1]}" if warned and warned[-1] else ""))
        return received


@dataclass
class NodeState:
    """What ``restore.sh state`` found: a pending journal (with the names its step log says
    replaced data went to), done records, staging folders."""

    journal: dict | None
    steps: list
    done: dict  # node path of a done file -> its JSON
    stagings: list

    @classmethod
    def from_frames(cls, received: list) -> "NodeState":
        journal, steps, done, stagings = None, [], {}, []
        for f in received:
            if f.tag == "J":
                try:
                    journal = json.loads(f.data)
                except ValueError:
                    raise InputError("unreadable restore journal on the node; inspect and remove it", f.path) from None
            elif f.tag == "S":
                steps = f.data.decode("utf-8", "replace").splitlines()
            elif f.tag == "D":
                try:
                    done[f.path] = json.loads(f.data)
                except ValueError:
                    done[f.path] = {}
            elif f.tag == "G":
                stagings.append(f.path)
        return cls(journal, steps, done, stagings)


def run(opts: RestoreOptions, shell, warn) -> RestoreOutcome:
    """``halint restore --ssh``; ``shell`` is the node (a Connection, or a LocalShell in tests)."""
    if opts.prune:
        return _prune(opts, shell, warn)
    plan, tar = restore.prepare(opts)
    try:
        _verify_here(tar, plan, opts)  # every digest, before anything reaches the node
        facts = _facts(shell, opts.root, plan)
        if opts.dry_run:
            return RestoreOutcome(restore.describe(plan, facts) + ["dry run: nothing was changed"])
        restore._check_node(facts, plan.replica, opts.force, warn)
        node = NodeSteps(shell, opts.root, plan.replica)
        with _locked(node, facts, warn):
            state = NodeState.from_frames(node.call("state"))
            if state.journal is not None:
                done = _resume(node, state, warn)
                if done is not None:
                    return done
            for orphan in sorted(set(state.stagings) - {_journal_staging(state.journal)}):
                warn(f"warning: {orphan} on the node belongs to no pending restore; left alone "
                     "(`halint restore --prune --ssh ...` removes it)")
            return _restore(node, plan, opts, tar, facts, warn)
    finally:
        restore.close(tar)


def _journal_staging(journal) -> str | None:
    return journal.get("staging") if journal else None


def _facts(shell, root: str, plan) -> NodeFacts:
    paths = list(plan.units) + [link["path"] for link in plan.links]
    return node_facts(shell, root, plan.replica, paths)


# -- before the node: every digest -------------------------------------------------------------

def _chosen(plan):
    """The scanned (entry, data offset) pairs extracted into staging: the selected entries
    and the directories above them."""
    return lambda entry: plan.whole or plan.staged(entry)


def _verify_here(tar, plan, opts: RestoreOptions) -> None:
    chosen = _chosen(plan)
    files = [(e, o) for e, o in zip(tar.located, tar.offsets) if e.type == FILE and chosen(e)]
    bad = []
    with Progress("verify", sum(e.size for e, _ in files), len(files), Progress.wanted(opts.quiet)) as bar:
        try:
            for entry, offset in files:
                digest = hashlib.sha256()
                for chunk in _slices(tar.fileobj, offset, entry.size):
                    digest.update(chunk)
                bar.advance(entry.size)
                if digest.digest() != entry.digest and not (entry.changed or entry.member in tar.changed_late):
                    bad.append(f"{entry.member}: content does not match its digest")
        except restore.archive.damage_errors() as exc:
            raise RestoreRefused(f"the archive is damaged: {exc}; nothing was sent to the node", opts.archive) from None
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


# -- the lock --------------------------------------------------------------------------------

class _Locked:
    def __init__(self, node: NodeSteps, facts: NodeFacts, warn):
        self.node, self.facts, self.warn = node, facts, warn

    def __enter__(self):
        path, state, content = self.facts.lock
        old = "-"
        holder = None
        if content:
            try:
                holder = json.loads(content)
            except ValueError:
                holder = None
            if not (isinstance(holder, dict) and lock.is_stale(holder)):
                raise lock.LockedError(lock.describe(holder if isinstance(holder, dict) else None, f"{self.node.shell.label}:{path}"))
            self.warn(f"halint: taking over a stale lock on the node (pid {holder.get('pid')} of this host is no longer running)")
            old = str(holder.get("token") or "-")
        self.node.token = secrets.token_hex(16)
        record = json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "started": time.time(),
                             "command": f"halint restore --ssh {self.node.shell.label}", "token": self.node.token})
        received = self.node.call("lock", old, data=record.encode())
        held = [f for f in received if f.tag == "L"]
        if held:
            try:
                other = json.loads(held[0].data)
            except ValueError:
                other = None
            raise lock.LockedError(lock.describe(other if isinstance(other, dict) else None, f"{self.node.shell.label}:{held[0].path}"))
        return self.node

    def __exit__(self, *exc):
        try:
            self.node.call("release")
        except (RemoteError, lock.LockedError):
            if exc[0] is None:
                raise


def _locked(node, facts, warn) -> _Locked:
    return _Locked(node, facts, warn)


# -- resuming --------------------------------------------------------------------------------

def _resume(node: NodeSteps, state: NodeState, warn) -> RestoreOutcome | None:
    journal = state.journal
    if journal.get("phase") != "swapping":
        node.call("abandon", journal["staging"])
        warn(f"halint: rolled back the interrupted restore of {journal.get('archive')} (started {journal.get('stamp')}): "
             "it had not reached the swap, nothing live had been touched")
        return None
    lines = [f"completed the interrupted restore of {journal['archive']} (started {journal['stamp']})"]
    return _finish(node, journal, lines)


def _finish(node: NodeSteps, journal: dict, lines: list) -> RestoreOutcome:
    args = []
    for i, unit in enumerate(journal["units"]):
        args += ["u", str(i), unit["live"], unit["new"], unit["old"], str(unit["ino"])]
    for i, link in enumerate(journal["links"]):
        args += ["l", str(i), link["live"], link["temp"], link["old"], link["target"]]
    received = node.call("swap", *args)
    kept = [f.text for f in received if f.tag == "O"]
    done = dict(journal, phase="done", kept=kept)
    node.call("journal", os.path.basename(swap.done_path("/", journal["stamp"])), data=json.dumps(done, indent=1).encode())
    node.call("finish", journal["staging"])
    failures: list = []
    if journal.get("replica_attrs"):  # the replica's own mtime moved with the swaps
        top = Entry.from_json(dict(journal["replica_attrs"]))
        failures += _set_attrs(node, [(journal["replica_live"], top)], journal.get("tools", {}))
    lines += [f"kept the replaced data at {path} (remove with `halint restore --prune --ssh ...`)" for path in kept]
    return RestoreOutcome(lines, failures)


# -- a new restore ----------------------------------------------------------------------------

def _restore(node: NodeSteps, plan, opts: RestoreOptions, tar, facts: NodeFacts, warn) -> RestoreOutcome:
    root = facts
    replica_live = root.path(plan.replica)
    stamp = restore.fresh_stamp(lambda s: restore.stamp_names(plan, root, replica_live, s),
                                lambda names: _any_exists(node.shell, node.root, plan.replica, names))
    staging = restore.staging_path(replica_live, stamp)
    top = next((e for e in plan.snap.entries if e.path == plan.replica), None)
    journal = {"archive": os.path.abspath(opts.archive), "stamp": stamp, "phase": "staging", "staging": staging,
               "units": [], "links": [], "node": node.shell.label, "replica_live": replica_live,
               "replica_attrs": top.to_json() if top is not None and not opts.only else None,
               "tools": {k: v for k, v in facts.tools.items() if k in ("touch-h", "touch-frac", "setfattr")}}
    _save(node, journal, new=True)
    try:
        node.call("begin", staging)
        failures, inodes = _stage(node, plan, opts, tar, facts, staging)
        journal["units"] = _unit_records(plan, root, staging, stamp, inodes)
        journal["links"] = [{"path": l["path"], "live": root.path(l["path"]), "target": l["actual"],
                             "temp": restore.temp_link_path(root.path(l["path"]), stamp),
                             "old": restore.old_path(root.path(l["path"]), stamp)} for l in plan.links]
    except BaseException:
        try:  # nothing live was touched: drop staging and the journal
            node.call("abandon", staging)
        except (RemoteError, lock.LockedError, OSError):
            pass  # the journal still says "staging": the next run rolls it back
        raise
    journal["phase"] = "swapping"
    _save(node, journal)  # durable (and the staged tree synced) before the first rename
    lines = [f"restored {len(plan.units)} unit(s) from {opts.archive} to {node.shell.label}; "
             f"{len(plan.links)} link-map link(s) in place"]
    outcome = _finish(node, journal, lines)
    outcome.failures[:0] = failures
    return outcome


def _save(node: NodeSteps, journal: dict, new: bool = False) -> None:
    node.call("journal", JOURNAL, *(["new"] if new else []), data=json.dumps(journal, indent=1).encode())


def _any_exists(shell, root: str, replica: str, names: list[str]) -> bool:
    """Whether any of ``names`` (paths on the node, root included) exists there."""
    prefix = "" if root == "/" else root.rstrip("/")
    facts = node_facts(shell, root, replica, [n[len(prefix):] for n in names])
    return any(kind != "missing" for kind, _ in facts.kinds.values())


def _unit_records(plan, root, staging: str, stamp: str, inodes: dict) -> list:
    return [{"path": unit, "live": root.path(unit), "new": staging + unit,
             "old": restore.old_path(root.path(unit), stamp), "ino": inodes[unit]} for unit in plan.units]


# -- staging on the node ---------------------------------------------------------------------

def _stage(node: NodeSteps, plan, opts: RestoreOptions, tar, facts: NodeFacts, staging: str) -> tuple[list, dict]:
    """Build the staged tree on the node and prove it; returns the attribute failures (warnings)
    and the inode of each staged unit. Refuses (RestoreRefused) when the staged tree is not
    the snapshot's."""
    chosen = _chosen(plan)
    staged = [e for e in plan.snap.entries if chosen(e)]
    selected = [e for e in staged if plan.selected(e)]
    failures: list = []
    sparse: list = []
    members = [(e, o) for e, o in zip(tar.located, tar.offsets) if chosen(e)]
    total = sum(e.size for e, _ in members if e.type == FILE)
    with Progress("send", total, sum(1 for e, _ in members if e.type == FILE), Progress.wanted(opts.quiet)) as bar:
        try:
            node.call("extract", staging, writer=lambda out: _send_tree(out, members, tar.fileobj, sparse, bar))
        except restore.archive.damage_errors() as exc:
            raise RestoreRefused(f"the archive is damaged: {exc}; nothing live was touched", opts.archive) from None
    if sparse:
        node.call("sparse", *(arg for item in sparse for arg in _sparse_args(item, staging)))
    received = node.call("run", staging, data=_links_script(plan, staged, selected, staging, facts, failures))
    failures += _failures(received)
    with_xattrs = [e for e in selected if e.xattrs]
    if with_xattrs and facts.has("setfattr"):
        failures += _failures(node.call("xattrs", "/", data=_xattr_dump([(staging + e.path, e) for e in with_xattrs])))
    elif with_xattrs:
        failures.append(f"{len(with_xattrs)} entries: xattrs and SELinux labels not restored (the node has no setfattr; "
                        f"first: {with_xattrs[0].path})")
    dirs = sorted((e for e in staged if e.type == DIR), key=lambda e: e.path.count("/"), reverse=True)
    node.call("extract", staging, writer=lambda out: _send_headers(out, dirs))
    inodes = _prove(node, plan, tar, staged, selected, staging, facts, failures)
    return failures, inodes


def _send_tree(out, members, source, sparse: list, bar) -> None:
    """The plain tar of directories and files, in manifest order, written to the node's tar.
    A sparse file goes under a temporary name; its data's 64 KiB blocks that are not all
    zero are noted (``sparse``) for the ``sparse`` step."""
    import dataclasses

    tar = TarWriter(out)
    for entry, offset in members:
        if entry.type == DIR:
            tar.add(send_header(entry))
            continue
        data = _slices(source, offset, entry.size)
        if entry.sparse:
            temp = f"/.halint-sparse-{len(sparse)}"
            blocks: list = []
            sparse.append((entry, temp, blocks))
            data = _noting_blocks(data, blocks)
            entry = dataclasses.replace(entry, path=temp, mode=0o600)
        tar.add(send_header(entry), entry.size, _Chunks(data))
        bar.advance(entry.size)
    tar.close()
    out.flush()


def _send_headers(out, dirs) -> None:
    tar = TarWriter(out)
    for entry in dirs:
        tar.add(send_header(entry))
    tar.close()
    out.flush()


class _Chunks:
    """A ``read(n)`` over an iterator of byte chunks (TarWriter's source)."""

    def __init__(self, chunks):
        self._chunks, self._buf = iter(chunks), b""

    def read(self, n: int) -> bytes:
        if not self._buf:
            self._buf = bytes(next(self._chunks, b""))
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


def _sparse_args(item, staging: str) -> list[str]:
    entry, temp, blocks = item
    runs: list = []
    for block in blocks:  # consecutive blocks as one dd: B:C
        if runs and runs[-1][0] + runs[-1][1] == block:
            runs[-1][1] += 1
        else:
            runs.append([block, 1])
    extents = ",".join(f"{b}:{c}" for b, c in runs)
    return [staging + temp, staging + entry.path, str(entry.size), str(entry.uid), str(entry.gid), f"{entry.mode:o}", extents]


def _links_script(plan, staged, selected, staging: str, facts: NodeFacts, failures: list) -> bytes:
    """The ``run`` step's input: symlinks (owned as recorded) and extra hardlink names, as
    calls of restore.sh's L and H; symlink mtimes (T) where the node's touch has -h."""
    q = shlex.quote
    lines = []
    for e in staged:
        where = q(staging + e.path)
        if e.type == SYMLINK:
            lines.append(f"L {q(e.target)} {where} {e.uid} {e.gid}")
        elif e.type == HARDLINK and any(prescan.under(e.target, u) for u in plan.units):
            lines.append(f"H {q(staging + e.target)} {where}")
        elif e.type == HARDLINK:
            failures.append(f"{e.path}: not relinked to {e.target}, which is outside the restored paths")
    if facts.has("touch-h"):
        lines += [f"T {_touch_time(e.mtime_ns, facts)} {q(staging + e.path)}" for e in selected if e.type == SYMLINK]
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape") if lines else b":\n"


def _touch_time(mtime_ns: int, facts: NodeFacts) -> str:
    seconds, fraction = divmod(mtime_ns, 1_000_000_000)
    return f"{seconds}.{fraction:09d}" if facts.has("touch-frac") and fraction else str(seconds)


def _escape(path: str) -> str:
    """A path as getfattr writes it (and setfattr --restore reads it): octal escapes for
    backslash and every byte that is not printable ASCII."""
    return "".join(chr(b) if 0x21 <= b <= 0x7E and b != 0x5C else f"\\{b:03o}" for b in fsencode(path))


def _xattr_dump(items) -> bytes:
    """A ``getfattr -d -e base64`` dump of ``items`` ((path on the node, entry)), paths
    relative to / (the xattrs step runs there)."""
    out = []
    for path, entry in items:
        out.append(f"# file: {_escape(path.lstrip('/'))}")
        out += [f"{_escape(name)}=0s{value}" for name, value in entry.xattrs.items()]
        out.append("")
    return ("\n".join(out) + "\n").encode("ascii")


def _failures(received: list) -> list:
    return [line for f in received if f.tag == "F" for line in f.text.splitlines() if line.strip()]


def _set_attrs(node: NodeSteps, items, tools: dict) -> list:
    """Owner, mode, mtime and xattrs of existing entries (the replica directory itself)."""
    facts = NodeFacts("/", tools=tools)
    q = shlex.quote
    lines = [f"A {e.uid} {e.gid} {e.mode:o} {_touch_time(e.mtime_ns, facts)} {q(path)}" for path, e in items]
    failures = _failures(node.call("run", "/", data=("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")))
    with_xattrs = [(path, e) for path, e in items if e.xattrs]
    if with_xattrs and tools.get("setfattr") == "yes":
        failures += _failures(node.call("xattrs", "/", data=_xattr_dump(with_xattrs)))
    return failures


# -- proving the staged tree -------------------------------------------------------------------

def _prove(node: NodeSteps, plan, tar, staged, selected, staging: str, facts: NodeFacts, failures: list) -> dict:
    """Every staged file's content against the manifest (refused on any difference), every
    staged entry's metadata against it (differences are warnings, as in a local restore);
    returns the staged units' inodes."""
    prefix = facts.path("/").rstrip("/")
    staging_node = staging[len(prefix):]
    files = [e for e in staged if e.type == FILE and not (e.changed or e.member in tar.changed_late)]
    digests = _staged_digests(node, files, staging, staging_node)
    bad = [f"{e.path}: staged on the node with other content than the snapshot's" for e, d in zip(files, digests) if d != e.digest]
    if bad:
        restore._refuse_if(bad, plan.snap.path)
    listing = node_listing(node.shell, node.root, staging_node + plan.replica)
    result = scan(top_path(node.root, staging_node + plan.replica), plan.replica, plan.snap.header.excludes,
                  digests=False, tree=listing)
    live = {e.path: (e, ino) for e, ino in zip(result.entries, _inodes(listing, result))}
    problems, precision = [], 0
    for e in selected:
        got, _ = live.get(e.path, (None, None))
        if got is None or got.type != e.type or (e.type == SYMLINK and got.target != e.target) \
                or (e.type == HARDLINK and got.target != e.target):
            if e.type == HARDLINK and not any(prescan.under(e.target, u) for u in plan.units):
                continue  # reported as not relinked
            problems.append(f"{e.path}: staged as {got.type + (' -> ' + str(got.target) if got.target else '') if got else 'nothing'}, "
                            f"the snapshot has a {e.type}" + (f" -> {e.target}" if e.target else ""))
            continue
        if (got.mode, got.uid, got.gid) != (e.mode, e.uid, e.gid) and e.type != SYMLINK:
            failures.append(f"{e.path}: could not set owner/mode {e.uid}:{e.gid} {e.mode:04o} (staged {got.uid}:{got.gid} {got.mode:04o})")
        elif e.type == SYMLINK and (got.uid, got.gid) != (e.uid, e.gid):
            failures.append(f"{e.path}: could not set owner {e.uid}:{e.gid}")
        if got.mtime_ns != e.mtime_ns and not (e.type == SYMLINK and not facts.has("touch-h")):
            if got.mtime_ns // 1_000_000_000 == e.mtime_ns // 1_000_000_000:
                precision += 1
            else:
                failures.append(f"{e.path}: could not set mtime")
        if listing.xattrs_captured:
            for name, value in (e.xattrs or {}).items():
                if (got.xattrs or {}).get(name) != value:
                    failures.append(f"{e.path}: could not set xattr {name}")
    if problems:
        restore._refuse_if(problems, plan.snap.path)
    if precision:
        failures.append(f"{precision} entries: mtime restored to the second only (the node's tar/touch keep no finer)")
    return {unit: live[unit][1] for unit in plan.units}


def _inodes(listing, result) -> list:
    return [listing.stats[result.abspath(e)].st_ino for e in result.entries]


def _staged_digests(node: NodeSteps, files, staging: str, staging_node: str) -> list:
    """The SHA-256 of each staged file: the node's sha256sum or openssl, else read back."""
    import dataclasses

    tool, values = node_digests(node.shell, [fsencode(staging + e.path) for e in files])
    if tool != "none":
        return values
    moved = [dataclasses.replace(e, path=staging_node + e.path) for e in files]
    got = dict(NodeFiles(node.shell, node.root, _Subset(moved), True).digest_each())
    return [got.get(i) for i in range(len(moved))]


# -- prune ------------------------------------------------------------------------------------

def _prune(opts: RestoreOptions, shell, warn) -> RestoreOutcome:
    from elastix_halint.noderoot import linkmap as linkmaps

    links = linkmaps.load(opts.links)
    node = NodeSteps(shell, opts.root, links.mount)
    facts = node_facts(shell, opts.root, links.mount, [])
    with _locked(node, facts, warn):
        state = NodeState.from_frames(node.call("state"))
        if state.journal is not None:
            raise InputError("a restore is still pending on the node; rerun `halint restore ARCHIVE --ssh ...` to complete it first")
        paths = [p for record in state.done.values() for p in record.get("kept", [])]
        paths += list(state.done) + state.stagings
        received = node.call("prune", *paths) if paths else []
    removed = [f.path for f in received if f.tag == "R" and f.path not in state.done]
    return RestoreOutcome([f"removed {path}" for path in removed] or ["nothing to prune"])
