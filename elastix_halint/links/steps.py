"""The repair's actions. Each is idempotent and checkable from the disk alone, so a journal of
"begun"/"done" marks is enough to finish (``apply``) or roll back (``revert``) any step a crash
interrupted. Nothing is ever deleted or overwritten: moves are renames within one directory,
copies are written under a temporary name and hard-linked into place (which fails rather than
replace a file), and a link is swapped by renaming a fresh link over it."""

from __future__ import annotations

import dataclasses
import errno
import os
import posixpath
import shutil
import time
from dataclasses import dataclass
from typing import ClassVar

from elastix_halint.errors import HalintError
from elastix_halint.noderoot.root import NodeRoot, same_content


class StepError(HalintError):
    """The disk is in neither the state before nor after a step: stop and say where."""


class Conflict(StepError):
    """A copy's destination appeared with other content while the repair ran: keep both."""


def pause() -> None:
    """Tests slow every step down (HALINT_TEST_STEP_DELAY seconds) so a kill lands mid-repair."""
    delay = os.environ.get("HALINT_TEST_STEP_DELAY")
    if delay:
        time.sleep(float(delay))


def fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_parent(path: str) -> None:
    """Make a rename, link or unlink in ``path``'s directory durable before journalling it."""
    fsync_dir(os.path.dirname(path))


def _exists(path: str) -> bool:
    return os.path.lexists(path)


def _link_text(path: str) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None


def _remove_stale(path: str) -> None:
    if _exists(path):
        os.unlink(path)


def _chown(path: str, uid: int, gid: int) -> None:
    try:
        os.chown(path, uid, gid, follow_symlinks=False)
    except PermissionError:  # not root: keeping our own ownership is the best we can do
        pass


@dataclass(frozen=True)
class Step:
    op: ClassVar[str] = ""

    def to_json(self) -> dict:
        return {"op": self.op, **dataclasses.asdict(self)}

    def describe(self) -> str:
        raise NotImplementedError

    def ready(self, root: NodeRoot) -> bool:
        """True when the disk is as the plan expects before the step (by default: the path
        the step creates does not exist yet)."""
        return not _exists(root.path(self.path))

    def apply(self, root: NodeRoot) -> None:
        raise NotImplementedError

    def revert(self, root: NodeRoot) -> None:
        raise NotImplementedError

    def touched_dirs(self) -> tuple[str, ...]:
        """Node directories whose entries this step changes (their times are restored by undo)."""
        return (posixpath.dirname(self.path),)


@dataclass(frozen=True)
class MoveAside(Step):
    op: ClassVar[str] = "move-aside"
    path: str
    aside: str

    def describe(self) -> str:
        return f"move {self.path} aside to {self.aside}"

    def ready(self, root):
        return _exists(root.path(self.path)) and not _exists(root.path(self.aside))

    def _rename(self, root, src: str, dst: str) -> None:
        s, d = root.path(src), root.path(dst)
        if not _exists(s) and _exists(d):
            return
        if not _exists(s) or _exists(d):
            raise StepError(f"cannot move {src} to {dst}: expected {src} and no {dst}")
        os.rename(s, d)
        _sync_parent(d)

    def apply(self, root):
        self._rename(root, self.path, self.aside)

    def revert(self, root):
        self._rename(root, self.aside, self.path)


@dataclass(frozen=True)
class MakeDir(Step):
    op: ClassVar[str] = "mkdir"
    path: str
    mode: int
    uid: int
    gid: int

    def describe(self) -> str:
        return f"create directory {self.path} (mode {self.mode:04o})"

    def apply(self, root):
        where = root.path(self.path)
        if not os.path.isdir(where) or os.path.islink(where):
            os.mkdir(where, 0o700)
        _chown(where, self.uid, self.gid)
        os.chmod(where, self.mode)
        _sync_parent(where)

    def revert(self, root):
        where = root.path(self.path)
        if not _exists(where):
            return
        try:
            os.rmdir(where)
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
                raise StepError(f"{self.path} holds files added after the repair; move them away and run undo again") from None
            raise StepError(f"cannot remove directory {self.path}: {exc.strerror}") from None
        _sync_parent(where)


@dataclass(frozen=True)
class CopyIn(Step):
    """Copy a file (or symlink) from the moved-aside upgraded copy into the replica, keeping its
    mode, owner and times; never replacing a file that is there."""

    op: ClassVar[str] = "copy"
    src: str
    dst: str

    @property
    def path(self) -> str:
        return self.dst

    def describe(self) -> str:
        return f"copy {self.src} to {self.dst}"

    def _tmp(self, root) -> str:
        where = root.path(self.dst)
        return os.path.join(os.path.dirname(where), "." + os.path.basename(where) + ".halint-tmp")

    def apply(self, root):
        src, dst, tmp = root.path(self.src), root.path(self.dst), self._tmp(root)
        if _exists(dst):
            _remove_stale(tmp)
            if not same_content(src, dst):
                raise Conflict(f"{self.dst} appeared during the repair with other content")
            return
        _remove_stale(tmp)
        self._write_tmp(src, tmp)
        pause()
        os.link(tmp, dst, follow_symlinks=False)  # EEXIST instead of replacing
        os.unlink(tmp)
        _sync_parent(dst)

    @staticmethod
    def _write_tmp(src: str, tmp: str) -> None:
        st = os.lstat(src)
        if os.path.islink(src):
            os.symlink(os.readlink(src), tmp)
        else:
            with open(src, "rb") as fin, open(tmp, "xb") as fout:
                shutil.copyfileobj(fin, fout, 1 << 20)
                fout.flush()
                os.fsync(fout.fileno())
        _chown(tmp, st.st_uid, st.st_gid)
        if not os.path.islink(tmp):
            os.chmod(tmp, st.st_mode & 0o7777)
        os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)

    def revert(self, root):
        src, dst = root.path(self.src), root.path(self.dst)
        _remove_stale(self._tmp(root))
        if not _exists(dst):
            return
        if not same_content(src, dst):
            raise StepError(f"{self.dst} changed after the repair; not removing it (the upgraded copy is {self.src})")
        os.unlink(dst)
        _sync_parent(dst)


@dataclass(frozen=True)
class MakeLink(Step):
    op: ClassVar[str] = "link"
    path: str
    target: str

    def describe(self) -> str:
        return f"link {self.path} -> {self.target}"

    def apply(self, root):
        where = root.path(self.path)
        if _link_text(where) == self.target:
            return
        if _exists(where):
            raise StepError(f"cannot create link {self.path}: something else is there")
        os.symlink(self.target, where)
        _sync_parent(where)

    def revert(self, root):
        where = root.path(self.path)
        if not _exists(where):
            return
        if _link_text(where) != self.target:
            raise StepError(f"{self.path} is no longer the link this repair made; not removing it")
        os.unlink(where)
        _sync_parent(where)


@dataclass(frozen=True)
class Retarget(Step):
    op: ClassVar[str] = "retarget"
    path: str
    old: str
    new: str
    uid: int
    gid: int
    times_ns: tuple[int, int] | None = None  # the old link's own (atime, mtime), for undo

    def describe(self) -> str:
        return f"retarget {self.path} from {self.old} to {self.new}"

    def ready(self, root):
        return _link_text(root.path(self.path)) == self.old

    def _swap(self, root, have: str, want: str, times_ns=None) -> None:
        where = root.path(self.path)
        tmp = where + ".halint-tmp"
        current = _link_text(where)
        if current == want:
            _remove_stale(tmp)
            return
        if current != have:
            raise StepError(f"{self.path} links to {current!r}, expected {have!r} or {want!r}")
        _remove_stale(tmp)
        os.symlink(want, tmp)
        _chown(tmp, self.uid, self.gid)
        if times_ns:
            os.utime(tmp, ns=tuple(times_ns), follow_symlinks=False)
        pause()
        os.rename(tmp, where)  # atomic: the path is always a link, old or new
        _sync_parent(where)

    def apply(self, root):
        self._swap(root, self.old, self.new)

    def revert(self, root):
        self._swap(root, self.new, self.old, self.times_ns)


STEP_TYPES = {cls.op: cls for cls in (MoveAside, MakeDir, CopyIn, MakeLink, Retarget)}


def step_from_json(data: dict) -> Step:
    fields = dict(data)
    return STEP_TYPES[fields.pop("op")](**fields)


def lstat_ids(root: NodeRoot, path: str) -> tuple[int, int, int]:
    """(mode, uid, gid) of node path ``path`` (0o755, ours when it is gone)."""
    st = root.lstat(path)
    if st is None:
        return (0o755, *root.own_ids())
    return st.st_mode & 0o7777, st.st_uid, st.st_gid
