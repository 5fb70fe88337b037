"""Meta rules: about the lint run itself rather than the cluster.

PARSE001..PARSE004 document the parser diagnostics, which the engine reports under these IDs
(so they can be explained, selected and given a severity like any rule); HAL001 reports
suppression comments that silence nothing.
"""

from __future__ import annotations

from elastix_halint.diagnostics import ENCODING_WARNING, INCLUDE_ERROR, SYNTAX_ERROR, VALUE_ERROR
from elastix_halint.lint.rule import Finding, Rule, Severity


class _ParserDiagnostic(Rule):
    """Base of the parser-diagnostic rules: the engine reports them, the rule only documents."""

    scope = "run"

    def check_run(self, run, ctx):
        return ()


class SyntaxError_(_ParserDiagnostic):
    """The file does not follow the grammar of its kind.

    ## What it checks
    Every line of drbd.conf (with its includes), ha.cf, authkeys, haresources and /etc/hosts
    against the grammar of that file kind: unknown keywords, missing `;` or `}`, stray tokens.

    ## Why it matters
    `drbdadm` refuses a whole configuration that does not parse ("config invalid", exit 10), so
    `/etc/init.d/drbd start` does nothing and Heartbeat's `drbddisk` then fails on failover;
    Heartbeat stops at the first bad ha.cf directive. (drbdadm `pe_expected()`; ha.cf(5).)

    ## Example
    ```
    resource r0 {
      protocoll C;     # misspelt keyword
    }
    ```

    ## Fix
    Correct the text at the caret. When the linter shows a single "did you mean" for a keyword,
    `halint lint --fix` replaces that word and nothing else.
    """

    id = SYNTAX_ERROR
    name = "syntax-error"
    severity = Severity.ERROR


class ValueError_(_ParserDiagnostic):
    """A value cannot be understood (size, time, address, number).

    ## What it checks
    Values the grammar accepts but that cannot be read as what the keyword expects: sizes with
    an unknown suffix, times, IP addresses and ports, numbers.

    ## Why it matters
    drbdadm and Heartbeat reject such values when they start (drbdadm `range_check()`,
    Heartbeat's `ha.cf` parser), which is usually discovered during a failover.

    ## Example
    ```
    syncer { rate 10mb; }   # the unit is M, not mb
    ```

    ## Fix
    Write the value in the form the keyword takes (see the message and KEYWORDS of the tool).
    """

    id = VALUE_ERROR
    name = "value-error"
    severity = Severity.ERROR


class IncludeError(_ParserDiagnostic):
    """An include names a missing file, or includes loop.

    ## What it checks
    Each `include` of drbd.conf resolves to at least one readable file, and no file includes
    itself through a chain of includes.

    ## Why it matters
    drbdadm stops on an include it cannot read, so every resource of the node is left down;
    an include cycle never finishes. (drbd.conf(5) "include".)

    ## Example
    ```
    include "drbd.d/*.res";   # but /etc/drbd.d is empty or missing
    ```

    ## Fix
    Point the include at the files that exist (the Elastix layout keeps everything in
    /etc/drbd.conf), or copy the missing files from the other node.
    """

    id = INCLUDE_ERROR
    name = "include-error"
    severity = Severity.ERROR


class EncodingWarning(_ParserDiagnostic):
    """The file is not UTF-8; it was read as Latin-1.

    ## What it checks
    Every file is decoded as UTF-8; when that fails it is read as Latin-1 and this warning
    says where the first undecodable byte is.

    ## Why it matters
    Non-UTF-8 bytes usually come from a comment typed on another console; they are harmless to
    drbdadm but break editors, diffs between nodes and tools that compare the two nodes' files.

    ## Example
    ```
    # configuraci<byte 0xF3>n del nodo primario   (typed on a Latin-1 console)
    ```

    ## Fix
    Convert the file: `iconv -f latin1 -t utf-8 FILE > FILE.new && mv FILE.new FILE`.
    """

    id = ENCODING_WARNING
    name = "not-utf8"
    severity = Severity.WARNING


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


RULES = [SyntaxError_, ValueError_, IncludeError, EncodingWarning, UnusedSuppression]
