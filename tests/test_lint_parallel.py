"""``halint lint --jobs``: many bundles linted by worker processes give the output of one."""

from __future__ import annotations

import os
import shutil
import signal

import pytest

from conftest import SAMPLES
from elastix_halint.errors import InputError
from elastix_halint.lint.parallel import _shares, lint_clusters

BUNDLES = ["elastix-2.3", "broken-hostname", "broken-authkeys-644", "broken-split-brain-policy",
           "broken-partition-sizes", "broken-upgrade-symlink", "broken-haresources-device"]


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    """The samples, and copies of them whose drbd.conf differs by a comment line (the same
    display paths in several clusters, which the reports must keep apart)."""
    root = tmp_path_factory.mktemp("bundles")
    out = []
    for i, name in enumerate(BUNDLES * 2):
        dest = root / f"{i:02d}-{name}"
        shutil.copytree(SAMPLES / name, dest, symlinks=True)
        for conf in dest.glob("*/etc/drbd.conf"):
            conf.write_text(f"# copy {i}\n" + conf.read_text())
        out.append(str(dest))
    return out


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_workers_print_what_one_process_prints(halint, bundles, fmt):
    one = halint("lint", "--format", fmt, "--jobs", "1", *bundles)
    assert one.returncode == 1 and one.stdout
    for jobs in ("2", "3", "5"):
        many = halint("lint", "--format", fmt, "--jobs", jobs, *bundles)
        assert (many.returncode, many.stdout, many.stderr) == (one.returncode, one.stdout, one.stderr), jobs


def test_the_first_bad_bundle_is_the_one_named(halint, bundles, tmp_path):
    """A serial run stops at the earliest bad cluster; workers must name that one too, even
    when a later share (another worker) also meets one."""
    early, late = tmp_path / "b-empty", tmp_path / "z-empty"
    early.mkdir()
    late.mkdir()
    paths = [bundles[0], bundles[1], str(early), *bundles[2:9], str(late), *bundles[9:]]
    for jobs in ("1", "2", "4"):
        done = halint("lint", "--jobs", jobs, *paths)
        assert done.returncode == 2, jobs
        assert done.stderr.strip().splitlines() == [f"halint: error: {early}: not a cluster bundle or node folder: "
                                                    "no etc/, proc/ or facts/ files inside (see docs/bundle.md)"], jobs
    # only the later one bad: the worker that met it reports it, with its path
    done = halint("lint", "--jobs", "3", *bundles, str(late))
    assert done.returncode == 2 and f"{late}: not a cluster bundle" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("value", ["0", "x", "-1", "1.5"])
def test_jobs_must_be_a_count(halint, bundles, value):
    done = halint("lint", f"--jobs={value}", *bundles[:2])
    assert done.returncode == 2
    assert "--jobs" in done.stderr and "Traceback" not in done.stderr


def test_shares_keep_the_order_and_cover_everything():
    items = list(range(11))
    for n in range(1, 12):
        shares = _shares(items, n)
        assert len(shares) == n and [x for s in shares for x in s] == items
        assert max(map(len, shares)) - min(map(len, shares)) <= 1


class _Engine:
    """Stands for the rule engine: "lints" a number, dies or fails on request."""

    def lint(self, item):
        return item


def _load(value):
    def load():
        if value == "die" and os.getpid() != PARENT:
            os.kill(os.getpid(), signal.SIGKILL)
        if value == "bad":
            raise InputError("not a bundle", f"/x/{value}", 7)
        return value
    return load


PARENT = os.getpid()


@pytest.fixture
def forks(monkeypatch):
    """The pids of the workers forked during the test."""
    from elastix_halint import forked

    pids = []
    real = forked.Forked.__init__

    def counted(self, func):
        real(self, func)
        pids.append(self._pid)

    monkeypatch.setattr(forked.Forked, "__init__", counted)
    return pids


def _no_children_left(pids):
    """Every worker was reaped (the test process may have other children of its own)."""
    assert pids
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_results_come_back_in_order_and_no_worker_is_left(forks):
    items = list(range(10))
    assert lint_clusters(_Engine(), [_load(i) for i in items], 4) == items
    _no_children_left(forks)


def test_a_worker_error_keeps_its_file_and_line(forks):
    loads = [_load(i) for i in range(6)] + [_load("bad")]
    with pytest.raises(InputError) as caught:
        lint_clusters(_Engine(), loads, 3)
    assert str(caught.value) == "/x/bad:7: not a bundle"
    _no_children_left(forks)


def test_a_killed_worker_is_an_error_not_a_hang(forks):
    loads = [_load(i) for i in range(4)] + [_load("die")]
    with pytest.raises(Exception) as caught:
        lint_clusters(_Engine(), loads, 2)
    assert "worker process ended without its results (signal 9)" in str(caught.value)
    _no_children_left(forks)


def test_a_failing_parent_share_stops_the_workers(forks):
    loads = [_load("bad")] + [_load(i) for i in range(8)]
    with pytest.raises(InputError):
        lint_clusters(_Engine(), loads, 3)
    _no_children_left(forks)


def test_the_collector_is_paused_while_linting_and_put_back(monkeypatch):
    """Clusters are linted with automatic collection off and a full collection every
    COLLECT_EVERY clusters, so a long run does not keep every cluster's cycles; the
    collector's state is as before afterwards."""
    import gc

    from elastix_halint.lint import parallel

    seen, collected = [], []
    real_collect = gc.collect

    class Engine:
        def lint(self, item):
            seen.append(gc.isenabled())
            return item

    monkeypatch.setattr(parallel.gc, "collect", lambda *a: collected.append(len(seen)) or real_collect(*a))
    assert gc.isenabled()
    count = 2 * parallel.COLLECT_EVERY + 5
    assert lint_clusters(Engine(), [_load(i) for i in range(count)], 1) == list(range(count))
    assert seen == [False] * count
    assert collected == [parallel.COLLECT_EVERY, 2 * parallel.COLLECT_EVERY]
    assert gc.isenabled()
    gc.disable()
    try:
        lint_clusters(Engine(), [_load(1)], 1)
        assert not gc.isenabled()  # a caller that had it off finds it off
    finally:
        gc.enable()


def test_parse_puts_the_collector_back(tmp_path, capsys):
    import gc

    from elastix_halint.commands.parse import parse_command

    conf = SAMPLES / "elastix-2.3" / "voipserver.drbd" / "etc" / "drbd.conf"
    assert gc.isenabled()
    assert parse_command([str(conf)], None, "json", False) == 0
    assert gc.isenabled() and '"schema"' in capsys.readouterr().out
