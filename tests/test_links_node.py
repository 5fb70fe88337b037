"""`halint links` on a node that cannot run halint: the node's listing (scripts/nodefs.sh) feeds
the same planner as a local root, and scripts/links.sh carries out, finishes and undoes the
plan with the local repair's journal. Run here under dash, posh, mksh, bash --posix and busybox
sh with only busybox applets on PATH (the ssh tests run the same scripts through sshd)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from links_helpers import NEW, digests, listing, make_node, simulate_upgrade, write

from elastix_halint.links.guard import refusals
from elastix_halint.links.journal import Busy, Journal, journals
from elastix_halint.links.noderun import NodeRunner
from elastix_halint.links.plan import build_plan
from elastix_halint.links.repair import run_forward
from elastix_halint.links.runner import LocalRunner
from elastix_halint.links.steps import CopyIn
from elastix_halint.links.undo import run_undo
from elastix_halint.noderoot.linkmap import load
from elastix_halint.noderoot.remote import RemoteRoot
from elastix_halint.noderoot.root import NodeRoot
from elastix_halint.remote.shell import LocalShell

SHELLS = ["dash", "posh", "mksh", "bash --posix", "busybox sh"]
STAMP = "20260101T000000Z"
MAP = load(None)


def _quiet(line: str) -> None:
    pass


@pytest.fixture(scope="session")
def busybox_bin(tmp_path_factory) -> Path:
    """A folder with one link per busybox applet and nothing else."""
    busybox = shutil.which("busybox")
    if busybox is None:
        pytest.skip("busybox is not installed")
    folder = tmp_path_factory.mktemp("busybox-bin")
    applets = subprocess.run([busybox, "--list"], check=True, capture_output=True, text=True).stdout.split()
    for name in ["busybox", *applets]:
        (folder / name).symlink_to(busybox)
    return folder


def node_shell(name: str, busybox_bin: Path, path: str | None = None) -> LocalShell:
    argv = tuple(name.split())
    if shutil.which(argv[0]) is None:
        pytest.skip(f"{argv[0]} is not installed")
    if argv[0] == "busybox" and path is None:
        path = str(busybox_bin)
    return LocalShell(argv, path=path, stdin_script="/dev/stdin" if argv == ("posh",) else "-s --")


def remote(root: Path, shell: LocalShell) -> RemoteRoot:
    return RemoteRoot(str(root), shell=shell, label="node")


def _repair(node, merge_new: bool = True):
    runner = NodeRunner(node) if isinstance(node, RemoteRoot) else LocalRunner(node)
    return runner.repair(build_plan(node, MAP, STAMP, merge_new), lambda: build_plan(node, MAP, STAMP, merge_new),
                         lambda p: p.header(node, MAP, merge_new), _quiet)


def _steady(step) -> dict:
    data = step.to_json()
    if data.get("times_ns"):
        data["times_ns"] = data["times_ns"][1]
    return data


def _grain(name: str) -> int:
    # busybox touch sets whole seconds only: that is what undo can put back there.
    return 1_000_000_000 if name.startswith("busybox") else 1


@pytest.fixture
def upgraded(tmp_path) -> Path:
    root = make_node(tmp_path)
    simulate_upgrade(root)
    # Names a listing must carry exactly: hidden ones (all three glob patterns), a space, a
    # newline, bytes that are not UTF-8.
    asterisk = root / "etc/asterisk"
    write(asterisk / ".hidden.conf", "h\n", mtime_ns=NEW)
    write(asterisk / "..dots", "d\n", mtime_ns=NEW)
    write(asterisk / "with space.conf", "s\n", mtime_ns=NEW)
    write(asterisk / "new\nline.conf", "n\n", mtime_ns=NEW)
    os.utime(asterisk, ns=(NEW, NEW))
    return root


@pytest.mark.parametrize("shell", SHELLS)
def test_the_node_listing_answers_as_the_local_disk(upgraded, shell, busybox_bin):
    local, node = NodeRoot(str(upgraded)), remote(upgraded, node_shell(shell, busybox_bin))
    walked = node.walk("/")
    assert [rel for rel, _ in walked] == [rel for rel, _ in local.walk("/")]
    for rel, st in walked:
        path = "/" + rel
        want = local.lstat(path)
        assert (st.st_mode, st.st_uid, st.st_gid, st.st_size, st.st_mtime_ns) == (
            want.st_mode, want.st_uid, want.st_gid, want.st_size, want.st_mtime_ns), path
        if os.path.islink(local.path(path)):
            assert node.readlink(path) == local.readlink(path)
        if os.path.isdir(local.path(path)) and not os.path.islink(local.path(path)):
            assert node.listdir(path) == local.listdir(path)
    assert node.read_bytes("/proc/drbd") == local.read_bytes("/proc/drbd")
    assert node.read_bytes("/nowhere") is None and node.lstat("/nowhere/deeper") is None
    assert node.is_mounted("/replica") and node.is_drbd_primary()


@pytest.mark.parametrize("shell", SHELLS)
def test_the_plan_made_from_the_node_is_the_local_plan(upgraded, shell, busybox_bin):
    local, node = NodeRoot(str(upgraded)), remote(upgraded, node_shell(shell, busybox_bin))
    for merge_new in (False, True):
        mine, theirs = build_plan(local, MAP, STAMP, merge_new), build_plan(node, MAP, STAMP, merge_new)
        assert [l.to_json() for l in theirs.links] == [l.to_json() for l in mine.links]
        want, got = mine.header(local, MAP, merge_new), theirs.header(node, MAP, merge_new)
        # Reading a directory may move its atime: the mtimes must agree to the nanosecond.
        assert {d: m for d, (_, m) in got.pop("dir_times").items()} == {d: m for d, (_, m) in want.pop("dir_times").items()}
        assert {**got, "root": None} == {**want, "root": None}


class CountingShell(LocalShell):
    """A LocalShell that counts the scripts it runs (one a round trip over ssh)."""

    runs = 0

    def run_script(self, *args, **kwargs):
        self.runs += 1
        return super().run_script(*args, **kwargs)


def test_the_plan_of_an_upgraded_node_takes_one_round_trip(upgraded):
    """Every state of the upgraded node (a replaced directory compared file by file with the
    replica, a link to a folder outside the replica, a dangling one, a missing one) is read in
    one round trip: a node far away answers a status in one ssh call's time."""
    shell = CountingShell(("dash",))
    node = remote(upgraded, shell)
    plan = build_plan(node, MAP, STAMP, True)
    assert {l.state.status for l in plan.links} >= {"replaced-dir", "wrong-target", "dangling", "missing"}
    assert plan.links[0].comparison.differ == ["sip.conf"] and "features.conf" in plan.links[0].comparison.absent
    assert shell.runs == 1
    local = build_plan(NodeRoot(str(upgraded)), MAP, STAMP, True)
    assert [l.to_json() for l in plan.links] == [l.to_json() for l in local.links]


@pytest.mark.parametrize("shell", SHELLS)
def test_repair_on_the_node_does_what_a_local_repair_does_and_undo_puts_it_back(upgraded, shell, tmp_path, busybox_bin):
    twin = tmp_path / "twin"
    subprocess.run(["cp", "-a", str(upgraded), str(twin)], check=True)
    before, before_bytes = listing(upgraded, grain_ns=_grain(shell)), digests(upgraded)
    node = remote(upgraded, node_shell(shell, busybox_bin))
    plan, skipped = _repair(node)
    local_plan, local_skipped = _repair(NodeRoot(str(twin)))
    assert skipped == local_skipped == {}
    assert listing(upgraded, times=False) == listing(twin, times=False)
    assert [j.read().status for j in journals(node)] == ["committed"]
    # The same steps (a link's atime moves when it is read: only the mtime must agree).
    assert [_steady(s) for s in journals(node)[-1].read().steps] == [_steady(s) for s in local_plan.steps]
    assert before_bytes <= digests(upgraded)
    assert not (upgraded / "var/lib/halint/links/lock.d").exists()

    NodeRunner(node).undo(journals(node)[-1], _quiet)
    assert listing(upgraded, grain_ns=_grain(shell)) == before
    assert [j.read().status for j in journals(node)] == ["undone"]


def test_journals_are_one_format_a_node_repair_is_undone_locally_and_back(upgraded):
    before = listing(upgraded)
    node = remote(upgraded, LocalShell(("dash",)))
    _repair(node)
    local = NodeRoot(str(upgraded))
    run_undo(local, journals(local)[-1], _quiet)
    assert listing(upgraded) == before
    _repair(local)
    NodeRunner(node).undo(journals(node)[-1], _quiet)
    assert listing(upgraded) == before


def test_a_step_begun_before_a_cut_is_finished_by_the_node(upgraded):
    """A journal whose last step began but never said done (a kill between the two): the
    node's script completes it, locally written journals included, and a torn last line is
    ignored."""
    local = NodeRoot(str(upgraded))
    plan = build_plan(local, MAP, STAMP, True)
    journal = Journal.create(local, STAMP, plan.header(local, MAP, True))
    journal.append("begin", 0)
    plan.steps[0].apply(local)
    with open(journal.path, "a") as fh:
        fh.write('{"event": "do')  # a line torn by the cut
    node = remote(upgraded, LocalShell(("dash",)))
    NodeRunner(node).finish(journals(node)[-1], _quiet)
    view = journals(local)[-1].read()
    assert view.status == "committed" and view.done == set(range(len(plan.steps)))
    assert all(l.state.ok for l in build_plan(local, MAP, "later", True).links)


def test_a_file_that_appears_in_the_replica_mid_copy_is_a_conflict_kept_by_undo(tmp_path):
    (tmp_path / "aside").mkdir()
    (tmp_path / "replica").mkdir()
    (tmp_path / "aside/new.conf").write_text("upgraded\n")
    local = NodeRoot(str(tmp_path))
    step = CopyIn("/aside/new.conf", "/replica/new.conf")
    journal = Journal.create(local, STAMP, {"steps": [step.to_json()], "map": {}, "dir_times": {}})
    journal.append("begin", 0)
    (tmp_path / "replica/new.conf").write_text("written by mysqld meanwhile\n")
    node = remote(tmp_path, LocalShell(("dash",)))
    outcome = NodeRunner(node).finish(journals(node)[-1], _quiet)
    assert outcome.skipped[0].startswith("conflict")
    NodeRunner(node).undo(journals(node)[-1], _quiet)
    assert (tmp_path / "replica/new.conf").read_text() == "written by mysqld meanwhile\n"
    assert (tmp_path / "aside/new.conf").read_text() == "upgraded\n"


def test_a_repair_that_finds_the_tree_changed_stops_and_undo_rolls_back(upgraded):
    before = listing(upgraded)
    node = remote(upgraded, LocalShell(("dash",)))

    def build():
        plan = build_plan(node, MAP, STAMP, False)
        (upgraded / "var/www").mkdir()  # appears after the plan was made: `link /var/www` cannot run
        return plan

    from elastix_halint.links.steps import StepError

    with pytest.raises(StepError, match="cannot link /var/www .* tree changed"):
        NodeRunner(node).repair(build(), build, lambda p: p.header(node, MAP, False), _quiet)
    assert [j.read().status for j in journals(node)] == ["repairing"]
    (upgraded / "var/www").rmdir()
    NodeRunner(node).undo(journals(node)[-1], _quiet)
    assert listing(upgraded) == before


def test_journals_changed_between_reading_and_locking_make_halint_plan_again(upgraded):
    """Another repair committed after halint read the journals: the node refuses the stale
    plan (nothing done), halint plans again from what the node is now."""
    node = remote(upgraded, LocalShell(("dash",)))
    local = NodeRoot(str(upgraded))
    first = build_plan(node, MAP, STAMP, False)
    www = type(MAP)(MAP.mount, (MAP.links[-1],))  # meanwhile, a local repair of /var/www
    _, done = LocalRunner(local).repair(None, lambda: build_plan(local, www, "20250101T000000Z", False),
                                        lambda p: p.header(local, www, False), _quiet)
    calls, lines = [], []

    def build():
        calls.append(build_plan(node, MAP, STAMP, False))
        return calls[-1]

    plan, _ = NodeRunner(node).repair(first, build, lambda p: p.header(node, MAP, False), lines.append)
    assert len(calls) == 1 and any("planning again" in line for line in lines)
    assert "/var/www" in json.dumps([s.to_json() for s in first.steps])
    assert "/var/www" not in json.dumps([s.to_json() for s in plan.steps])
    assert [j.read().status for j in journals(node)] == ["committed", "committed"]


def test_one_repair_at_a_time_and_a_dead_owner_s_lock_is_taken_over(upgraded):
    node = remote(upgraded, LocalShell(("dash",)))
    lock = upgraded / "var/lib/halint/links/lock.d"
    lock.mkdir(parents=True)
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        (lock / "pid").write_text(f"{sleeper.pid}\n")
        with pytest.raises(Busy, match="another halint links repair"):
            NodeRunner(node, lock_wait=0.3).repair(build_plan(node, MAP, STAMP, False), lambda: build_plan(node, MAP, STAMP, False),
                                                   lambda p: p.header(node, MAP, False), _quiet)
        assert journals(node) == []
    finally:
        sleeper.kill()
        sleeper.wait()
    # Its owner is gone (kill -9, a reboot): the lock is taken over.
    _repair(node, merge_new=False)
    assert [j.read().status for j in journals(node)] == ["committed"] and not lock.exists()


def test_refusals_come_from_the_node_s_proc(tmp_path):
    root = make_node(tmp_path, primary=False, mounted=False)
    reasons = refusals(remote(root, LocalShell(("dash",))), "/replica")
    assert reasons == refusals(NodeRoot(str(root)), "/replica") and len(reasons) == 2


def test_without_a_digest_tool_the_bytes_are_hashed_here(upgraded, tmp_path, busybox_bin):
    """A node with neither sha256sum nor openssl: the comparison reads the files back and
    hashes them here; the node's script compares with cmp."""
    bare = tmp_path / "bin"
    bare.mkdir()
    for applet in busybox_bin.iterdir():
        if "sum" not in applet.name:
            (bare / applet.name).symlink_to(os.readlink(applet))
    shell = LocalShell(("busybox", "sh"), path=str(bare))
    node = remote(upgraded, shell)
    local = NodeRoot(str(upgraded))
    assert [l.to_json() for l in build_plan(node, MAP, STAMP, True).links] == [
        l.to_json() for l in build_plan(local, MAP, STAMP, True).links]
    assert node.answers.digests  # the digests came from the bytes
    _repair(node)
    assert all(l.state.ok for l in build_plan(local, MAP, "later", True).links)


def test_a_local_repair_and_one_over_ssh_exclude_each_other(upgraded):
    from elastix_halint.links.journal import exclusive

    local, node = NodeRoot(str(upgraded)), remote(upgraded, LocalShell(("dash",)))
    with exclusive(local):
        with pytest.raises(Busy):
            NodeRunner(node, lock_wait=0.2).repair(build_plan(node, MAP, STAMP, False), None, lambda p: p.header(node, MAP, False), _quiet)
    owner = upgraded / "var/lib/halint/links/lock.d"
    owner.mkdir()
    (owner / "pid").write_text(f"{os.getpid()}\n")  # a live owner, as a script over ssh leaves it
    with pytest.raises(Busy):
        with exclusive(local):
            pass
    (owner / "pid").write_text("999999999\n")  # dead: taken over
    with exclusive(local):
        assert (owner / "pid").read_text() == f"{os.getpid()}\n"
    assert not owner.exists() and journals(local) == []


def test_a_journal_that_grows_after_halint_read_it_is_read_again(upgraded, monkeypatch):
    """The script of a killed halint still ends its step (and journals it) after the rerun read
    the journal: the node refuses the rerun's stale view, the rerun reads again and finishes."""
    local = NodeRoot(str(upgraded))
    plan = build_plan(local, MAP, STAMP, True)
    journal = Journal.create(local, STAMP, plan.header(local, MAP, True))
    journal.append("begin", 0)
    node = remote(upgraded, LocalShell(("dash",)))
    runner, real_run, runs = NodeRunner(node), NodeRunner._run, []

    def run(self, job, steps, echo):
        if not runs:  # the orphan ends step 0 after the view was read
            plan.steps[0].apply(local)
            journal.append("done", 0)
        runs.append(job)
        return real_run(self, job, steps, echo)

    monkeypatch.setattr(NodeRunner, "_run", run)
    runner.finish(journals(node)[-1], _quiet)
    assert [len(job.work) for job in runs] == [len(plan.steps), len(plan.steps) - 1]
    assert journals(local)[-1].read().status == "committed"


def test_a_name_that_is_not_utf8_is_merged_byte_for_byte(upgraded):
    """Names are bytes on a node: one in Latin-1 is listed, planned, copied and undone as is."""
    latin1 = os.path.join(os.fsencode(upgraded), b"etc/asterisk/caf\xe9.conf")
    with open(latin1, "wb") as fh:
        fh.write(b"x\n")
    before = listing(upgraded)
    node = remote(upgraded, LocalShell(("dash",)))
    local_plan = build_plan(NodeRoot(str(upgraded)), MAP, STAMP, True)
    assert [s.to_json() for s in build_plan(node, MAP, STAMP, True).steps] == [s.to_json() for s in local_plan.steps]
    _repair(node)
    assert os.path.isfile(os.path.join(os.fsencode(upgraded), b"replica/etc/asterisk/caf\xe9.conf"))
    NodeRunner(node).undo(journals(node)[-1], _quiet)
    assert listing(upgraded) == before
