"""What the Heartbeat rules say of the HOWTO samples: the HOWTO's own design choices on the
corrected bundle, the OCR misprints on the printed one, nothing else."""

from __future__ import annotations

from conftest import SAMPLES

from elastix_halint.lint.config import Settings
from elastix_halint.lint.engine import Engine
from elastix_halint.lint.registry import load_registry
from elastix_halint.loader import load_paths

REGISTRY = load_registry()


def hb_findings(sample: str) -> dict[str, list]:
    run = Engine(REGISTRY, Settings(select=["HB"])).lint(load_paths([str(SAMPLES / sample)]))
    assert [w for w in run.warnings if "crashed" in w] == []
    found: dict[str, list] = {}
    for p in run.problems:
        if p.rule_id.startswith("HB"):
            found.setdefault(p.rule_id, []).append(p)
    return found


def test_howto_bundle_gets_its_design_choices_on_both_nodes():
    found = hb_findings("elastix-2.3")
    assert sorted(found) == ["HB107", "HB112", "HB204"]
    assert all(len(problems) == 2 for problems in found.values())  # one per node
    single_path = found["HB107"][0]
    assert "eth1" in single_path.message and "DRBD replication link" in single_path.message
    assert "no fencing" in found["HB112"][0].message and found["HB112"][0].severity.name == "WARNING"
    assert all(p.path.endswith("authkeys") for p in found["HB204"])


def test_printed_howto_gets_the_ocr_misprints_with_their_fixes():
    found = hb_findings("howto-ocr")
    interface = found["HB109"]
    assert {p.suggestion for p in interface} == {"eth1"} and all(p.fix for p in interface)
    resource = found["HB312"]
    assert {p.suggestion for p in resource} == {"r0"}
    # /dev/drbdO0 is the parser's (PARSE002): the Filesystem rule does not say it again.
    assert "HB303" not in found
