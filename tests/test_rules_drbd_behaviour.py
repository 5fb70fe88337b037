"""DRBD1xx rules on the HOWTO sample and on small real-looking variations: what they find,
what they must not (version awareness, common inherited by several resources, options), and
that no secret reaches any output."""

from __future__ import annotations

import json
import shutil

from conftest import SAMPLES, run_halint
from rules_drbd_helpers import ids, lint, lint_text

from elastix_halint.secrets import marker_for

HOWTO = SAMPLES / "elastix-2.3"
HOWTO_SECRET = "CentOSru!3z"

CONF_83 = """global { usage-count no; }
resource r0 {
  protocol C;
  net { cram-hmac-alg sha1; shared-secret "q8Vt2LmZr4XwKp7N"; }
  syncer { rate 33M; %s }
  on alpha { device /dev/drbd0; disk /dev/sda3; address 10.1.1.1:7788; meta-disk internal; }
  on bravo { device /dev/drbd0; disk /dev/sda3; address 10.1.1.2:7788; meta-disk internal; }
}
"""


def test_howto_sample_gets_the_findings_its_setup_deserves():
    run = lint([HOWTO])
    per_node = {}
    for p in run.problems:
        if p.rule_id.startswith("DRBD1"):
            per_node.setdefault(p.node, set()).add(p.rule_id)
    expected = {"DRBD111", "DRBD113", "DRBD114", "DRBD118", "DRBD121", "DRBD123"}
    assert per_node == {"voipserver.drbd": expected, "voipbackup.drbd": expected}
    assert not [w for w in run.warnings if "crashed" in w]


def test_no_output_format_shows_the_shared_secret():
    for fmt in ("text", "json", "sarif", "github"):
        out = run_halint("lint", "--select", "DRBD1", "--format", fmt, str(HOWTO))
        assert out.returncode == 1, out.stderr
        assert HOWTO_SECRET not in out.stdout + out.stderr
        assert "DRBD118" in out.stdout


def test_collected_bundle_marker_still_counts_as_the_howto_secret(tmp_path):
    bundle = tmp_path / "bundle"
    shutil.copytree(HOWTO, bundle)
    for conf in bundle.glob("*/etc/drbd.conf"):
        conf.write_text(conf.read_text().replace(HOWTO_SECRET, marker_for(HOWTO_SECRET)))
    run = lint([bundle], select=["DRBD118", "DRBD119"])
    assert ids(run) == ["DRBD118", "DRBD118"]
    assert all("sample value" in p.message for p in run.problems if p.rule_id == "DRBD118")


def test_ranges_follow_the_syntax_version(tmp_path):
    # al-extents 6433 is too many for 8.3 (max 3833) but fine for 8.4 (max 65534).
    assert ids(lint_text(tmp_path, CONF_83 % "al-extents 6433;", select=["DRBD101"])) == ["DRBD101"]
    conf_84 = CONF_83.replace("syncer { rate 33M; %s }", "disk { resync-rate 33M; al-extents 6433; }")
    assert ids(lint_text(tmp_path, conf_84, select=["DRBD101"])) == []


def test_policy_inherited_from_common_is_reported_once_at_its_line(tmp_path):
    text = """global { usage-count no; }
common {
  net { after-sb-0pri discard-younger-primary; after-sb-1pri consensus; after-sb-2pri disconnect; }
}
resource r0 { protocol C; on alpha { device /dev/drbd0; disk /dev/sda3; address 10.1.1.1:7788; meta-disk internal; }
  on bravo { device /dev/drbd0; disk /dev/sda3; address 10.1.1.2:7788; meta-disk internal; } }
resource r1 { protocol C; on alpha { device /dev/drbd1; disk /dev/sda4; address 10.1.1.1:7789; meta-disk internal; }
  on bravo { device /dev/drbd1; disk /dev/sda4; address 10.1.1.2:7789; meta-disk internal; } }
"""
    run = lint_text(tmp_path, text, select=["DRBD113"])
    assert [(p.span.line, p.span.column) for p in run.problems] == [(3, 23)]


def test_common_only_file_checks_present_values_but_not_missing_ones(tmp_path):
    text = "common {\n  net { after-sb-1pri violently-as0p; }\n}\n"
    run = lint_text(tmp_path, text, name="global_common.conf")
    assert ids(run) == ["DRBD113"]


def test_enum_value_of_another_slot_is_named_with_a_suggestion(tmp_path):
    run = lint_text(tmp_path, CONF_83.replace("cram-hmac-alg", "after-sb-1pri discard-secondry; cram-hmac-alg") % "",
                    select=["DRBD102"])
    (problem,) = run.problems
    assert problem.suggestion == "discard-secondary"
    run = lint_text(tmp_path, CONF_83.replace("cram-hmac-alg", "after-sb-2pri discard-secondary; cram-hmac-alg") % "",
                    select=["DRBD102"])
    (problem,) = run.problems
    assert "`after-sb-1pri`" in problem.message


def test_rate_judged_against_the_configured_link_speed(tmp_path):
    conf = CONF_83.replace("rate 33M", "rate 100M") % ""
    assert ids(lint_text(tmp_path, conf, select=["DRBD121"])) == ["DRBD121"]
    assert ids(lint_text(tmp_path, conf, select=["DRBD121"], options={"DRBD121": {"link_mbit": 10000}})) == []
    slow = lint_text(tmp_path, CONF_83 % "", select=["DRBD121"], options={"DRBD121": {"link_mbit": 100}})
    assert ids(slow) == ["DRBD121"]  # 33M is far more than 30% of Fast Ethernet


def test_dynamic_resync_controller_is_not_a_fixed_rate(tmp_path):
    conf_84 = CONF_83.replace("syncer { rate 33M; %s }", "disk { resync-rate 100M; }")
    assert ids(lint_text(tmp_path, conf_84, select=["DRBD121"])) == []
    fixed = conf_84.replace("resync-rate 100M;", "resync-rate 100M; c-plan-ahead 0;")
    assert ids(lint_text(tmp_path, fixed, select=["DRBD121"])) == ["DRBD121"]


def test_duplicate_meta_disk_index_and_device_minor_mismatch(tmp_path):
    text = CONF_83.replace("meta-disk internal; }\n  on bravo", "meta-disk /dev/sdb1 [0]; }\n  on bravo") % ""
    second = text.replace("resource r0", "resource r1").replace("/dev/drbd0", "/dev/drbd1").replace(":7788", ":7789")
    second = second.replace("global { usage-count no; }\n", "")
    run = lint_text(tmp_path, text + second, select=["DRBD105"])
    assert [(p.span.line, p.message.startswith("meta-data index 0 of /dev/sdb1 on alpha")) for p in run.problems] == [(13, True)]
    minor = CONF_83.replace("device /dev/drbd0; disk /dev/sda3; address 10.1.1.2", "device /dev/drbd1 minor 0; disk /dev/sda3; address 10.1.1.2") % ""
    assert ids(lint_text(tmp_path, minor, select=["DRBD106"])) == ["DRBD106"]


def test_json_findings_point_inside_the_file():
    out = run_halint("lint", "--select", "DRBD1", "--format", "json", str(HOWTO))
    problems = json.loads(out.stdout)["problems"]
    lines = {str(p): len(p.read_text().splitlines()) for p in HOWTO.glob("*/etc/drbd.conf")}
    assert problems
    for p in problems:
        assert p["span"] and 1 <= p["span"][0] <= max(lines.values())


def test_keyword_versions_follow_what_drbdadm_accepts(tmp_path):
    """drbdadm 9 still converts 8.3's `no-disk-flushes`; no drbdadm takes `discard-my-data` in
    the file, 8.3's neither (all tried with drbd-utils 9.22: model/drbdadm_values.py)."""
    v9 = """resource r0 {
  disk { %s }
  on alpha { node-id 0; device /dev/drbd0; disk /dev/sdb1; address 10.1.1.1:7788; meta-disk internal; }
  on bravo { node-id 1; device /dev/drbd0; disk /dev/sdb1; address 10.1.1.2:7788; meta-disk internal; }
}
"""
    assert ids(lint_text(tmp_path, v9 % "no-disk-flushes;", select=["DRBD100"])) == []
    assert ids(lint_text(tmp_path, v9 % "max-bio-bvecs 1;", select=["DRBD100"])) == ["DRBD100"]
    v84 = CONF_83.replace("syncer { rate 33M; %s }", "disk { resync-rate 33M; }").replace(
        "cram-hmac-alg", "discard-my-data; cram-hmac-alg")
    run = lint_text(tmp_path, v84, select=["DRBD100"])
    assert sorted((p.rule_id, p.span.line) for p in run.problems) == [("DRBD100", 4), ("PARSE001", 4)]


def test_repeated_option_is_a_warning_and_repeated_section_an_error(tmp_path):
    text = CONF_83.replace("cram-hmac-alg sha1;", "cram-hmac-alg sha1; cram-hmac-alg sha256;") % ""
    text += text.replace("global { usage-count no; }\n", "")  # resource r0 twice
    run = lint_text(tmp_path, text, select=["DRBD108"])
    assert sorted((str(p.severity), p.span.line) for p in run.problems) == [
        ("error", 9), ("warning", 4), ("warning", 11)]


def test_stacked_resources_behind_proxies_may_share_the_loopback_address(tmp_path):
    text = """resource upper {
  protocol A;
  stacked-on-top-of lower-a { device /dev/drbd10; address 127.0.0.1:1230;
    proxy on alice bob { inside 127.0.0.1:1234; outside 192.168.23.21:7791; } }
  stacked-on-top-of lower-b { device /dev/drbd10; address 127.0.0.1:1230;
    proxy on charly daisy { inside 127.0.0.1:1234; outside 192.168.23.22:7791; } }
}
"""
    assert ids(lint_text(tmp_path, text, select=["DRBD107", "DRBD120"])) == []
    same_peer = CONF_83.replace("10.1.1.2:7788", "10.1.1.1:7788") % ""
    assert ids(lint_text(tmp_path, same_peer, select=["DRBD107"])) == ["DRBD107"]


def test_the_rules_that_walk_every_statement_share_one_walk_per_model(tmp_path, monkeypatch):
    from elastix_halint.builtin.drbd import _helpers
    from elastix_halint.parsing.run import parse_one

    conf = tmp_path / "drbd.conf"
    conf.write_text(CONF_83 % "verify-alg sha1;")
    first, second = (parse_one(str(conf), None).result.model for _ in range(2))
    looked = []
    real = _helpers.kw.keyword
    monkeypatch.setattr(_helpers.kw, "keyword", lambda *a: looked.append(a) or real(*a))
    walked = _helpers.all_options(first)
    assert [(o.section, o.name) for o, _d in walked][:3] == [("global", "usage-count"), ("resource", "protocol"),
                                                            ("net", "cram-hmac-alg")]
    assert all(d is real(o.section, o.name) for o, d in walked)
    count = len(looked)
    assert count == len(walked) > 8
    assert _helpers.all_options(first) is walked and len(looked) == count  # not walked again
    assert _helpers.all_options(second) == walked and len(looked) == 2 * count  # another model: walked
