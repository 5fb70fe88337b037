"""The drbd model: values normalised as drbdadm reads them, common inherited into resources,
includes spliced in glob order, every syntax error found with recovery."""

from __future__ import annotations

import pytest

from elastix_halint.diagnostics import Severity
from elastix_halint.parsing import drbd
from elastix_halint.source import SourceFile

HOSTS = """
  on alpha { device /dev/drbd0; disk /dev/sda3; address 10.0.0.1:7788; meta-disk internal; }
  on beta { device /dev/drbd0; disk /dev/sda3; address 10.0.0.2:7788; meta-disk internal; }
"""


def parse_text(text: str, path: str = "drbd.conf"):
    return drbd.parse(SourceFile(path, text))


def errors(result):
    return [(d.span.line, d.span.column, d.message) for d in result.diagnostics if d.severity >= Severity.ERROR]


def test_values_normalised_by_option_kind():
    r = parse_text("common { syncer { rate 100; } }\nresource r0 { protocol c;\n"
                   "  net { timeout 60; sndbuf-size 512K; allow-two-primaries; }\n"
                   "  disk { no-disk-flushes; size 2G; }\n  syncer { rate 33M; al-extents 257; }\n" + HOSTS + "}\n")
    assert errors(r) == []
    res = r.model.resources[0]
    assert res.protocol_value == "C"
    rate = res.effective("disk", "resync-rate")
    assert (rate.name, rate.section, rate.normalised, rate.unit) == ("rate", "syncer", 33 * 1024 * 1024, "bytes/s")
    assert res.syncer.origin_of("rate") == "resource"
    timeout = res.net.get("timeout")
    assert (timeout.normalised, timeout.unit, timeout.text) == (60, "0.1s", "60")
    assert res.net.get("sndbuf-size").normalised == 512 * 1024
    assert res.net.get("allow-two-primaries").normalised is True
    flushes = res.effective("disk", "disk-flushes")
    assert (flushes.name, flushes.normalised) == ("no-disk-flushes", False)
    assert res.disk.get("size").normalised == 2 * 1024**3
    assert res.effective("disk", "al-extents").normalised == 257


def test_common_is_inherited_and_overridden():
    r = parse_text("common { net { timeout 50; ko-count 4; } handlers { split-brain \"/x.sh\"; } }\n"
                   "resource r0 { net { timeout 70; }\n" + HOSTS + "}\n")
    res = r.model.resources[0]
    assert res.net.get("timeout").normalised == 70 and res.net.origin_of("timeout") == "resource"
    assert res.net.get("ko-count").normalised == 4 and res.net.origin_of("ko-count") == "common"
    assert r.model.effective_option("r0", "handlers", "split-brain").value == "/x.sh"
    assert r.model.effective_option("r0", "handlers", "fence-peer") is None


def test_bare_number_scales_and_unit_suffixes_as_drbdadm_reads_them():
    r = parse_text("resource r0 { syncer { rate 10; } disk { size 8; }\n net { ping-int 1K; }\n" + HOSTS + "}\n")
    res = r.model.resources[0]
    assert res.syncer.get("rate").normalised == 10 * 1024  # default scale KiB/s
    assert res.disk.get("size").normalised == 8 * 512  # default scale sectors
    # new_strtoll takes k, m, g as well as K, M, G (every drbdadm does: model/drbdadm_values.py)
    lower = parse_text("resource r0 { syncer { rate 10m; } net { sndbuf-size 512k; } " + HOSTS + "}\n")
    assert lower.diagnostics == ()
    res = lower.model.resources[0]
    assert res.syncer.get("rate").normalised == 10 * 1024**2 and res.net.get("sndbuf-size").normalised == 512 * 1024
    text = "resource r0 { syncer { rate 10x; } " + HOSTS + "}\n"
    (diag,) = [d for d in parse_text(text).diagnostics if d.code == "PARSE002"]
    assert diag.span.column == text.index("10x") + 1


def test_addresses_devices_meta_disks():
    r = parse_text("resource r0 { device minor 3; disk /dev/sdb1; meta-disk /dev/md [2];\n"
                   "  on a { address ipv6 [fd00::1]:7789; }\n  on b { address sdp 10.0.0.2:7789; meta-disk /dev/x[4]; }\n}\n")
    assert errors(r) == []
    a, b = r.model.resources[0].hosts
    assert (a.address.family, a.address.ip, a.address.port) == ("ipv6", "fd00::1", 7789)
    assert (b.address.family, b.address.ip) == ("sdp", "10.0.0.2")
    assert (a.volumes[0].minor, a.volumes[0].device, a.volumes[0].meta_disk, a.volumes[0].meta_index) == (3, None, "/dev/md", 2)
    assert (b.volumes[0].meta_disk, b.volumes[0].meta_index, b.volumes[0].implicit) == ("/dev/x", 4, True)
    bad = parse_text("resource r0 { on a { address alpha:7788; device /dev/drbd_x; } on b { address 10.0.0.1:70000; } }\n")
    messages = [m for _, _, m in errors(bad)]
    assert any("host name is not accepted" in m for m in messages)
    assert any("add `minor N`" in m for m in messages)
    assert any("outside 1..65535" in m for m in messages)


def test_volumes_merge_resource_and_host():
    r = parse_text("resource r0 { volume 0 { device minor 1; disk /dev/a; meta-disk internal; }\n"
                   "  volume 1 { device minor 2; disk /dev/b; meta-disk internal; }\n"
                   "  on x { node-id 0; address 10.0.0.1:7000; volume 1 { disk none; } }\n"
                   "  on y { node-id 1; address 10.0.0.2:7000; }\n  connection-mesh { hosts x y; }\n}\n")
    assert errors(r) == [] and r.model.version == "9"
    x, y = r.model.resources[0].hosts
    assert [(v.number, v.minor, v.disk) for v in x.volumes] == [(0, 1, "/dev/a"), (1, 2, "none")]
    assert [(v.number, v.disk) for v in y.volumes] == [(0, "/dev/a"), (1, "/dev/b")]
    assert (x.node_id, y.node_id) == (0, 1)


@pytest.mark.parametrize(
    "text, version",
    [("resource r { protocol C; syncer { rate 1M; }" + HOSTS + "}", "8.3"),
     ("resource r { net { protocol C; } disk { disk-flushes no; }" + HOSTS + "}", "8.4"),
     ("resource r { on a { node-id 1; } }", "9"),
     ("global { usage-count no; }", None)],
)
def test_version_evidence(text, version):
    model = parse_text(text).model
    assert model.version == version
    assert bool(model.version_evidence) == (version is not None)


def test_every_syntax_error_reported_with_recovery():
    text = ("resource r0 {\n"              # 1
            "  net { timeout 60 }\n"       # 2: missing ; before }
            "  disk { on-io-error detach; }\n"  # 3
            "  { foo; }\n"                 # 4: { without keyword
            "  startup { wfc-timeout 10;\n"  # 5
            "    degr-wfc-timeout 30\n"    # 6: missing ; (next line starts a keyword)
            "    become-primary-on alpha; }\n"
            "  bogus-section { }\n"        # 8: unknown section
            "  on alpha { device /dev/drbd0; }\n")  # 9; resource never closed
    r = parse_text(text)
    found = errors(r)
    lines = [line for line, _, _ in found]
    assert {2, 4, 6, 8} <= set(lines) and 3 not in lines, found
    assert (1, 13) in [(line, col) for line, col, _ in found if "never closed" in _]  # at its `{`
    assert (2, 19) in [(line, col) for line, col, _ in found]  # right after `60`
    startup = r.model.sections[0].section("startup")
    assert startup.option("degr-wfc-timeout").normalised == 30 and startup.option("become-primary-on") is not None


def test_stray_closing_brace_at_top_level():
    r = parse_text("global { usage-count no; }\n}\nresource r0 {" + HOSTS + "}\n")
    assert [(line, col) for line, col, _ in errors(r)] == [(2, 1)]
    assert r.model.resources[0].name == "r0"


def test_unknown_keyword_suggestions_and_wrong_form():
    r = parse_text("global { usage-cont no; }\nresource r0 { net { shared-secret x; after-sb-0pri { } }\n"
                   "  syncer; " + HOSTS + "}\n")
    by_line = {(d.span.line, d.suggestion) for d in r.diagnostics}
    assert (1, "usage-count") in by_line
    assert any("statement" in m and "not a `{ }` block" in m for _, _, m in errors(r))
    assert any("opens a section" in m for _, _, m in errors(r))


def test_skip_blocks_quotes_and_comments():
    text = ('skip { "unbalanced \\" quote { nested } # } in comment\n}\n'
            'resource "r 0" { net { shared-secret "a\\"b;c"; } # trailing\n' + HOSTS + "}\n")
    r = parse_text(text)
    assert errors(r) == []
    assert r.model.skipped[0].line == 1 and r.model.skipped[0].end_line == 2
    res = r.model.resources[0]
    assert res.name == "r 0"
    assert res.net.get("shared-secret").value == 'a"b;c'
    assert [c.text for c in r.model.comments] == ["trailing"]  # a skipped block is not read at all


def test_enclosing_block_lines():
    text = "resource r0 {\n  net\n  {\n    timeout 60;\n  }\n" + HOSTS + "}\n"
    model = parse_text(text).model
    assert model.enclosing_block_lines("drbd.conf", 4) == (1, 2, 3)
    assert model.enclosing_block_lines("other.conf", 4) == ()


def test_includes_glob_order_relative_dirs_and_problems(tmp_path):
    d = tmp_path / "drbd.d"
    d.mkdir()
    (d / "global_common.conf").write_text('global { usage-count no; }\ninclude "sub/*.inc";\n')
    (d / "sub").mkdir()
    (d / "sub" / "b.inc").write_text("common { net { ko-count 3; } }\n")
    (d / "sub" / "a.inc").write_text("# a\n")
    for name in ("r1", "r0"):
        (d / f"{name}.res").write_text(f"resource {name} {{" + HOSTS.replace("drbd0", "drbd" + name[1]) + "}\n")
    (d / "loop.cfg").write_text('include "loop.cfg";\n')
    conf = tmp_path / "drbd.conf"
    conf.write_text('include "drbd.d/global_common.conf";\ninclude "drbd.d/*.res";\ninclude "drbd.d/none*.x";\n'
                    'include "drbd.d/missing.conf";\ninclude "drbd.d/loop.cfg";\n')
    r = drbd.load(str(conf), display="node/etc/drbd.conf")
    m = r.model
    assert m.files[:5] == ("node/etc/drbd.conf", "node/etc/drbd.d/global_common.conf", "node/etc/drbd.d/sub/a.inc",
                           "node/etc/drbd.d/sub/b.inc", "node/etc/drbd.d/r0.res")
    assert [res.name for res in m.resources] == ["r0", "r1"]
    assert m.resources[0].net.get("ko-count").span.file == "node/etc/drbd.d/sub/b.inc"
    problems = [(d.code, d.span.file, d.span.line) for d in r.diagnostics]
    assert ("PARSE003", "node/etc/drbd.conf", 4) in problems
    assert ("PARSE003", "node/etc/drbd.d/loop.cfg", 1) in problems
    assert not any(line == 3 for _, _, line in problems)  # a glob matching nothing is fine
    assert {s.path for s in r.sources} >= {"node/etc/drbd.d/r0.res", "node/etc/drbd.d/sub/b.inc"}


def test_floating_statement_and_stacked_hosts():
    r = parse_text("resource low {" + HOSTS + "}\nresource up { protocol A; floating 10.9.9.9:7000;\n"
                   "  stacked-on-top-of low { device /dev/drbd10; address 10.0.0.9:7790; }\n}\n")
    up = r.model.resource("up")
    floating, stacked = up.hosts
    assert floating.floating and str(floating.address) == "10.9.9.9:7000"
    assert (stacked.lower, stacked.names, stacked.volumes[0].minor) == ("low", ("alpha", "beta"), 10)


def test_json_and_summary_are_redacted():
    r = parse_text('resource r0 { net { shared-secret "s3cret"; cram-hmac-alg sha1; }' + HOSTS + "}\n")
    assert "s3cret" not in repr(r.model.to_json()) and "s3cret" in repr(r.model.to_json(redact=False))
    assert "s3cret" not in "\n".join(r.model.summary(redact=True))
    assert any("s3cret" in line for line in r.model.summary(redact=False))


def test_absolute_include_resolves_under_the_node_root(tmp_path):
    node = tmp_path / "voipserver.drbd"
    (node / "etc" / "drbd.d").mkdir(parents=True)
    (node / "etc" / "drbd.d" / "r7.res").write_text("resource r7 {" + HOSTS + "}\n")
    conf = node / "etc" / "drbd.conf"
    conf.write_text('include "/etc/drbd.d/*.res";\n')
    r = drbd.load(str(conf), display="voipserver.drbd/etc/drbd.conf", root=str(node))
    assert [res.name for res in r.model.resources] == ["r7"]
    assert r.model.files == ("voipserver.drbd/etc/drbd.conf", "voipserver.drbd/etc/drbd.d/r7.res")
    assert r.model.includes[0].files == ("voipserver.drbd/etc/drbd.d/r7.res",)
    # Without a root the pattern names this machine's /etc, never the node folder's files.
    assert "r7" not in [res.name for res in drbd.load(str(conf)).model.resources]
    # The bundle loader passes the node folder as the root.
    from elastix_halint.loader import load_file

    loaded = load_file("drbd", str(conf), "voipserver.drbd/etc/drbd.conf", str(node))
    assert loaded.model.files == r.model.files


def test_empty_include_pattern_is_a_diagnostic():
    r = parse_text('include "";\nresource r0 {' + HOSTS + "}\n")
    assert [(line, "file name" in m) for line, _, m in errors(r)] == [(1, True)]


def test_addresses_in_force_come_from_connections_and_paths():
    res = parse_text(
        "resource r0 {\n"
        "  on alpha { node-id 0; device /dev/drbd0; disk /dev/sda3; address 10.1.1.1:7788; meta-disk internal; }\n"
        "  on beta { node-id 1; device /dev/drbd0; disk /dev/sda3; address 10.1.1.2:7788; meta-disk internal; }\n"
        "  on gamma { node-id 2; device /dev/drbd0; disk /dev/sda3; address 10.1.1.3:7788; meta-disk internal; }\n"
        "  connection { path { host alpha address 10.2.0.1:7790; host beta address 10.2.0.2:7790; } }\n"
        "  connection { host alpha port 7791; host gamma; }\n"
        "}\n").model.resources[0]
    uses = {(u.host, u.role, str(u.address)) for u in res.address_uses()}
    # alpha's own 10.1.1.1:7788 is overridden everywhere (a path, a port): drbdadm never uses it
    assert uses == {("alpha", "path", "10.2.0.1:7790"), ("beta", "path", "10.2.0.2:7790"),
                    ("alpha", "connection", "10.1.1.1:7791"), ("gamma", "host", "10.1.1.3:7788")}
    alpha = res.host("alpha")
    assert sorted(str(u.address) for u in res.addresses_of(alpha)) == ["10.1.1.1:7791", "10.2.0.1:7790"]
    peers = {(p.names[0], str(own.address), str(theirs.address)) for p, own, theirs, _c in res.peers_of(alpha)}
    assert peers == {("beta", "10.2.0.1:7790", "10.2.0.2:7790"), ("gamma", "10.1.1.1:7791", "10.1.1.3:7788")}


def test_a_repeated_statement_reads_as_when_first_seen_and_repeats_its_errors(monkeypatch):
    # Statements that raised nothing are remembered by their words (drbd_tree._SETTLED); the
    # model must be the one a fresh reading gives, and a statement with an error must report
    # it at each place it is written.
    from elastix_halint.parsing import drbd_tree

    body = "  net { after-sb-0pri discard-zero-changes; }\n  syncer { rate 33M; verify-alg shal; }\n" + HOSTS
    text = "".join(f"resource r{i} {{\n{body}}}\n" for i in range(3))

    def model_without_spans(result):
        return [[(o.name, o.section, o.text, o.normalised, o.unit, o.canonical_name, o.canonical_section)
                 for m in res.settings.values() for o in m.options] for res in result.model.resources]

    monkeypatch.setattr(drbd_tree, "_SETTLED", {})
    remembered = parse_text(text)
    assert drbd_tree._SETTLED  # the clean statements were remembered
    monkeypatch.setattr(drbd_tree, "_SETTLED", {})
    monkeypatch.setattr(drbd_tree, "_SETTLED_TYPES", frozenset())  # nothing remembered: all read afresh
    fresh = parse_text(text)
    assert not drbd_tree._SETTLED
    assert model_without_spans(remembered) == model_without_spans(fresh)
    assert remembered.model.resources[2].settings["syncer"].get("rate").normalised == 33 * 1024 * 1024
    spans = {res.settings["net"].options[0].span.line for res in remembered.model.resources}
    assert len(spans) == 3  # each resource's own statement, at its own line
    bad = [d for d in remembered.diagnostics if "shal" in d.message]
    assert [d.span.line for d in bad] == [d.span.line for d in fresh.diagnostics if "shal" in d.message]
    assert len(bad) == 3
