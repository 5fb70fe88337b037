from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import FileRule, all_options, syntax_version
from elastix_halint.lint.rule import Finding, Severity
from elastix_halint.model import drbd_keywords as kw


class LeftoverRecoveryOption(FileRule):
    """`discard-my-data` or `data-integrity-alg` left in the configuration.

    ## What it checks
    `discard-my-data` in a `net` section; `data-integrity-alg` anywhere.

    ## Why it matters
    `discard-my-data` makes this node throw its data away on every connect (it is meant for one
    `drbdadm -- --discard-my-data connect` after a split brain); `data-integrity-alg` costs CPU
    on every write and disconnects and resyncs on false positives — "We suggest to use the
    data-integrity-alg only during a pre-production phase" (drbd.conf(5) "NOTES ON DATA
    INTEGRITY").

    ## Example
    ```
    net { discard-my-data; }
    ```

    ## Fix
    Remove it; for split-brain recovery use the command-line option once.
    """

    id = "DRBD126"
    name = "leftover-recovery-option"
    severity = Severity.WARNING

    def check_file(self, model, ctx):
        # From 8.4 on drbdadm rejects `discard-my-data` in the file: DRBD100 reports that.
        accepted = syntax_version(model, ctx) in (kw.V83, None)
        for opt, _definition in all_options(model):
            if opt.section != "net":
                continue
            if opt.name == "discard-my-data" and opt.normalised is not False and accepted:
                yield Finding(opt.name_span, "`discard-my-data` in the configuration discards this node's data on "
                                             "every connect", hint="remove it; use `drbdadm -- --discard-my-data connect` once")
            elif opt.name == "data-integrity-alg":
                yield Finding(opt.name_span, f"`data-integrity-alg {opt.text}` is meant for testing: it costs CPU and "
                                             f"disconnects on false positives", hint="remove it in production")
