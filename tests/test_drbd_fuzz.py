"""Differential fuzzing against the real drbdadm, in every CI run.

Hypothesis writes drbd.conf configurations for DRBD 8.3, 8.4 and 9 from the option tables the
binaries gave (contrib/drbdadm_probe.py): valid ones, and copies damaged by one mutation
(token deleted, inserted or swapped, line doubled, braces unbalanced also across an include,
Unicode blanks and homoglyphs, CRLF and tabs, control characters, over-long words and quoted
strings, strings left open, comments at the end of the file, lines joined). Each case is
judged by the drbdadm of its version (drbdadm-83 in a private namespace as node ``alpha``)
and by halint (tests/drbd_fuzz.py ``judge``): drbdadm accepts ⇒ ``halint parse`` has no error
and its JSON describes what ``dump-xml`` does; drbdadm rejects ⇒ halint has an error (parse
diagnostic or lint finding, lint told the version) on the file and line drbdadm names.

The generation is derandomised and runs in a fresh interpreter (``generate_isolated``), so CI
draws the same cases as a local run of this file; HALINT_FUZZ_SEED=<n> draws other cases,
HALINT_FUZZ_CASES=<n> changes how many per version. Every disagreement found while
building this is kept under tests/data/drbd-fuzz/ and judged first.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import REPO
from drbd_fuzz import Case, generate_isolated, judge, run_drbdadm, write_case
from drbd_helpers import HAVE_DRBDADM, HAVE_DRBDADM83

pytestmark = [pytest.mark.drbdadm, pytest.mark.skipif(not HAVE_DRBDADM, reason="Debian drbd-utils not installed")]

VERSIONS = ("8.3", "8.4", "9")
PER_VERSION = int(os.environ.get("HALINT_FUZZ_CASES", "700"))
FIXTURES = sorted(p for p in (REPO / "tests" / "data" / "drbd-fuzz").iterdir() if p.is_dir())


def _skip_83(version: str) -> None:
    if version == "8.3" and not HAVE_DRBDADM83:
        pytest.skip("drbdadm-83 needs root for its private namespace")


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_recorded_disagreement_stays_fixed(fixture):
    meta = json.loads((fixture / "case.json").read_text())
    version = meta["version"]
    _skip_83(version)
    files = {str(p.relative_to(fixture)): p.read_text(encoding="utf-8", errors="surrogateescape")
             for p in fixture.rglob("*") if p.is_file() and p.name != "case.json"}
    case = Case(version, files, meta.get("mutation", "fixture"), meta.get("alpha_addresses", []))
    ((rc, out, err),) = run_drbdadm(version, [fixture], case.alpha_addresses)
    assert (rc == 0 or "no resources defined!" in err) == meta["accepted"], f"drbdadm changed its mind: {err}"
    assert judge(case, fixture / "drbd.conf", rc, out, err) is None


@pytest.mark.parametrize("version", VERSIONS)
def test_generated_configurations_agree_with_drbdadm(version, tmp_path):
    _skip_83(version)
    chosen = os.environ.get("HALINT_FUZZ_SEED")
    generated = generate_isolated(version, PER_VERSION, None if chosen is None else int(chosen))
    folders = [write_case(case, tmp_path / str(i)).parent for i, case in enumerate(generated)]
    alpha = sorted({a for case in generated for a in case.alpha_addresses})
    results = run_drbdadm(version, folders, alpha)
    failures = []
    accepted = 0
    for case, folder, (rc, out, err) in zip(generated, folders, results):
        accepted += rc == 0
        why = judge(case, folder / "drbd.conf", rc, out, err)
        if why:
            failures.append(f"{folder} [{case.mutation}]: {why}")
    # Both sides must have been exercised: valid files drbdadm takes and damaged ones it refuses.
    assert len(generated) >= PER_VERSION * 0.95 and 0.2 * len(generated) < accepted < 0.8 * len(generated)
    assert not failures, f"{len(failures)} of {len(generated)} disagree:\n" + "\n".join(failures[:5])
