"""Every finding of every rule on every input we have, as one sorted text: the samples, the good
cluster (as is and with each "break one thing" edit), each rule's fixture folders linted with
all rules, and the corpus (each file loose, each drbd entry as a node and on both nodes of a
bundle, each ha.cf/haresources in the good cluster).

tests/data/findings.txt holds the expected text; test_findings_unchanged.py compares. It was
recorded before the rules were split into one module each, so it proves a refactoring changed
no behaviour. A change that means to alter findings rewrites it and shows the difference in
review:  python tests/findings_snapshot.py --update   (needs ../shared beside the checkout).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from conftest import CORPUS, REPO, SAMPLES
from lint_helpers import case_inputs, case_settings, fixture_cases
from rules_cluster_helpers import BOTH, BREAKS, GOOD, copy_bundle
from rules_drbd_helpers import PROC_DRBD, make_node

from elastix_halint.lint.config import Settings
from elastix_halint.lint.engine import Engine
from elastix_halint.lint.registry import load_registry
from elastix_halint.loader import load_paths

EXPECTED = Path(__file__).resolve().parent / "data" / "findings.txt"
HB_NAMES = {"hacf": "ha.cf", "authkeys": "authkeys", "haresources": "haresources"}


def _placed(text: str, tmp: str) -> str:
    """``text`` with the folders that depend on the checkout's place replaced by names."""
    return text.replace(tmp, "<tmp>").replace(str(CORPUS), "<corpus>").replace(str(REPO), "<repo>")


def _lines(label: str, run, tmp: str) -> list[str]:
    out = []
    for p in run.problems:
        where = f"{p.path}:{p.span.line}:{p.span.column}" if p.span else str(p.path)
        row = [label, p.rule_id, str(p.severity), where, p.message, p.hint or ""]
        out.append("\t".join(_placed(s, tmp).replace("\n", "\\n") for s in row))
    out += [f"{label}\twarning\t{_placed(w, tmp)}" for w in run.warnings]
    return out


def _lint(paths, root=None, peer=None, options=None):
    settings = Settings(options=options or {})
    return Engine(load_registry(), settings).lint(load_paths([str(p) for p in paths], root=root, peer=peer))


def _drbd_entries() -> list[Path]:
    folder = CORPUS / "drbd"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _entry_files(entry: Path) -> list[Path]:
    if entry.is_file():
        return [entry]
    if (entry / "drbd.conf").is_file():
        return [entry / "drbd.conf"]
    return sorted(p for p in entry.rglob("*") if p.is_file())


def _install_drbd(entry: Path, etc: Path) -> None:
    if entry.is_file():
        etc.mkdir(parents=True)
        shutil.copy(entry, etc / "drbd.conf")
    else:
        shutil.copytree(entry, etc)


def targets(tmp: Path):
    """(label, run) for every input; ``tmp`` is scratch space."""
    for sample in sorted(p for p in SAMPLES.iterdir() if p.is_dir()):
        yield f"sample/{sample.name}", _lint([sample])
    yield "good-cluster", _lint([GOOD])
    for name, edit in sorted(BREAKS.items()):
        bundle = copy_bundle(tmp / "break" / name)
        try:
            edit(bundle)
        except AssertionError:  # an edit written for the sample only (samples/ has its result)
            continue
        yield f"good-cluster+{name}", _lint([bundle])
    for case in fixture_cases():
        paths, root, peer = case_inputs(case)
        options = {case.rule_id: case_settings(case).get("options", {})}
        yield f"fixture/{case.label}", _lint(paths, root, peer, options)
    for entry in _drbd_entries():
        yield f"corpus/drbd/{entry.name}", _lint(_entry_files(entry))
        if entry.is_file() or (entry / "drbd.conf").is_file():
            for version in sorted(PROC_DRBD):
                node = make_node(tmp / "node" / version / entry.name / "node1", entry, proc=PROC_DRBD[version])
                yield f"corpus/drbd/{entry.name}@node-{version}", _lint([node])
            yield f"corpus/drbd/{entry.name}@bundle", _lint([_both_nodes(entry, tmp / "bundle" / entry.name)])
    for kind, name in HB_NAMES.items():
        folder = CORPUS / kind
        for src in sorted(folder.iterdir()) if folder.is_dir() else ():
            loose = tmp / "loose" / kind / src.name / name
            loose.parent.mkdir(parents=True)
            shutil.copyfile(src, loose)
            yield f"corpus/{kind}/{src.name}", _lint([loose])
            if kind != "authkeys":
                bundle = copy_bundle(tmp / "good" / kind / src.name)
                for node in BOTH:
                    shutil.copy(src, bundle / node / "etc" / "ha.d" / name)
                yield f"corpus/{kind}/{src.name}@good-cluster", _lint([bundle])


def _both_nodes(entry: Path, bundle: Path) -> Path:
    """The entry installed as etc/drbd.conf of two nodes named after its first `on` sections."""
    conf = entry if entry.is_file() else entry / "drbd.conf"
    model = load_paths([str(conf)]).nodes[0].drbd
    names: list[str] = []
    for res in model.resources if model is not None else ():
        for host in res.hosts:
            names += [n for n in host.names if n not in names]
    names = (names + ["alpha", "beta"])[:2] if len(names) < 2 else names[:2]
    for name in names:
        _install_drbd(entry, bundle / name / "etc")
        (bundle / name / "facts").mkdir()
        (bundle / name / "facts" / "uname-n").write_text(name + "\n")
    return bundle


def snapshot() -> str:
    with tempfile.TemporaryDirectory(prefix="halint-findings-") as tmp:
        real = str(Path(tmp).resolve())
        lines: list[str] = []
        for label, run in targets(Path(real)):
            lines += sorted(_lines(label, run, real))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/findings_snapshot.py --update")
    if not CORPUS.is_dir():
        sys.exit(f"{CORPUS} is missing: the corpus is part of the snapshot")
    EXPECTED.write_text(snapshot())
    print(f"wrote {EXPECTED} ({EXPECTED.read_text().count(chr(10))} lines)")
