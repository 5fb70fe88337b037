from __future__ import annotations

from elastix_halint.builtin.heartbeat._helpers import HACF
from elastix_halint.lint.rule import Edit, Finding, Rule, Severity


class IllegalDirective(Rule):
    """A directive Heartbeat does not know.

    ## What it checks
    Every directive name of ha.cf against Heartbeat's directive table (ha.cf(5)); a misspelt
    one (`keepalive2`, `dead_time`, `auto_fail_back`) gets its did-you-mean.

    ## Why it matters
    Heartbeat stops at the first unknown name with "Illegal directive [X] in /etc/ha.d/ha.cf"
    and does not start at all: no failover (heartbeat config.c `parse_config`).

    ## Example
    ```
    dead_time 30
    ```

    ## Fix
    Use the directive meant (`deadtime 30`); `halint lint --fix` renames a clear typo.
    """

    id = "HB100"
    name = "illegal-directive"
    severity = Severity.ERROR
    kinds = HACF

    def check_file(self, model, ctx):
        for d in model.unknown:
            fix = Edit(d.name_span, d.suggestion) if d.suggestion else None
            meant = f"; did you mean {d.suggestion!r}?" if d.suggestion else ""
            yield Finding(
                d.name_span,
                f"{d.name!r} is not an ha.cf directive: Heartbeat refuses to start (Illegal directive){meant}",
                hint=f"rename it to {d.suggestion}" if d.suggestion else "remove the line or use a directive of ha.cf(5)",
                fix=fix,
                suggestion=d.suggestion,
            )
