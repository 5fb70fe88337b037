from __future__ import annotations

from elastix_halint.builtin.heartbeat._helpers import HACF, file_span
from elastix_halint.lint.rule import Finding, Rule, Severity


class AutoFailbackMissing(Rule):
    """`auto_failback` is not set (Heartbeat's deprecated `legacy` default).

    ## What it checks
    An `auto_failback` directive is present (and not `legacy`).

    ## Why it matters
    Without it Heartbeat runs the deprecated `legacy` mode and logs "Deprecated 'legacy'
    auto_failback option selected"; the sample ha.cf: "make sure you put an auto_failback
    directive in your ha.cf file" (heartbeat config.c; heartbeat doc/ha.cf).

    ## Example
    ```
    node alpha
    node beta
    # no auto_failback
    ```

    ## Fix
    `auto_failback off` (recommended with DRBD, see HB112).
    """

    id = "HB111"
    name = "auto-failback-missing"
    severity = Severity.WARNING
    kinds = HACF

    def check_file(self, model, ctx):
        value = model.auto_failback
        if value is None and model.pacemaker is not True:
            yield Finding(model.directives[0] if model.directives else file_span(ctx),
                          "no auto_failback directive: Heartbeat uses the deprecated legacy mode",
                          hint="add `auto_failback off`")
        elif value == "legacy":
            yield Finding(model.last_word("auto_failback"), "auto_failback legacy is deprecated",
                          hint="use `auto_failback off`")
