"""The shared link-state decision: pure ``decide`` over observations, and ``observe`` on a root."""

from __future__ import annotations

import os

import pytest

from elastix_halint.links.state import LinkObservation, decide, normalize_target, observe, resolve
from elastix_halint.noderoot.linkmap import LinkSpec
from elastix_halint.noderoot.root import NodeRoot

SPEC = LinkSpec("/etc/asterisk", "/replica/etc/asterisk")


@pytest.mark.parametrize(
    "obs, status",
    [
        (LinkObservation("/etc/asterisk", "symlink", "/replica/etc/asterisk/", True), "ok"),
        (LinkObservation("/etc/asterisk", "symlink", "../replica/etc/asterisk", True), "ok"),
        (LinkObservation("/etc/asterisk", "symlink", "/replica/etc/asterisk", None), "ok"),
        (LinkObservation("/etc/asterisk", "symlink", "/replica/etc/asterisk", False), "dangling"),
        (LinkObservation("/etc/asterisk", "symlink", "/replica/etc/asterisk.old", True), "wrong-target"),
        (LinkObservation("/etc/asterisk", "symlink", "/replica/etc/asterisk", False, loops=True), "loop"),
        (LinkObservation("/etc/asterisk", "dir"), "replaced-dir"),
        (LinkObservation("/etc/asterisk", "file"), "replaced-file"),
        (LinkObservation("/etc/asterisk", "other"), "replaced-file"),
        (LinkObservation("/etc/asterisk", "missing"), "missing"),
    ],
)
def test_decide_maps_each_observation_to_one_state(obs, status):
    state = decide(SPEC, obs)
    assert state.status == status
    assert state.ok == (status == "ok")
    assert state.expected == SPEC.target and state.path == SPEC.path


def test_trailing_slash_and_relative_targets_normalise_alike():
    assert normalize_target("/replica/etc/asterisk/") == "/replica/etc/asterisk"
    assert normalize_target("../replica/etc/asterisk", "/etc/asterisk") == "/replica/etc/asterisk"
    assert normalize_target("/replica//var/www") == "/replica/var/www"


def _node(tmp_path):
    (tmp_path / "replica/etc/asterisk").mkdir(parents=True)
    (tmp_path / "etc").mkdir()
    return NodeRoot(str(tmp_path))


def test_observe_resolves_absolute_targets_inside_the_root(tmp_path):
    root = _node(tmp_path)
    os.symlink("/replica/etc/asterisk/", tmp_path / "etc/asterisk")
    obs = observe(root, SPEC)
    assert obs == LinkObservation("/etc/asterisk", "symlink", "/replica/etc/asterisk/", True, False)
    assert decide(SPEC, obs).status == "ok"


def test_observe_reports_dangling_loop_and_real_dir(tmp_path):
    root = _node(tmp_path)
    os.rmdir(tmp_path / "replica/etc/asterisk")
    os.symlink("/replica/etc/asterisk", tmp_path / "etc/asterisk")
    assert decide(SPEC, observe(root, SPEC)).status == "dangling"
    os.symlink("/etc/asterisk", tmp_path / "replica/etc/asterisk")  # the replica path points back
    obs = observe(root, SPEC)
    assert obs.loops and decide(SPEC, obs).status == "loop"
    os.unlink(tmp_path / "etc/asterisk")
    (tmp_path / "etc/asterisk").mkdir()
    assert decide(SPEC, observe(root, SPEC)).status == "replaced-dir"
    os.rmdir(tmp_path / "etc/asterisk")
    assert decide(SPEC, observe(root, SPEC)).status == "missing"


def test_resolve_follows_links_in_parents_within_the_root(tmp_path):
    root = _node(tmp_path)
    (tmp_path / "data/asterisk").mkdir(parents=True)
    os.rmdir(tmp_path / "replica/etc/asterisk")
    os.rmdir(tmp_path / "replica/etc")
    os.symlink("/data", tmp_path / "replica/etc")
    found = resolve(root, "/replica/etc/asterisk/")
    assert found.exists and found.path == "/data/asterisk"
    assert not resolve(root, "/replica/etc/nothing/below").exists


def test_a_stat_listing_and_a_live_root_give_the_same_states(tmp_path):
    """The linter reads `facts/links`; `halint links` reads the disk: same decision."""
    import subprocess

    from links_helpers import make_node, simulate_upgrade

    from elastix_halint.links.state import link_states, observe_listing
    from elastix_halint.noderoot.linkmap import elastix
    from elastix_halint.parsing.facts import links as links_facts
    from elastix_halint.source import decode

    root = make_node(tmp_path)
    simulate_upgrade(root)
    linkmap = elastix()
    paths = [p for spec in linkmap.links for p in (spec.path, spec.target)]
    # stat run "inside" the node: chroot-free, so run it in the root with relative names.
    stat = subprocess.run(
        ["stat", "-c", "%F|%n|%N", *[p.lstrip("/") for p in paths]], cwd=root, capture_output=True, text=True
    )
    # Make the names absolute again (this machine's coreutils writes "cannot statx", CentOS's
    # older one "cannot stat": the parser reads both).
    text = "\n".join(
        line.replace("|", "|/", 1).replace("|'", "|'/", 1)
        if not line.startswith("stat:")
        else line.replace("'", "'/", 1)
        for line in (stat.stdout + stat.stderr).splitlines()
    )
    listing = links_facts.parse(decode(text.encode(), "facts/links")).model
    from_facts = [decide(spec, observe_listing(listing, spec)).status for spec in linkmap.links]
    live = [s.status for s in link_states(NodeRoot(str(root)), linkmap.links)]
    assert from_facts == live
    assert set(live) == {"ok", "replaced-dir", "dangling", "wrong-target", "missing"}

