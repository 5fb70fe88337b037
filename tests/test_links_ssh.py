"""`halint links --ssh`, `links repair --ssh` and `links undo --ssh` against the loopback sshd
(conftest's ssh_lab): "modern" runs the node's commands with the machine's own tools,
"busybox" under busybox sh with only busybox applets on PATH, "old" is an sshd configured like
CentOS 5's. The node's root is a temp folder laid out like an upgraded Elastix node
(links_helpers). Tests that kill halint give it a TMPDIR of their own (private_tmp)."""

from __future__ import annotations

import glob
import json
import os
import random
import shutil
import signal
import subprocess
import stat
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import run_halint
from links_helpers import STEP_DELAY, digests, journal_lines, listing, make_node, simulate_upgrade
from sshd_helpers import processes_naming

from elastix_halint.links.journal import journals
from elastix_halint.links.state import link_states
from elastix_halint.noderoot.linkmap import load
from elastix_halint.noderoot.root import NodeRoot

NODES = ["modern", "busybox"]  # "old" (the CentOS-5-like sshd) too, where a whole repair runs


def grain(alias: str) -> int:
    # busybox touch sets whole seconds: undo puts directory and link times back to the second.
    return 1_000_000_000 if alias == "busybox" else 1


def ssh_args(lab, alias: str, root: Path, *args: str) -> list[str]:
    return ["links", *args, "--ssh", f"{alias}:{root}", "--ssh-config", str(lab.config)]


def no_leftovers(root: Path) -> None:
    """Nothing of halint's own is left on the node but its journals."""
    left = [p for pattern in ("**/*.halint-tmp", "**/.*.halint-tmp", "**/*.journal.tmp", "**/lock.d*")
            for p in glob.glob(str(root / pattern), recursive=True)]
    assert not left


@pytest.fixture
def upgraded(tmp_path) -> Path:
    root = make_node(tmp_path)
    simulate_upgrade(root)
    return root


@pytest.fixture
def private_tmp():
    """A TMPDIR of halint's own for tests that kill it: the ssh socket folder (hl-*) of a
    halint killed with SIGKILL cannot be removed by it, and must not litter the machine's /tmp.
    Short, or halint puts the folder in /tmp anyway (a socket path holds ~100 bytes)."""
    folder = tempfile.mkdtemp(prefix="t", dir="/tmp")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def sockets(folder: str) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.startswith("hl-"))


@pytest.mark.parametrize("alias", NODES)
def test_status_over_ssh_is_the_local_status(ssh_lab, upgraded, alias):
    before = listing(upgraded)
    local = run_halint("links", "--root", str(upgraded), "--format", "json")
    remote = run_halint(*ssh_args(ssh_lab, alias, upgraded, "--format", "json"))
    assert (remote.returncode, local.returncode) == (1, 1), remote.stderr
    mine, theirs = json.loads(local.stdout), json.loads(remote.stdout)
    assert theirs["root"] == f"{alias}:{upgraded}"
    assert {**theirs, "root": None} == {**mine, "root": None}
    assert listing(upgraded) == before and not (upgraded / "var/lib/halint").exists()


def test_dry_run_over_ssh_prints_the_local_plan_and_changes_nothing(ssh_lab, upgraded):
    before = listing(upgraded)
    local = run_halint("links", "repair", "--merge-new", "--root", str(upgraded))
    remote = run_halint(*ssh_args(ssh_lab, "modern", upgraded, "repair", "--merge-new"))
    assert remote.returncode == local.returncode == 1
    stamp = lambda text: [line.split(".halint-")[0] for line in text.splitlines()]  # noqa: E731 - asides are named after the minute
    assert stamp(remote.stdout) == stamp(local.stdout)
    assert f"halint snapshot --ssh modern:{upgraded} --out DIR" in remote.stderr  # its archives are on this side
    assert listing(upgraded) == before and not (upgraded / "var/lib/halint").exists()


def test_fifos_and_sockets_over_ssh_plan_as_locally(ssh_lab, upgraded):
    """The node's own stat says what a special file is: same plan as a local one, no conflict."""
    for side in (upgraded / "etc/asterisk", upgraded / "replica/etc/asterisk"):
        os.mkfifo(side / "events.fifo")
        os.mknod(side / "mysql.sock", 0o777 | stat.S_IFSOCK)
    os.mknod(upgraded / "etc/asterisk/only-here.sock", 0o777 | stat.S_IFSOCK)
    local = run_halint("links", "repair", "--merge-new", "--root", str(upgraded))
    remote = run_halint(*ssh_args(ssh_lab, "modern", upgraded, "repair", "--merge-new"))
    stamp = lambda text: [line.split(".halint-")[0] for line in text.splitlines()]  # noqa: E731 - asides are named after the minute
    assert stamp(remote.stdout) == stamp(local.stdout)
    assert [l for l in remote.stdout.splitlines() if "conflict:" in l and ("fifo" in l or ".sock" in l)] == []


@pytest.mark.parametrize("alias", [*NODES, "old"])
def test_repair_over_ssh_mends_every_link_and_undo_puts_the_tree_back(ssh_lab, upgraded, alias):
    before, before_bytes = listing(upgraded, grain_ns=grain(alias)), digests(upgraded)
    repair = run_halint(*ssh_args(ssh_lab, alias, upgraded, "repair", "--apply", "--merge-new"))
    assert repair.returncode == 1, repair.stdout + repair.stderr  # sip.conf differs: a listed conflict
    assert "1 conflict:" in repair.stdout and "/var/lib/halint/links/" in repair.stdout
    assert all(state.ok for state in link_states(NodeRoot(str(upgraded)), load(None).links))
    assert before_bytes <= digests(upgraded)
    assert (upgraded / "replica/etc/asterisk/features.conf").is_file()
    no_leftovers(upgraded)
    if alias == "modern":
        again = run_halint(*ssh_args(ssh_lab, alias, upgraded, "repair", "--apply", "--merge-new"))
        assert again.returncode == 0 and "nothing to repair" in again.stdout
    undo = run_halint(*ssh_args(ssh_lab, alias, upgraded, "undo"))
    assert undo.returncode == 0, undo.stdout + undo.stderr
    assert listing(upgraded, grain_ns=grain(alias)) == before
    no_leftovers(upgraded)


@pytest.mark.parametrize("broken, message", [("proc/mounts", "not mounted"), ("proc/drbd", "not DRBD Primary")])
def test_refusals_are_read_from_the_node(ssh_lab, tmp_path, broken, message):
    root = make_node(tmp_path, mounted=broken != "proc/mounts", primary=broken != "proc/drbd")
    simulate_upgrade(root)
    before = listing(root)
    refused = run_halint(*ssh_args(ssh_lab, "modern", root, "repair", "--apply"))
    assert refused.returncode == 2 and message in refused.stderr and "--force" in refused.stderr
    assert [line for line in refused.stderr.splitlines() if line.startswith("halint: error")] == [refused.stderr.splitlines()[-1]]
    assert listing(root) == before
    if broken == "proc/mounts":
        assert run_halint(*ssh_args(ssh_lab, "modern", root, "repair", "--apply", "--force")).returncode == 0
        assert run_halint(*ssh_args(ssh_lab, "modern", root, "undo")).returncode == 2
        assert run_halint(*ssh_args(ssh_lab, "modern", root, "undo", "--force")).returncode == 0
        assert listing(root) == before


def test_bad_destinations_are_one_line_errors(ssh_lab, upgraded, tmp_path):
    both = run_halint("links", "--root", str(upgraded), "--ssh", f"modern:{upgraded}", "--ssh-config", str(ssh_lab.config))
    assert both.returncode == 2 and "not both" in both.stderr
    missing = run_halint(*ssh_args(ssh_lab, "modern", tmp_path / "absent"))
    assert missing.returncode == 2 and "absent" in missing.stderr
    two = run_halint(*ssh_args(ssh_lab, "modern", upgraded), "--ssh", "busybox")
    assert two.returncode == 2 and "one node at a time" in two.stderr
    for result in (both, missing, two):
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


# -- crash safety -------------------------------------------------------------------------------
FULL_JOURNAL = 20  # 1 plan + 9 steps x (begin, done) + committed
TRIALS = FULL_JOURNAL + 1
# How a repair is cut: SIGKILL to halint and its ssh (a terminal's kill, a CI timeout), to halint
# alone (the OOM killer, kill -9 PID), to its ssh master (the connection drops on this side), to
# the node's sshd processes of the connection (it drops on the node's side), or to the node's
# shell running links.sh (the node's OOM killer: the lock is left behind with a dead owner).
CUTS = ["group", "halint", "master", "node-sshd", "node-script"]


def start_in_group(lab, alias: str, root: Path, tmp: str, *args: str, stderr=subprocess.DEVNULL,
                   delay: str = STEP_DELAY) -> subprocess.Popen:
    """halint in a process group of its own (with its ssh master and clients), its steps slowed
    down by ``delay`` seconds a pause, its socket folder in ``tmp``."""
    env = dict(os.environ, HALINT_TEST_STEP_DELAY=delay, NO_COLOR="1", TMPDIR=tmp)
    cmd = [sys.executable, "-m", "elastix_halint", *ssh_args(lab, alias, root, *args)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)


def wait_for_journal(proc: subprocess.Popen, root: Path, lines: int) -> None:
    deadline = time.monotonic() + 30
    while lines and journal_lines(root) < lines and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)


def survivors(folder: str) -> list[int]:
    """ssh processes of halint's still there after a moment (SIGKILL is not instant)."""
    deadline = time.monotonic() + 5
    while (found := processes_naming(folder)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as fh:
                kids.setdefault(int(fh.read().rsplit(")", 1)[1].split()[1]), []).append(int(pid))
        except (OSError, IndexError, ValueError):
            pass
    return kids


def _comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as fh:
            return fh.read().strip()
    except OSError:
        return ""


def node_side(lab, sshd: bool) -> list[int]:
    """The node side of every connection to the lab's "modern" server: the sshd processes under
    its listener (``sshd``) or the commands they run."""
    kids, found, todo = _children(), [], [lab.servers["modern"].process.pid]
    while todo:
        for pid in kids.get(todo.pop(), []):
            todo.append(pid)
            if _comm(pid).startswith("sshd") == sshd:
                found.append(pid)
    return found


def ssh_masters(folder: str) -> list[int]:
    found = []
    for pid in processes_naming(folder):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if b"-M" in fh.read().split(b"\0"):
                    found.append(pid)
        except OSError:
            pass
    return found


def cut(how: str, proc: subprocess.Popen, lab, tmp: str) -> None:
    """Cut a running halint ``how`` (CUTS), then wait for it to end."""
    if how == "group":
        targets = [-proc.pid]
    elif how == "halint":
        targets = [proc.pid]
    elif how == "master":
        targets = ssh_masters(tmp)
    else:
        targets = node_side(lab, sshd=how == "node-sshd")
    for pid in targets:
        try:
            (os.killpg if pid < 0 else os.kill)(abs(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(timeout=60)


def cut_after(proc: subprocess.Popen, root: Path, lines: int, jitter: float, how: str = "group", lab=None,
              tmp: str = "") -> None:
    """Cut halint ``how`` once the journal has ``lines`` lines (0: at once), + jitter."""
    wait_for_journal(proc, root, lines)
    time.sleep(jitter)
    cut(how, proc, lab, tmp)


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(TRIALS))
def test_kill_repair_over_ssh_at_each_step_then_recover(ssh_lab, upgraded, private_tmp, trial):
    """Trial N cuts `links repair --ssh --apply` once the node's journal has N lines (each
    named step: plan written, each step begun, each step done, committed; a little later, at
    random), trial 0 at a random moment, each of the CUTS in turn; then a rerun of repair, or
    undo (itself killed in some trials), must reach a consistent state with every file's
    content still there."""
    rng = random.Random(trial)
    alias = "busybox" if trial % 3 == 2 else "modern"
    how = CUTS[(trial // 4) % len(CUTS)]  # every cut meets every way of recovering below
    before, before_bytes = listing(upgraded, grain_ns=grain(alias)), digests(upgraded)
    lines = trial
    jitter = rng.uniform(0, 0.02) if lines else rng.uniform(0, 3.0)
    cut_after(start_in_group(ssh_lab, alias, upgraded, private_tmp, "repair", "--apply", "--merge-new"),
              upgraded, lines, jitter, how, ssh_lab, private_tmp)
    assert before_bytes <= digests(upgraded), "a cut lost data"
    assert not survivors(private_tmp), "an ssh of the cut halint lives on"
    killed = sockets(private_tmp)  # what SIGKILL left: halint cannot remove its socket folder then
    env = {"TMPDIR": private_tmp}

    if trial % 2 == 0:
        finish = run_halint(*ssh_args(ssh_lab, alias, upgraded, "repair", "--apply", "--merge-new"), env=env)
        assert finish.returncode in (0, 1), finish.stdout + finish.stderr
        assert all(state.ok for state in link_states(NodeRoot(str(upgraded)), load(None).links)), finish.stdout
        assert before_bytes <= digests(upgraded)
        if trial % 4 == 0:
            undo = run_halint(*ssh_args(ssh_lab, alias, upgraded, "undo"), env=env)
            assert undo.returncode == 0, undo.stdout + undo.stderr
            assert listing(upgraded, grain_ns=grain(alias)) == before
    else:
        if trial % 4 == 3:  # kill the undo as well, then undo again
            cut_after(start_in_group(ssh_lab, alias, upgraded, private_tmp, "undo"), upgraded,
                      journal_lines(upgraded) + rng.randint(1, 10), rng.uniform(0, 0.02))
            assert before_bytes <= digests(upgraded)
            killed = sockets(private_tmp)
        undo = run_halint(*ssh_args(ssh_lab, alias, upgraded, "undo"), env=env)
        assert undo.returncode == 0, undo.stdout + undo.stderr
        assert listing(upgraded, grain_ns=grain(alias)) == before, "undo after a cut did not restore the tree"
    no_leftovers(upgraded)
    assert not any(j.read().interrupted for j in journals(NodeRoot(str(upgraded))))
    assert sockets(private_tmp) == killed and not survivors(private_tmp)  # the reruns left nothing


@pytest.mark.parametrize("how", ["master", "node-sshd"])
def test_a_connection_cut_mid_repair_is_one_line_saying_what_next_and_the_rerun_finishes(ssh_lab, upgraded, private_tmp, how):
    """The connection drops (its ssh master killed here, or the node's sshd) while a step runs:
    halint ends with one error line that says how to finish or roll back, leaves no ssh process
    or socket folder; the next repair finishes, and undo puts the tree back."""
    before, before_bytes = listing(upgraded), digests(upgraded)
    proc = start_in_group(ssh_lab, "modern", upgraded, private_tmp, "repair", "--apply", "--merge-new",
                          stderr=subprocess.PIPE, delay="0.3")
    wait_for_journal(proc, upgraded, 2)
    assert proc.poll() is None, "the repair ended before it could be cut"
    cut(how, proc, ssh_lab, private_tmp)
    err = proc.stderr.read().decode()
    errors = [line for line in err.splitlines() if line.startswith("halint: error")]
    assert proc.returncode == 2 and len(errors) == 1 and "Traceback" not in err, err
    assert "links repair --apply" in errors[0] and "links undo" in errors[0], err
    assert not any(chatter in err for chatter in ("OpenSSH_", "Authenticated to", "Bytes per second", "Transferred:")), err
    assert sockets(private_tmp) == [] and not survivors(private_tmp)
    assert before_bytes <= digests(upgraded)

    env = {"TMPDIR": private_tmp}
    finish = run_halint(*ssh_args(ssh_lab, "modern", upgraded, "repair", "--apply", "--merge-new"), env=env)
    assert finish.returncode in (0, 1) and "finishing repair" in finish.stdout, finish.stdout + finish.stderr
    assert all(state.ok for state in link_states(NodeRoot(str(upgraded)), load(None).links))
    undo = run_halint(*ssh_args(ssh_lab, "modern", upgraded, "undo"), env=env)
    assert undo.returncode == 0 and listing(upgraded) == before, undo.stdout + undo.stderr
    no_leftovers(upgraded)


@pytest.mark.parametrize("how", ["Ctrl-C", "SIGTERM"])
def test_an_interrupted_repair_stops_at_once_closes_its_ssh_and_is_finished_next_time(ssh_lab, upgraded, private_tmp, how):
    """Ctrl-C (SIGINT to the terminal's whole process group: halint and its ssh) or SIGTERM (to
    halint alone) while the node is in the middle of a slow step: halint ends at once with
    status 130 (it does not wait for the step to end), leaves no ssh process or socket folder;
    the node's script ends its step and stops at its next write, and the next run finishes
    the repair."""
    before_bytes = digests(upgraded)
    proc = start_in_group(ssh_lab, "modern", upgraded, private_tmp, "repair", "--apply", "--merge-new",
                          stderr=subprocess.PIPE, delay="1.5")
    wait_for_journal(proc, upgraded, 2)  # the first step has begun: the node pauses 2 x 1.5 s before it says done
    assert proc.poll() is None, "the repair ended before it could be interrupted"
    told = time.monotonic()
    if how == "Ctrl-C":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.terminate()
    err = proc.communicate(timeout=30)[1].decode()
    assert time.monotonic() - told < 1.5, "halint waited for the node's step to end"
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert sockets(private_tmp) == [] and not survivors(private_tmp)
    assert before_bytes <= digests(upgraded)
    assert any(j.read().interrupted for j in journals(NodeRoot(str(upgraded))))

    # The node's script still holds the lock until its step ends: the rerun waits for it.
    finish = run_halint(*ssh_args(ssh_lab, "modern", upgraded, "repair", "--apply", "--merge-new"), env={"TMPDIR": private_tmp})
    assert finish.returncode == 0 and "finishing repair" in finish.stdout, finish.stdout + finish.stderr
    assert all(state.ok for state in link_states(NodeRoot(str(upgraded)), load(None).links))
    assert before_bytes <= digests(upgraded)
    no_leftovers(upgraded)
    assert sockets(private_tmp) == []
