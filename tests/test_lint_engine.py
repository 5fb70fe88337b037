"""The engine over real Cluster/Node models built from a tiny fake file model."""

from __future__ import annotations

from lint_helpers import DOC, fake_parse, lint, make_cluster

from elastix_halint.diagnostics import Diagnostic, Edit, Severity
from elastix_halint.lint.rule import Finding, Rule
from elastix_halint.model.span import Span


class BadKey(Rule):
    __doc__ = DOC
    id = "TST101"
    name = "bad-key"
    severity = Severity.WARNING
    kinds = ("drbd",)

    def check_file(self, model, ctx):
        for item in model.items:
            if item.key == "bad":
                yield Finding(item, f"bad item {item.value}", hint="use good", fix=Edit(item.key_span, "good"))


class NeedsStat(Rule):
    __doc__ = DOC
    id = "TST201"
    name = "needs-stat"
    scope = "node"
    needs = ("stat",)

    def check_node(self, node, ctx):
        yield Finding(None, f"node {node.name} checked")


class PeerDiffers(Rule):
    __doc__ = DOC
    id = "TST301"
    name = "peer-differs"
    scope = "cluster"
    needs = ("peer",)

    def check_cluster(self, cluster, ctx):
        a, b = cluster.nodes
        ia = a.files["/etc/drbd.conf"].model.items[0]
        ib = b.files["/etc/drbd.conf"].model.items[0]
        if ia.value != ib.value:
            yield Finding(ia, "differs from the peer", related=(ib,), severity=Severity.ERROR)


class Crashes(Rule):
    __doc__ = DOC
    id = "TST401"
    name = "crashes"
    kinds = ("drbd",)

    def check_file(self, model, ctx):
        raise RuntimeError("boom")


def one(text, name="n1", **kw):
    return make_cluster({name: {"/etc/drbd.conf": fake_parse(f"{name}/etc/drbd.conf", text)}}, **kw)


def test_file_rule_findings_take_the_span_of_the_model_node():
    run = lint(one("good 1\n  bad 2\n"), BadKey)
    [p] = run.problems
    assert (p.rule_id, p.severity, p.message, p.node) == ("TST101", Severity.WARNING, "bad item 2", "n1")
    assert (p.span.file, p.span.line, p.span.column, p.span.end_column) == ("n1/etc/drbd.conf", 2, 3, 8)
    assert p.fix.span.end_column == 6 and p.hint == "use good"


def test_file_rules_only_see_their_kinds():
    cluster = make_cluster({"n1": {"/etc/ha.d/ha.cf": fake_parse("ha.cf", "bad 1\n", kind="hacf")}})
    assert lint(cluster, BadKey).problems == []


def test_severity_override_from_settings_beats_rule_and_finding():
    run = lint(one("bad 1\n"), BadKey, severity={"bad-key": Severity.ERROR})
    assert run.problems[0].severity is Severity.ERROR


def test_rule_needing_a_missing_fact_is_skipped_and_recorded():
    run = lint(one("x 1\n"), NeedsStat)
    assert run.problems == [] and run.skipped == [("TST201", "n1", "stat")]
    run = lint(one("x 1\n", facts={"n1": {"stat": {}}}), NeedsStat)
    assert [p.message for p in run.problems] == ["node n1 checked"] and run.skipped == []


def test_node_and_cluster_rules_do_not_run_on_loose_files():
    cluster = make_cluster({"n1": {"/etc/drbd.conf": fake_parse("drbd.conf", "x 1\n")}}, facts={"n1": {"stat": {}}}, anonymous=True)
    assert lint(cluster, NeedsStat, PeerDiffers).problems == []


def test_cluster_rule_related_locations_and_finding_severity():
    cluster = make_cluster(
        {
            "n1": {"/etc/drbd.conf": fake_parse("n1/etc/drbd.conf", "rate 10M\n")},
            "n2": {"/etc/drbd.conf": fake_parse("n2/etc/drbd.conf", "\nrate 20M\n")},
        }
    )
    [p] = lint(cluster, PeerDiffers).problems
    assert p.severity is Severity.ERROR and p.node == "n1"
    assert [(s.file, s.line) for s in p.related] == [("n2/etc/drbd.conf", 2)]
    single = make_cluster({"n1": {"/etc/drbd.conf": fake_parse("n1/etc/drbd.conf", "rate 1\n")}})
    assert lint(single, PeerDiffers).skipped == [("TST301", "cluster", "peer")]


def test_a_crashing_rule_is_a_warning_not_a_crash():
    run = lint(one("bad 1\n"), Crashes, BadKey)
    assert [p.rule_id for p in run.problems] == ["TST101"]
    assert run.warnings and "TST401" in run.warnings[0] and "boom" in run.warnings[0]


def test_suppression_on_the_line_and_on_the_block_opener():
    text = "bad 1  # halint: ignore[TST101]\nres {  # halint: ignore[bad-key]\n  bad 2\n}\nbad 3\n"
    run = lint(one(text), BadKey)
    assert [p.span.line for p in run.problems] == [5]
    assert run.suppressed == 2


def test_unused_and_unknown_suppressions_are_reported_as_hal001():
    text = "good 1  # halint: ignore[TST101]\nbad 2 # halint: ignore[NOPE999]\n"
    run = lint(one(text), BadKey)
    by_rule = sorted((p.rule_id, p.span.line, p.severity) for p in run.problems)
    assert by_rule == [("HAL001", 1, Severity.INFO), ("HAL001", 2, Severity.INFO), ("TST101", 2, Severity.WARNING)]
    assert any("unknown rule 'NOPE999'" in p.message for p in run.problems)


def test_suppression_of_a_rule_that_did_not_run_is_not_called_unused():
    text = "good 1  # halint: ignore[TST101]\n"
    run = lint(one(text), BadKey, select=["HAL001"])
    assert run.problems == []


def test_parse_diagnostics_become_problems_even_when_not_selected():
    diag = Diagnostic("PARSE001", Severity.ERROR, "unknown keyword 'protocoll'", Span("n1/etc/drbd.conf", 1, 1, 1, 10), suggestion="protocol")
    cluster = make_cluster({"n1": {"/etc/drbd.conf": fake_parse("n1/etc/drbd.conf", "protocoll C\n", diagnostics=[diag])}})
    [p] = lint(cluster, BadKey, select=["TST101"]).problems
    assert (p.rule_id, p.rule_name, p.severity) == ("PARSE001", "syntax-error", Severity.ERROR)
    assert p.fix == Edit(diag.span, "protocol")  # one word, one suggestion: a safe fix
    assert lint(cluster, BadKey, ignore=["PARSE"]).problems == []


def test_parse_suggestion_spanning_more_than_a_word_is_not_a_fix():
    diag = Diagnostic("PARSE001", Severity.ERROR, "bad", Span("f", 1, 1, 1, 12), suggestion="protocol")
    cluster = make_cluster({"n1": {"/etc/drbd.conf": fake_parse("f", "protocoll C\n", diagnostics=[diag])}})
    assert lint(cluster).problems[0].fix is None


def test_latin1_source_warning_is_reported_once():
    result = fake_parse("n1/etc/drbd.conf", "x 1\n")
    from elastix_halint.model.record import replace

    result = replace(result, source=replace(result.source, encoding="latin-1", warnings=("line 3: not valid UTF-8; decoded as Latin-1",)))
    run = lint(make_cluster({"n1": {"/etc/drbd.conf": result}}))
    assert [(p.rule_id, p.span.line) for p in run.problems] == [("PARSE004", 3)]


def test_duplicate_findings_are_reported_once():
    class Twice(BadKey):
        id = "TST102"
        name = "twice"

        def check_file(self, model, ctx):
            yield from super().check_file(model, ctx)
            yield from super().check_file(model, ctx)

    assert len(lint(one("bad 1\n"), Twice).problems) == 1


def test_declared_options_have_defaults_and_reject_unknown_keys():
    import pytest

    from elastix_halint.errors import UsageError

    class WithOptions(BadKey):
        id = "TST103"
        name = "with-options"
        options = {"word": "bad"}

        def check_file(self, model, ctx):
            for item in model.items:
                if item.key == ctx.option("word"):
                    yield Finding(item, "configured word")

    assert len(lint(one("bad 1\nugly 2\n"), WithOptions).problems) == 1
    [p] = lint(one("bad 1\nugly 2\n"), WithOptions, options={"with-options": {"word": "ugly"}}).problems
    assert p.span.line == 2
    with pytest.raises(UsageError, match="wrod"):
        lint(one("bad 1\n"), WithOptions, options={"TST103": {"wrod": "x"}})
