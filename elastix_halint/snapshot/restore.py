"""``halint restore``: put a snapshot back, checking everything before anything live changes.

1. read the manifest and every member header; ``prescan`` refuses hostile archives;
2. extract the selected units through TarSafe into a fresh staging dir inside the replica
   (same filesystem), digest-checked as written; recreate symlinks and hardlinks with our
   own code; apply attributes in borg's order; sync;
3. journal the plan, then swap unit by unit (``swap``); old data is kept until ``--prune``.
A rerun after a crash completes the journalled restore first.
"""

from __future__ import annotations

import itertools
import json
import os
import posixpath
import stat
import tarfile
import time
from dataclasses import dataclass, field

from elastix_halint.errors import InputError, UsageError
from elastix_halint.noderoot import linkmap as linkmaps
from elastix_halint.noderoot.root import NodeRoot
from elastix_halint.snapshot import archive, attrs, lock, prescan, swap
from elastix_halint.snapshot.atomic import start_sync, sync_filesystem
from elastix_halint.snapshot.crashpoints import reached
from elastix_halint.snapshot.manifest import DIR, FILE, HARDLINK, SYMLINK, Entry
from elastix_halint.snapshot.progress import Progress
from elastix_halint.snapshot.staging import StagingTar


class RestoreRefused(InputError):
    """The archive failed a check; nothing was written."""


@dataclass(frozen=True)
class RestoreOptions:
    archive: str | None
    root: str = "/"
    links: str | None = None
    only: tuple = ()
    dry_run: bool = False
    prune: bool = False
    force: bool = False  # restore although not Primary / not mounted / services up / incomplete
    quiet: bool = False


@dataclass
class RestoreOutcome:
    lines: list = field(default_factory=list)  # what happened / the plan
    failures: list = field(default_factory=list)  # attributes that could not be set


@dataclass(frozen=True)
class Plan:
    snap: archive.Snapshot
    replica: str
    units: tuple  # node paths swapped as a whole
    links: tuple  # link-map records to restore ({path, actual})
    top_level: tuple = ()  # the replica's top-level entries in the snapshot

    @property
    def whole(self) -> bool:
        """Every top-level entry is a unit: everything but the replica itself is selected
        (checking 50,000 paths against each unit took 0.3 s of a full restore)."""
        return self.units == self.top_level

    def selected(self, entry) -> bool:
        if self.whole:
            return entry.path != self.replica
        return any(prescan.under(entry.path, unit) for unit in self.units)

    def staged(self, entry) -> bool:
        """Extracted into staging: the selected entries and the directories above them."""
        return self.selected(entry) or any(prescan.under(unit, entry.path) for unit in self.units)


def prepare(opts: RestoreOptions) -> tuple[Plan, StagingTar]:
    """Every check of the archive that needs no node: the manifest, the plan, every member
    header (``prescan``, TarSafe). Refuses (RestoreRefused) before anything is written; the
    caller closes the returned archive reader."""
    if not opts.archive:
        raise UsageError("give the ARCHIVE to restore (or --prune)")
    snap = archive.load(opts.archive)
    user_links = linkmaps.load(opts.links, snap.header.replica if prescan.clean_abs(snap.header.replica) else linkmaps.DEFAULT_MOUNT)
    problems = prescan.check_manifest(snap, user_links)
    if snap.header.incomplete and not opts.force:
        problems.append("the snapshot is marked incomplete (files changed while it was taken); pass --force to restore it anyway")
    _refuse_if(problems, opts.archive)
    plan = make_plan(snap, opts, user_links)
    tar, problems = _scan_members(opts.archive, snap, opts.force)  # read-only: before the lock file
    if problems:
        close(tar)
        _refuse_if(problems, opts.archive)
    return plan, tar


def close(tar: StagingTar) -> None:
    tar.close()
    tar.fileobj.close()


def run(opts: RestoreOptions, warn) -> RestoreOutcome:
    root = NodeRoot(opts.root)
    if opts.prune:
        return _prune(opts, root, warn)
    plan, tar = prepare(opts)
    try:
        if opts.dry_run:
            return RestoreOutcome(describe(plan, root) + ["dry run: nothing was changed"])
        _check_node(root, plan.replica, opts.force, warn)
        with lock.held(lock.lock_path(root), "halint restore", warn):
            reached("locked")
            replica_abs = root.path(plan.replica)
            swap.clear_stale_temps(replica_abs)
            pending = swap.load_journal(replica_abs)
            if pending is not None:
                done = _resume(pending, replica_abs)
                if done is not None:
                    return done
            for orphan in swap.orphan_stagings(replica_abs, None):
                warn(f"warning: {orphan} belongs to no pending restore; left alone (`halint restore --prune` removes it)")
            return _restore(plan, opts, root, replica_abs, tar)
    finally:
        close(tar)


def _check_node(root: NodeRoot, replica: str, force: bool, warn) -> None:
    """The same conditions as snapshot: Primary, replica mounted, MySQL/Asterisk stopped."""
    from elastix_halint.snapshot.create import preflight

    problems = preflight(root, replica)[0]
    if problems and not force:
        raise RestoreRefused("refusing to restore: " + "; ".join(problems) + " (or pass --force)")
    for problem in problems:
        warn(f"warning: {problem} (continuing because of --force)")


def _refuse_if(problems: list, where: str) -> None:
    if problems:
        shown = problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])
        raise RestoreRefused("refusing to restore, nothing was written:\n  " + "\n  ".join(shown), where)


def _resume(journal: dict, replica_abs: str) -> RestoreOutcome | None:
    """Finish what a dead restore journalled. Before the swap phase nothing live was touched
    and its staging folder holds only extracted content: drop both and start over."""
    if journal.get("phase") != "swapping":
        swap.abandon(journal, replica_abs)
        return None
    lines = [f"completed the interrupted restore of {journal['archive']} (started {journal['stamp']})"]
    return _finish(replica_abs, journal, lines)


def _finish(replica_abs: str, journal: dict, lines: list) -> RestoreOutcome:
    kept = swap.finish(replica_abs, journal)
    failures: list = []
    if journal.get("replica_attrs"):  # the replica's own mtime moved with the swaps
        attrs.apply_one(replica_abs, Entry.from_json(journal["replica_attrs"]), failures)
        reached("replica-attrs")
    lines += [f"kept the replaced data at {path} (remove with `halint restore --prune`)" for path in kept]
    return RestoreOutcome(lines, failures)


def make_plan(snap, opts: RestoreOptions, user_links) -> Plan:
    replica = snap.header.replica
    entries = {e.path: e for e in snap.entries}
    if opts.only:
        units = tuple(_only_unit(p, replica, user_links, entries) for p in opts.only)
        for a in units:
            if any(a != b and prescan.under(a, b) for b in units):
                raise UsageError(f"--only paths overlap: {a}")
        wanted = {p.rstrip("/") for p in opts.only}
        links = tuple(l for l in snap.header.links if l["state"] == "link" and l["path"] in wanted)
    else:
        units = None
        links = tuple(l for l in snap.header.links if l["state"] == "link")
    top_level = tuple(sorted({e.path for e in snap.entries if posixpath.dirname(e.path) == replica and e.path != replica}))
    return Plan(snap, replica, top_level if units is None else tuple(sorted(set(units))), links, top_level)


def _only_unit(path: str, replica: str, user_links, entries: dict) -> str:
    path = posixpath.normpath(path)
    for spec in user_links.links:
        if prescan.under(path, spec.path):
            path = spec.target + path[len(spec.path):]
            break
    if path == replica or path not in entries:
        raise UsageError(f"--only {path}: not in the snapshot (give a path under {replica} or a link-map path)")
    return path


def describe(plan: Plan, root: NodeRoot) -> list[str]:
    """The plan as lines; ``root`` (local, or a remote node's facts) says what is there now."""
    h = plan.snap.header
    lines = [f"restore plan for {plan.snap.path} (taken {h.created} on {h.hostname}):"]
    for unit in plan.units:
        count = sum(1 for e in plan.snap.entries if prescan.under(e.path, unit))
        verb = "replace" if root.lstat(unit) is not None else "create "
        lines.append(f"  {verb} {unit} ({count} entries)")
    for link in plan.links:
        st = root.lstat(link["path"])
        ok = st is not None and stat.S_ISLNK(st.st_mode) and root.readlink(link["path"]) == link["actual"]
        lines.append(f"  {'keep   ' if ok else 'relink '} {link['path']} -> {link['actual']}")
    for e in plan.snap.entries:
        if plan.selected(e) and e.mode & 0o6000:
            lines.append(f"  note    {e.path} is setuid/setgid ({e.mode:04o}), as the manifest declares")
    return lines


def _scan_members(path: str, snap, force: bool = False) -> tuple[StagingTar, list]:
    """Open the archive with TarSafe and check every member header (``locate``, else the
    full ``scan``), then the trailer: the manifest's digest, files changed while archived."""
    tar, problems = _check_members(path, snap, force, fast=True)
    if tar is None:
        tar, problems = _check_members(path, snap, force, fast=False)
    return tar, problems


def _check_members(path: str, snap, force: bool, fast: bool) -> tuple[StagingTar | None, list]:
    reader = archive.compress.open_reader(path, snap.kind)
    try:
        tar = StagingTar.open(fileobj=reader, mode="r:")
        checker = prescan.MemberChecker(snap)
        if fast and not tar.locate(snap, checker):
            reader.close()
            return None, []
        if not fast:
            tar.scan(checker)  # tarfile hands out its first member again
        problems = checker.finish()
        tar.checker = None  # its table of every member's name is not needed any more (~4 MiB at 100,000)
        if not problems:
            trailer = json.loads(tar.extractfile(tar.last).read())
            tar.changed_late = {p.lstrip("/") for p in trailer.get("changed") or ()}
            if trailer.get("manifest_sha256") != snap.manifest_sha256:
                problems.append("the manifest was modified after the snapshot was written")
            if tar.changed_late and not force:
                problems.append(f"{len(tar.changed_late)} file(s) changed while the snapshot was written "
                                "(incomplete snapshot); pass --force to restore it anyway")
    except archive.read_errors() as exc:
        reader.close()
        raise RestoreRefused(f"cannot read the archive: {exc}; nothing was written", path) from None
    return tar, problems


def _restore(plan: Plan, opts: RestoreOptions, root: NodeRoot, replica_abs: str, tar) -> RestoreOutcome:
    stamp = _fresh_stamp(plan, root, replica_abs)
    staging = staging_path(replica_abs, stamp)
    top = next((e for e in plan.snap.entries if e.path == plan.replica), None)
    journal = {"archive": os.path.abspath(opts.archive), "stamp": stamp, "phase": "staging",
               "staging": staging, "units": [], "links": [],
               "replica_attrs": top.to_json() if top is not None and not opts.only else None}
    replica_times = os.stat(replica_abs)
    swap.save_journal(replica_abs, journal)
    reached("journal-staging")
    try:
        os.mkdir(staging, 0o700)
        reached("staging-created")
        failures = _stage(tar, plan, staging, opts)
    except BaseException:
        # Nothing live was touched: drop staging and journal, and leave the replica's mtime as it was.
        try:
            swap.abandon(journal, replica_abs)
            os.utime(replica_abs, ns=(replica_times.st_atime_ns, replica_times.st_mtime_ns))
        except OSError:
            pass  # the journal still says "staging": the next run drops them
        raise
    reached("staged")
    journal["units"] = [_unit_record(unit, root, staging, stamp) for unit in plan.units]
    journal["links"] = [_link_record(link, root, stamp) for link in plan.links]
    sync_filesystem(staging)
    journal["phase"] = "swapping"
    swap.save_journal(replica_abs, journal)
    reached("journal-swapping")
    lines = [f"restored {len(plan.units)} unit(s) from {opts.archive}; {len(plan.links)} link-map link(s) in place"]
    outcome = _finish(replica_abs, journal, lines)
    outcome.failures[:0] = failures
    return outcome


def _fresh_stamp(plan: Plan, root: NodeRoot, replica_abs: str) -> str:
    """A time stamp none of whose names exist yet. Two restores within one second used to share
    one: the second moved its old tree onto the first one's kept data (ENOTEMPTY, and the journal
    could never complete) and overwrote its done record. Later stamps get a ``-N`` suffix."""
    return fresh_stamp(lambda stamp: stamp_names(plan, root, replica_abs, stamp),
                       lambda names: any(os.path.lexists(name) for name in names))


def fresh_stamp(names_of, any_exists) -> str:
    """The first of ``<UTC time>``, ``<UTC time>-1``, ... for which ``any_exists(names_of(stamp))``
    is false (``any_exists`` gets a batch of candidates at once: one round trip to a node)."""
    base = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for first in itertools.count(0, 8):
        stamps = [f"{base}-{n}" if n else base for n in range(first, first + 8)]
        for stamp in stamps:
            if not any_exists(names_of(stamp)):
                return stamp
    raise AssertionError("unreachable")


def stamp_names(plan: Plan, root: NodeRoot, replica_abs: str, stamp: str) -> list[str]:
    """Every name a restore with ``stamp`` creates (paths as ``root.path`` gives them)."""
    names = [staging_path(replica_abs, stamp), swap.done_path(replica_abs, stamp)]
    names += [old_path(root.path(unit), stamp) for unit in plan.units]
    names += [p for link in plan.links for p in (old_path(root.path(link["path"]), stamp),
                                                  temp_link_path(root.path(link["path"]), stamp))]
    return names


def staging_path(replica_abs: str, stamp: str) -> str:
    return os.path.join(replica_abs, f".halint-staging-{stamp}")


def old_path(live: str, stamp: str) -> str:
    return f"{live}.halint-old-{stamp}"


def temp_link_path(live: str, stamp: str) -> str:
    return f"{live}.halint-new-{stamp}"


def _unit_record(unit: str, root: NodeRoot, staging: str, stamp: str) -> dict:
    new = staging + unit
    return {"path": unit, "live": root.path(unit), "new": new, "old": old_path(root.path(unit), stamp),
            "ino": os.lstat(new).st_ino}


def _link_record(link: dict, root: NodeRoot, stamp: str) -> dict:
    live = root.path(link["path"])
    return {"path": link["path"], "live": live, "target": link["actual"],
            "temp": temp_link_path(live, stamp), "old": old_path(live, stamp)}


def _stage(tar: StagingTar, plan: Plan, staging: str, opts: RestoreOptions) -> list:
    """Extract, verify and finish the selected entries under ``staging``; returns attr failures."""
    selected = plan.snap.entries if plan.whole else [e for e in plan.snap.entries if plan.staged(e)]
    chosen = None if plan.whole else {e.path for e in selected if e.type in (DIR, FILE)}
    total = sum(e.size for e in selected if e.type == FILE)
    members = sum(1 for e in selected if e.type in (DIR, FILE))
    with Progress("restore", total, members, Progress.wanted(opts.quiet)) as bar:
        tar.prepare(on_bytes=lambda n: bar.advance(n, 0))
        try:
            # Writeback of the big files (most of the bytes) overlaps with the small ones: on
            # ext4 the final sync waited ~1.0 s, 0.1-0.2 s with this head start (restore -0.5 s).
            tar.extract_entries(staging, (lambda e: True) if chosen is None else (lambda e: e.path in chosen),
                                big_files_done=lambda: start_sync(staging))
        except (tarfile.TarError, archive.TarSafeException) as exc:
            raise RestoreRefused(f"extraction failed: {exc}; nothing live was touched", opts.archive) from None
        except archive.damage_errors() as exc:  # file data is first read here: the member check skips it
            raise RestoreRefused(f"the archive is damaged: {exc}; nothing live was touched", opts.archive) from None
    bad = [f"{e.member}: content does not match its digest" for e in tar.bad
           if not (e.changed or e.member in tar.changed_late)]
    _refuse_if(bad, opts.archive)
    where = lambda e: staging + e.path  # noqa: E731 - staged path of a node path
    failures: list = list(tar.failures)
    syncing = start_sync(staging)  # the data's writeback overlaps the links and attributes
    for e in selected:
        if e.type == SYMLINK:
            os.symlink(e.target, where(e))
        elif e.type == HARDLINK and any(prescan.under(e.target, u) for u in plan.units):
            os.link(staging + e.target, where(e), follow_symlinks=False)
        elif e.type == HARDLINK:
            failures.append(f"{e.path}: not relinked to {e.target}, which is outside the restored paths")
    attrs.apply_all([e for e in selected if plan.selected(e)], where, failures)
    syncing.join()
    return failures


def _prune(opts: RestoreOptions, root: NodeRoot, warn) -> RestoreOutcome:
    links = linkmaps.load(opts.links)
    replica_abs = root.path(links.mount)
    with lock.held(lock.lock_path(root), "halint restore --prune", warn):
        if swap.load_journal(replica_abs) is not None:
            raise InputError("a restore is still pending; rerun `halint restore ARCHIVE` to complete it first")
        removed = swap.prune(replica_abs)
    return RestoreOutcome([f"removed {path}" for path in removed] or ["nothing to prune"])
