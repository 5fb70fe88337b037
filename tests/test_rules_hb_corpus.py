"""The Heartbeat rules (HB1xx ha.cf, HB2xx authkeys, HB3xx haresources) over every real file of
../shared/corpus/{hacf,authkeys,haresources}: no rule crashes, every finding points inside the
file it is about, and a few findings an admin would expect of those files are there."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import CORPUS

from elastix_halint.lint.config import Settings
from elastix_halint.lint.engine import Engine
from elastix_halint.lint.registry import load_registry
from elastix_halint.loader import load_paths

KINDS = {"hacf": "ha.cf", "authkeys": "authkeys", "haresources": "haresources"}
FILES = sorted(p for kind in KINDS for p in (CORPUS / kind).glob("*") if p.is_file()) if CORPUS.is_dir() else []
REGISTRY = load_registry()


def lint_as(tmp_path: Path, sources: list[Path]):
    """Lint corpus files as one loose node, each under the name Heartbeat gives it."""
    paths = []
    for src in sources:
        folder = tmp_path / src.parent.name
        folder.mkdir(exist_ok=True)
        target = folder / KINDS[src.parent.name]
        shutil.copyfile(src, target)
        paths.append(str(target))
    return Engine(REGISTRY, Settings(select=["HB"])).lint(load_paths(paths))


def hb(run, rule_id: str | None = None):
    return [p for p in run.problems if p.rule_id.startswith("HB") and (rule_id is None or p.rule_id == rule_id)]


@pytest.mark.skipif(not FILES, reason="../shared/corpus is not beside the checkout")
@pytest.mark.parametrize("src", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_no_rule_crashes_and_findings_point_into_the_file(tmp_path, src):
    run = lint_as(tmp_path, [src])
    assert [w for w in run.warnings if "crashed" in w or "without a span" in w] == []
    lines = Path(src).read_bytes().count(b"\n") + 1
    for p in hb(run):
        assert p.span is not None and 1 <= p.span.line <= lines, (p.rule_id, p.span, p.message)
        assert p.path.endswith(KINDS[src.parent.name])


@pytest.mark.skipif(not FILES, reason="../shared/corpus is not beside the checkout")
def test_files_of_one_project_lint_together_without_crash(tmp_path):
    # The same author's ha.cf + haresources (+ authkeys) given together: the cross-file rules run.
    pairs = [("hacf/007-ops-notes-full.cf", "haresources/005-ops-notes-two-ip"),
             ("hacf/023-elastix-bond0.cf", "haresources/019-elastix-continuation"),
             ("hacf/017-chenzhiwei-dopd-pinggroup.cf", "haresources/013-chenzhiwei-ipaddr2-iproute")]
    for i, pair in enumerate(pairs):
        sub = tmp_path / str(i)
        sub.mkdir()
        run = lint_as(sub, [CORPUS / p for p in pair])
        assert [w for w in run.warnings if "crashed" in w] == []
        # Matching names: the preferred node is an ha.cf node in every such pair.
        assert hb(run, "HB301") == [], pair


@pytest.mark.skipif(not FILES, reason="../shared/corpus is not beside the checkout")
def test_findings_an_admin_expects_on_real_files(tmp_path):
    def ids(*names):
        sub = tmp_path / "-".join(Path(n).name for n in names)
        sub.mkdir()
        return {p.rule_id for p in hb(lint_as(sub, [CORPUS / n for n in names]))}

    assert "HB108" in ids("hacf/019-ivpusic-ms-timings.cf")  # bcast eth0 before udpport 696
    assert "HB107" not in ids("hacf/023-elastix-bond0.cf")  # a bond is redundant
    assert "HB107" in ids("hacf/007-ops-notes-full.cf")  # bcast + ucast, both on em1: one NIC
    assert "HB107" in ids("hacf/009-asterisk-ha.cf")  # bcast eth1 only
    assert "HB111" not in ids("hacf/001-7layer-crm-v2.cf")  # CRM mode: auto_failback does not apply
    assert "HB203" in ids("authkeys/021-andrewbx-crc")
    assert "HB204" in ids("authkeys/015-lb04-auth2")  # a 6-character key
    assert ids("authkeys/019-amqp-sha1") == {"HB204"}  # template placeholder key
    assert ids("haresources/019-elastix-continuation") == set()  # continuation lines read like ResourceManager
    assert ids("haresources/001-7layer-drbddisk-httpd") == set()  # IPaddr before drbddisk is fine


@pytest.mark.skipif(not FILES, reason="../shared/corpus is not beside the checkout")
def test_single_path_names_the_floating_ip_it_shares(tmp_path):
    # ops-notes: `bcast em1` + `ucast em1 ...` is one NIC, and haresources puts a floating IP on em1.
    run = lint_as(tmp_path, [CORPUS / "hacf/007-ops-notes-full.cf", CORPUS / "haresources/005-ops-notes-two-ip"])
    [single] = hb(run, "HB107")
    assert "em1" in single.message and "floating IP 117.79.238.60" in single.message
