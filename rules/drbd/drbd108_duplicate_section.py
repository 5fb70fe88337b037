from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import FileRule
from elastix_halint.lint.rule import Finding, Severity
from elastix_halint.model.drbd import HOST_KEYWORDS, SETTING_SECTIONS


class DuplicateSection(FileRule):
    """A section or option written twice where drbdadm expects it once.

    ## What it checks
    Two `net`/`disk`/`syncer`/`startup`/`handlers`/`options` blocks in one resource or in
    `common`; two `global` or `common` sections; two resources of one name; two `on`
    sections for one host. A statement repeated inside one block is reported as a warning
    (the last one wins, the first is dead text).

    ## Why it matters
    drbdadm stops with "… already defined" (drbd-utils `check_upr()`), so nothing starts; a
    repeated option hides which value is in force.

    ## Example
    ```
    resource r0 {
      net { cram-hmac-alg sha1; }
      net { shared-secret "x"; }      # merge into one net section
    }
    ```

    ## Fix
    Merge the blocks; keep one statement of each option.
    """

    id = "DRBD108"
    name = "duplicate-section"
    severity = Severity.ERROR

    def check_file(self, model, ctx):
        yield from self._repeated(model.sections, ("global", "common"), "the top level", lambda s: s.keyword)
        yield from self._repeated([s for s in model.sections if s.keyword == "resource"], ("resource",),
                                  "the configuration", lambda s: f"resource {s.arg_text}")
        for top in model.sections:
            if top.keyword not in ("resource", "common"):
                continue
            where = f"resource `{top.arg_text}`" if top.keyword == "resource" else "`common`"
            yield from self._repeated(top.sections, SETTING_SECTIONS, where, lambda s: s.keyword)
            yield from self._repeated([s for s in top.sections if s.keyword == "on"], ("on",), where,
                                      lambda s: f"on {s.arg_text}")
            for block in top.walk():
                yield from self._repeated_options(block)

    @staticmethod
    def _repeated(sections, keywords, where, key):
        first: dict = {}
        for sec in sections:
            if sec.keyword not in keywords:
                continue
            k = key(sec)
            if k in first and first[k].span != sec.span:
                yield Finding(sec.keyword_span, f"`{k}` is defined twice in {where} (first at line {first[k].span.line})",
                              related=(first[k].keyword_span,), hint="merge the two into one")
            else:
                first[k] = sec

    @staticmethod
    def _repeated_options(block):
        if block.keyword in HOST_KEYWORDS or block.keyword in ("volume", "plugin", "connection", "path"):
            return
        first: dict = {}
        for opt in block.options:
            if opt.name in first:
                yield Finding(opt.name_span, f"`{opt.name}` is set twice in this `{block.keyword}` section "
                                             f"(line {first[opt.name].span.line}); only the last one counts",
                              severity=Severity.WARNING, related=(first[opt.name],), hint="keep one of them")
            else:
                first[opt.name] = opt
