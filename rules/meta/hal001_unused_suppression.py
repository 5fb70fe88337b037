from __future__ import annotations

from elastix_halint.lint.rule import Finding, Rule, Severity


class UnusedSuppression(Rule):
    """A `# halint: ignore[...]` comment suppresses nothing.

    ## What it checks
    Each rule ID or name in a `# halint: ignore[ID,...]` comment must silence at least one
    finding of a rule that ran, on that line or in the block that line opens; unknown IDs are
    reported too.

    ## Why it matters
    Stale suppressions hide the next real problem on that line: once the original finding is
    fixed, the comment still silences the rule for whatever comes later (same reasoning as
    ruff's RUF100 "unused noqa").

    ## Example
    ```
    protocol C;  # halint: ignore[DRBD103]   (DRBD103 is about a *missing* protocol)
    ```

    ## Fix
    Delete the ID from the comment, or the whole comment when it lists nothing else.
    """

    id = "HAL001"
    name = "unused-suppression"
    severity = Severity.INFO
    scope = "run"

    def check_run(self, run, ctx):
        for comment, ref, why in run.unused_suppressions:
            if why == "unknown":
                yield Finding(comment, f"suppression names unknown rule '{ref}'", hint="see `halint rules`")
            else:
                yield Finding(comment, f"suppression of {ref} matches no finding here", hint=f"remove '{ref}' from the comment")
