from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import FileRule, handler_of
from elastix_halint.lint.rule import Finding, Severity


class NoSplitBrainNotification(FileRule):
    """No `split-brain` handler: nobody is told about a split brain.

    ## What it checks
    A resource whose `handlers` (own or from `common`) have no `split-brain` entry.

    ## Why it matters
    A split brain shows only as `cs:StandAlone` in /proc/drbd; the nodes keep diverging until
    someone looks, and every hour adds data that must be thrown away on one side
    (drbd.conf(5) "split-brain … should alert someone on duty"; DRBD User's Guide 8.3
    "Manual split brain recovery").

    ## Example
    ```
    resource r0 { ... }      # no handlers { split-brain ...; }
    ```

    ## Fix
    `handlers { split-brain "/usr/lib/drbd/notify-split-brain.sh root"; }`.
    """

    id = "DRBD114"
    name = "no-split-brain-notification"
    severity = Severity.INFO

    def check_file(self, model, ctx):
        for res in model.resources:
            if handler_of(res, "split-brain") is None:
                yield Finding(res.name_span, f"resource `{res.name}` has no `split-brain` handler: a split brain "
                                             f"would go unnoticed",
                              hint='handlers { split-brain "/usr/lib/drbd/notify-split-brain.sh root"; }')
