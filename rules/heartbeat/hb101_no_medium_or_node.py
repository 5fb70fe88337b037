from __future__ import annotations

from elastix_halint.builtin.heartbeat._helpers import HACF, file_span
from elastix_halint.lint.rule import Finding, Rule, Severity
from elastix_halint.model.hacf_keywords import COMM_MEDIA


class NoMediumOrNode(Rule):
    """ha.cf has no communication medium or no node.

    ## What it checks
    At least one `bcast`, `mcast`, `mcast6`, `ucast`, `ucast6` or `serial` line, and at least
    one `node` line (not needed with `autojoin any`, which adds the local node itself).

    ## Why it matters
    Heartbeat exits with "No heartbeat media defined" or "no nodes defined": the cluster never
    starts (heartbeat config.c; ha.cf(5) REQUIRED DIRECTIVES).

    ## Example
    ```
    keepalive 2
    deadtime 30
    node alpha
    node beta
    ```

    ## Fix
    Add a path, e.g. `bcast eth1`, and a `node` line for each node's `uname -n`.
    """

    id = "HB101"
    name = "no-medium-or-node"
    severity = Severity.ERROR
    kinds = HACF

    def check_file(self, model, ctx):
        where = model.directives[0] if model.directives else file_span(ctx)
        if not any(d.name in COMM_MEDIA for d in model.directives):
            yield Finding(where, "no heartbeat medium (bcast, mcast, ucast or serial): Heartbeat does not start "
                                 "(No heartbeat media defined)", hint="add e.g. `bcast eth1` and a second path")
        autojoin = model.last_word("autojoin")
        if not model.nodes and not (autojoin and autojoin.text == "any"):
            yield Finding(where, "no `node` directive: Heartbeat does not start (no nodes defined)",
                          hint="add `node NAME` for the `uname -n` of each node")
