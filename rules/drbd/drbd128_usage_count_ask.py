from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import FileRule
from elastix_halint.lint.rule import Finding, Severity


class UsageCountAsk(FileRule):
    """`usage-count ask`, or no `usage-count` (the default is ask).

    ## What it checks
    `global { usage-count ask; }`, or a complete configuration (one that has a `global`
    section, or whose entry point is drbd.conf) without `usage-count`.

    ## Why it matters
    drbdadm then asks on the terminal whether to report to LINBIT's usage counter; an upgrade or
    a first run from a script can wait for an answer nobody gives (drbd.conf(5)
    "usage-count").

    ## Example
    ```
    global { usage-count ask; }
    ```

    ## Fix
    `global { usage-count no; }` (or `yes`).
    """

    id = "DRBD128"
    name = "usage-count-ask"
    severity = Severity.INFO

    def check_file(self, model, ctx):
        opt = model.global_option("usage-count")
        if opt is not None:
            if opt.value == "ask":
                yield Finding(opt.values[0].span, "`usage-count ask` makes drbdadm prompt on the terminal",
                              hint="usage-count no;")
            return
        if model.global_ is not None:
            yield Finding(model.global_.keyword_span, "no `usage-count` in `global`: drbdadm asks (the default)",
                          hint="global { usage-count no; }")
        elif model.resources and model.files and model.files[0].rsplit("/", 1)[-1] == "drbd.conf" and not model.includes:
            first = model.sections[0] if model.sections else None
            yield Finding(first.keyword_span if first else None,
                          "no `global { usage-count …; }`: drbdadm asks (the default)",
                          hint="global { usage-count no; }")
