"""The cluster rules on real configurations written by others (../shared/corpus): each drbd
entry installed on both nodes of a bundle, each ha.cf/haresources put into the good cluster.
No rule crashes; an identical drbd.conf is never "different"; nodes named as in the file's
`on` sections are never "missing"."""

from __future__ import annotations

import shutil

import pytest
from conftest import CORPUS
from rules_cluster_helpers import BOTH, copy_bundle, findings, lint

from elastix_halint.loader import load_paths

MINE = ("DRBD2", "NODE", "STATE")
DRBD_ENTRIES = sorted(p for p in (CORPUS / "drbd").iterdir() if p.is_file() or (p / "drbd.conf").is_file()) \
    if (CORPUS / "drbd").is_dir() else []
HA_FILES = sorted(p for kind in ("hacf", "haresources") if (CORPUS / kind).is_dir() for p in (CORPUS / kind).iterdir())


def _crashes(run) -> list[str]:
    return [w for w in run.warnings if w.startswith("rule ") and w.split()[1].startswith(MINE)]


def _on_names(conf) -> list[str]:
    model = load_paths([str(conf)]).nodes[0].drbd
    names: list[str] = []
    for res in model.resources if model is not None else ():
        for host in res.hosts:
            names += [n for n in host.names if n not in names]
    return (names + ["alpha", "beta"])[:2] if len(names) < 2 else names[:2]


@pytest.mark.parametrize("entry", DRBD_ENTRIES, ids=[p.name for p in DRBD_ENTRIES])
def test_corpus_drbd_on_both_nodes(entry, tmp_path):
    conf = entry if entry.is_file() else entry / "drbd.conf"
    names = _on_names(conf)
    for name in names:
        etc = tmp_path / "bundle" / name / "etc"
        if entry.is_file():
            etc.mkdir(parents=True)
            shutil.copy(entry, etc / "drbd.conf")
        else:
            shutil.copytree(entry, etc)
        (tmp_path / "bundle" / name / "facts").mkdir()
        (tmp_path / "bundle" / name / "facts" / "uname-n").write_text(name + "\n")
    run = lint(tmp_path / "bundle", select=MINE)
    assert _crashes(run) == []
    assert findings(run, "DRBD200") == []
    resources = load_paths([str(conf)]).nodes[0].drbd.resources
    if any(set(names) <= {n for h in r.hosts for n in h.names} for r in resources):
        assert findings(run, "DRBD201") == []


@pytest.mark.parametrize("path", HA_FILES, ids=[f"{p.parent.name}/{p.name}" for p in HA_FILES])
def test_corpus_heartbeat_file_in_the_good_cluster(path, tmp_path):
    bundle = copy_bundle(tmp_path / "bundle")
    target = "etc/ha.d/ha.cf" if path.parent.name == "hacf" else "etc/ha.d/haresources"
    for node in BOTH:
        shutil.copy(path, bundle / node / target)
    run = lint(bundle, select=MINE)
    assert _crashes(run) == []
    for p in run.problems:
        if p.rule_id.startswith(MINE) and p.span is not None:
            assert p.span.line >= 1 and p.path.split("/")[0] in BOTH
