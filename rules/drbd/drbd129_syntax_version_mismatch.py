from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import all_options, gone_from_syncer_in_9, keyword_versions
from elastix_halint.lint.rule import Finding, Rule, Severity
from elastix_halint.model import drbd_keywords as kw


class SyntaxVersionMismatch(Rule):
    """drbd.conf written for another DRBD version than the node runs.

    ## What it checks
    The syntax of drbd.conf against the DRBD module in /proc/drbd: a statement the node's
    drbdadm does not know → error — 8.4 or 9 keywords (`resync-rate`, `volume`, `options`,
    `disk-flushes no`…) on an 8.3 node, 9 syntax (`node-id`, `connection`) on an 8.4 node,
    8.3's `discard-my-data` on 8.4, `max-bio-bvecs` on 9; `syncer { rate }` (and the `c-*`
    controller options) on a DRBD 9 node → error (drbdadm 9 rejects them); other 8.3 syntax on
    an 8.4/9 node → warning (drbdadm converts it, with changed meaning: the default
    `c-plan-ahead 20` makes `resync-rate` only a starting value).

    ## Why it matters
    After an upgrade (e.g. Elastix 2.x on CentOS 5 drbd83 → CentOS 6 drbd84) the old file is
    either rejected — nothing starts — or silently means something else (drbd-utils 8.4
    `check_and_change_deprecated_alias`, `parse_options_syncer`).

    ## Example
    ```
    syncer { rate 100M; }     # on a node whose /proc/drbd says version: 8.4.11
    ```

    ## Fix
    Rewrite the file for the installed version (drbd.conf(5) of that version lists the renames).
    """

    id = "DRBD129"
    name = "syntax-version-mismatch"
    severity = Severity.WARNING
    scope = "node"
    needs = ("drbd", "procdrbd")

    def check_node(self, node, ctx):
        model, module = node.drbd, node.drbd_module_version
        if model.version is None or module not in kw.VERSIONS:
            return
        proc = node.facts.procdrbd
        related = (proc.span,) if proc.span else ()
        runs = f"the node runs DRBD {proc.version}"
        gone_in_9 = next((opt for opt, d in all_options(model) if gone_from_syncer_in_9(opt, d)), None)
        unknown = _first_unknown_to(model, module)
        if unknown is not None:
            yield Finding(_head(unknown), f"`{_word(unknown)}` is not DRBD {module} syntax (the file is written for DRBD "
                                          f"{model.version}) but {runs}: its drbdadm rejects the file",
                          severity=Severity.ERROR, related=related,
                          hint=f"write the configuration in DRBD {module} syntax")
        elif module == kw.V9 and gone_in_9 is not None:
            yield Finding(gone_in_9.name_span, f"`syncer {{ {gone_in_9.name} }}` is DRBD 8 syntax but {runs}: drbdadm 9 "
                                               f"rejects it", severity=Severity.ERROR, related=related,
                          hint="move it to `disk` (`resync-rate`, `c-*`)")
        elif model.version == kw.V83 and module != kw.V83:
            where = _first_83_syntax(model)
            rate = next((o for o, _d in all_options(model) if o.section == "syncer" and o.name == "rate"), None)
            change = (", and `rate` becomes only the starting value of the dynamic resync controller "
                      "(`c-plan-ahead` defaults to 20)") if rate is not None else ""
            yield Finding(_head(where), f"`{_word(where)}` is DRBD 8.3 syntax but {runs}: drbdadm converts it{change}",
                          related=related, hint=f"rewrite the configuration in DRBD {module} syntax")


def _head(node):
    """The keyword of a statement or block: where a finding about its syntax points."""
    return getattr(node, "name_span", None) or node.keyword_span


def _word(node) -> str:
    return getattr(node, "name", None) or getattr(node, "keyword", "")


def _first_unknown_to(model, module):
    """The first statement or block the DRBD ``module`` version does not know."""
    for opt, definition in all_options(model):
        versions = keyword_versions(opt, definition)
        if versions is not None and module not in versions:
            return opt
    for top in model.sections:
        for parent in top.walk():
            for sec in parent.sections:
                allowed = kw.section_versions(parent.keyword, sec.keyword)
                if allowed is not None and module not in allowed:
                    return sec
    return None


def _first_83_syntax(model):
    """Where a file shows 8.3 syntax: a `syncer` section, an 8.3-only statement, `protocol` at
    resource level."""
    for top in model.sections:
        for sec in top.walk():
            if sec.keyword == "syncer":
                return sec
    for opt, definition in all_options(model):
        if definition is not None and definition.versions == frozenset({kw.V83}) or (
                opt.name == "protocol" and opt.section == "resource"):
            return opt
    return model.sections[0]
