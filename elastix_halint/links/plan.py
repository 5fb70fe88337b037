"""Turn each link's state into the steps that mend it (nothing is done here)."""

from __future__ import annotations

import posixpath
import stat
from dataclasses import dataclass, field

from elastix_halint.links.journal import STATE_DIR
from elastix_halint.links.state import LinkState, decide, normalize_target, observe, resolve
from elastix_halint.links.state import prefetch as prefetch_links
from elastix_halint.links.steps import CopyIn, MakeDir, MakeLink, MoveAside, Retarget, Step, lstat_ids
from elastix_halint.links.tree import TreeComparison, compare
from elastix_halint.noderoot.linkmap import LinkMap, LinkSpec
from elastix_halint.noderoot.root import NodeRoot
from elastix_halint.shown import count


@dataclass
class LinkRepair:
    state: LinkState
    steps: list[Step] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # node paths left in the moved-aside copy
    notes: list[str] = field(default_factory=list)
    comparison: TreeComparison | None = None
    aside: str | None = None

    def to_json(self) -> dict:
        return {
            **self.state.to_json(),
            "replaced": self.comparison.summary() if self.comparison else None,
            "aside": self.aside,
            "steps": [s.to_json() for s in self.steps],
            "conflicts": self.conflicts,
            "notes": self.notes,
        }


@dataclass
class RepairPlan:
    repair_id: str
    links: list[LinkRepair]

    @property
    def steps(self) -> list[Step]:
        return [s for link in self.links for s in link.steps]

    def dir_times(self, root: NodeRoot) -> dict[str, list[int]]:
        """Times of every directory the steps change, so undo can put them back too."""
        times = {}
        for step in self.steps:
            for directory in step.touched_dirs():
                st = root.lstat(directory)
                if st is not None and directory not in times:
                    times[directory] = [st.st_atime_ns, st.st_mtime_ns]
        return times

    def header(self, root: NodeRoot, linkmap: LinkMap, merge_new: bool) -> dict:
        return {
            "root": root.where,
            "map": linkmap.to_json(),
            "merge_new": merge_new,
            "steps": [s.to_json() for s in self.steps],
            "conflicts": [c for link in self.links for c in link.conflicts],
            "dir_times": self.dir_times(root),
        }


def replica_path(root: NodeRoot, spec: LinkSpec) -> str:
    """The node path the link should reach, with links inside the replica resolved."""
    resolved = resolve(root, normalize_target(spec.target))
    return resolved.path if resolved.exists else normalize_target(spec.target)


def is_directory(root: NodeRoot, path: str) -> bool:
    """``path`` is a directory once its links are followed (inside the root)."""
    resolved = resolve(root, path)
    st = root.lstat(resolved.path) if resolved.exists else None
    return st is not None and stat.S_ISDIR(st.st_mode)


def unique_aside(root: NodeRoot, path: str, stamp: str) -> str:
    aside, n = f"{path}.halint-{stamp}", 1
    while root.lstat(aside) is not None:
        n += 1
        aside = f"{path}.halint-{stamp}-{n}"
    return aside


class Planner:
    def __init__(self, root: NodeRoot, stamp: str, merge_new: bool, mount: str):
        self.root, self.stamp, self.merge_new = root, stamp, merge_new
        self.mount = normalize_target(mount)
        self.planned_dirs: set[str] = set()
        self.notes: list[str] = []  # for the link being planned

    def mkdirs(self, path: str, like: str | None = None, within: str | None = None) -> list[Step]:
        """MakeDir for every missing directory down to ``path`` (modes from ``like``), but only
        strictly below ``within`` (the replica mount): never the mount point itself, which
        would put replica data on the local disk."""
        within = self.mount if within is None else within
        steps, current = [], "/"
        for part in [p for p in path.split("/") if p]:
            current = posixpath.join(current, part)
            if current in self.planned_dirs or self.root.lstat(current) is not None:
                continue
            if not current.startswith(within.rstrip("/") + "/"):
                self.notes.append(f"{current} does not exist and is not created here; the link will dangle")
                return []
            self.planned_dirs.add(current)
            steps.append(MakeDir(current, *lstat_ids(self.root, like or posixpath.dirname(current))))
        return steps

    def plan_link(self, spec: LinkSpec) -> LinkRepair:
        state = decide(spec, observe(self.root, spec))
        repair = LinkRepair(state)
        target = replica_path(self.root, spec)
        if state.status in ("missing", "dangling"):
            repair.steps += self.mkdirs(target)
            if state.status == "missing":
                repair.steps += self.mkdirs(posixpath.dirname(spec.path), within="/")
                repair.steps.append(MakeLink(spec.path, spec.target))
            else:
                repair.notes.append(f"{target} is created empty; restore it from a snapshot if it held data")
        elif state.status in ("wrong-target", "loop"):
            if state.status == "loop" and normalize_target(state.actual or "", spec.path) == normalize_target(spec.target):
                repair.notes.append(f"the replica path {spec.target} itself loops; fix it by hand")
            else:
                st = self.root.lstat(spec.path)
                repair.steps += self.mkdirs(target)
                times = (st.st_atime_ns, st.st_mtime_ns)
                repair.steps.append(Retarget(spec.path, state.actual or "", spec.target, st.st_uid, st.st_gid, times))
        elif state.status.startswith("replaced-"):
            self.plan_replaced(spec, repair, target)
        repair.notes += dict.fromkeys(self.notes)
        self.notes.clear()
        return repair

    def plan_replaced(self, spec: LinkSpec, repair: LinkRepair, target: str) -> None:
        aside = repair.aside = unique_aside(self.root, spec.path, self.stamp)
        comparison = repair.comparison = compare(self.root, spec.path, target)
        repair.steps.append(MoveAside(spec.path, aside))
        is_dir = repair.state.status == "replaced-dir"
        if self.merge_new and not is_directory(self.root, self.mount):
            repair.notes.append(f"no merge: the replica mount point {self.mount} does not exist")
        elif self.merge_new:
            for rel in comparison.new_dirs:
                upgraded = posixpath.join(spec.path, rel) if rel else spec.path
                repair.steps += self.mkdirs(posixpath.join(target, rel) if rel else target, like=upgraded)
            for rel in comparison.absent:
                if rel not in comparison.blocked and not _under(rel, comparison.blocked):
                    src = posixpath.join(aside, rel) if rel else aside
                    repair.steps += self.mkdirs(posixpath.dirname(posixpath.join(target, rel) if rel else target))
                    repair.steps.append(CopyIn(src, posixpath.join(target, rel) if rel else target))
            for rel in comparison.differ + [b for b in comparison.blocked]:
                repair.conflicts.append(posixpath.join(aside, rel) if rel else aside)
        elif comparison.absent or comparison.differ:
            repair.notes.append(f"only in the upgraded copy, kept in {aside}: {count(len(comparison.absent), 'file')} (use --merge-new to copy them)")
        if is_dir and not self.merge_new:
            repair.steps += self.mkdirs(target, like=spec.path)
        repair.steps.append(MakeLink(spec.path, spec.target))


def _under(rel: str, tops: list[str]) -> bool:
    return any(rel.startswith(t + "/") or t == "" for t in tops)


def prefetch(root: NodeRoot, linkmap: LinkMap, stamp: str, dirs: tuple = ()) -> None:
    """Tell ``root`` what planning will read (and the directories ``dirs``): a node reached
    over ssh answers it in one round trip (more when a target is a link to elsewhere, or the
    replica's own links must be resolved first) instead of one per path."""
    asides = tuple(f"{spec.path}.halint-{stamp}" for spec in linkmap.links)
    pairs = tuple((spec.path, normalize_target(spec.target)) for spec in linkmap.links)  # replaced copies
    prefetch_links(root, linkmap.links, stat=asides, dirs=(STATE_DIR, *dirs), pairs=pairs,
                   reads=("/proc/mounts", "/proc/drbd"), ids=True)
    replaced = [spec for spec in linkmap.links if decide(spec, observe(root, spec)).status == "replaced-dir"]
    root.prefetch(trees=tuple(spec.path for spec in replaced))


def build_plan(root: NodeRoot, linkmap: LinkMap, stamp: str, merge_new: bool) -> RepairPlan:
    prefetch(root, linkmap, stamp)
    planner = Planner(root, stamp, merge_new, linkmap.mount)
    return RepairPlan(stamp, [planner.plan_link(spec) for spec in linkmap.links])
