from __future__ import annotations

from elastix_halint.builtin.meta._helpers import ParserDiagnostic
from elastix_halint.diagnostics import SYNTAX_ERROR
from elastix_halint.lint.rule import Severity


class SyntaxError_(ParserDiagnostic):
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
