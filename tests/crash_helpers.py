"""Crash-safety helpers shared by the local and remote restore crash tests: a node damaged by an
"upgrade" after its snapshot, and the checks that each unit is old or new after a kill and that
a rerun restores the snapshot with the old data kept."""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from conftest import REPO
from snapshot_helpers import halint_ok, tree_state

UNITS = ("etc", "usr", "var")
LINKS = ("etc/asterisk", "usr/lib/asterisk", "var/spool/asterisk", "var/lib/mysql", "var/log/asterisk", "var/www")
NO_RENAMEAT2 = {"HALINT_NO_RENAMEAT2": "1"}  # the two-rename path of kernels without renameat2
SEED = int(os.environ.get("HALINT_CRASH_SEED", "5"))  # stress runs vary it; CI keeps one


def _own(path: Path) -> dict:
    st = os.lstat(path)
    return {"mode": st.st_mode, "uid": st.st_uid, "gid": st.st_gid, "mtime_ns": st.st_mtime_ns}


def unit_state(path: Path) -> dict | None:
    """The unit directory's own attributes and everything below it (None when absent)."""
    return {".": _own(path), **tree_state(path)} if os.path.lexists(path) else None


def node_state(root: Path) -> dict:
    rep = root / "replica"
    links = {p: os.readlink(root / p) if os.path.islink(root / p) else os.path.lexists(root / p) for p in LINKS}
    return {"units": {u: unit_state(rep / u) for u in UNITS}, "replica": _own(rep), "links": links}


@dataclass(frozen=True)
class Scene:
    """A node damaged by an "upgrade" after its snapshot; ``pristine`` is kept to reset it."""

    root: Path
    archive: Path
    pristine: Path
    new: dict  # node_state right after the snapshot: what every restore must end with
    old: dict  # node_state of the damaged node: each unit must be kept aside like this

    def reset(self) -> None:
        shutil.rmtree(self.root)
        shutil.copytree(self.pristine, self.root, symlinks=True)

    def command(self) -> list[str]:
        return [sys.executable, "-m", "elastix_halint", "restore", str(self.archive), *self.where(), "--quiet"]

    def where(self) -> list[str]:
        """How the restore names the node: ``--root`` here (the remote tests add ``--ssh``)."""
        return ["--root", str(self.root)]

    def run_killed(self, **env) -> None:
        """Run a restore that must die by SIGKILL at the point ``env`` names."""
        proc = subprocess.run(self.command(), cwd=REPO, env=dict(os.environ, NO_COLOR="1", **env),
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == -signal.SIGKILL, f"{env}: not killed (exit {proc.returncode}) {proc.stderr}"

    def rerun(self, **env):
        return halint_ok("restore", str(self.archive), *self.where(), "--quiet", env=env or None)


def damage(root: Path) -> None:
    rep = root / "replica"
    (rep / "etc/asterisk/sip.conf").write_text("upgraded\n")
    (rep / "usr/lib/asterisk/modules/app_new.so").write_bytes(b"new module")
    shutil.rmtree(rep / "var/www/html")
    os.unlink(root / "etc/asterisk")
    (root / "etc/asterisk").mkdir()


def assert_each_unit_old_or_new(scene: Scene, missing_ok: bool = False) -> set:
    """Right after a kill. ``missing_ok``: without renameat2 a unit is briefly absent between
    its two renames, its old tree already at the kept name (checked after the rerun)."""
    now = node_state(scene.root)
    kinds = set()
    for unit in UNITS:
        state = now["units"][unit]
        if state is None and missing_ok:
            kinds.add("missing")
            continue
        assert state in (scene.old["units"][unit], scene.new["units"][unit]), f"{unit} is a mix of old and new"
        kinds.add("new" if state == scene.new["units"][unit] else "old")
    for path in LINKS:
        assert now["links"][path] in (scene.old["links"][path], scene.new["links"][path], False if missing_ok else None)
    return kinds


def assert_restored_and_old_kept(scene: Scene, foreign: frozenset = frozenset()) -> None:
    """After the rerun; ``foreign``: names that are no restore's kept data."""
    root, rep = scene.root, scene.root / "replica"
    assert node_state(root) == scene.new, "the rerun did not complete the restore"
    names = os.listdir(rep)
    assert not [n for n in names if n.startswith((".halint-staging", ".halint-tmp", ".halint-restore.json"))], names
    kept = set()
    for done in glob.glob(str(rep / ".halint-restore-done-*.json")):
        kept.update(json.loads(Path(done).read_text())["kept"])
    for unit in UNITS:  # the damaged tree of each unit is kept, whole, at a name --prune knows
        asides = set(glob.glob(f"{rep / unit}.halint-old-*")) - foreign
        assert asides <= kept, "moved-aside data that --prune would not know about"
        assert scene.old["units"][unit] in [unit_state(Path(p)) for p in asides], f"the old {unit} was not kept"
    link_asides = glob.glob(f"{root / 'etc/asterisk'}.halint-old-*")
    assert any(os.path.isdir(p) and not os.path.islink(p) for p in link_asides), "the upgrade's /etc/asterisk dir was lost"
    assert set(link_asides) <= kept
