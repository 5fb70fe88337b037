"""Every finding on every input we have (findings_snapshot.py) equals tests/data/findings.txt:
a refactoring of the rules or the model changes none. A change meant to alter findings
rewrites the file (python tests/findings_snapshot.py --update) and the review sees the diff."""

from __future__ import annotations

import difflib

import pytest
from conftest import CORPUS
from findings_snapshot import EXPECTED, snapshot


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the checkout")
def test_findings_everywhere_are_the_recorded_ones():
    got = snapshot().splitlines()
    want = EXPECTED.read_text().splitlines()
    diff = list(difflib.unified_diff(want, got, "tests/data/findings.txt", "now", lineterm="", n=0))
    assert not diff, "findings changed (python tests/findings_snapshot.py --update if meant):\n" + "\n".join(diff[:60])
