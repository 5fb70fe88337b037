from __future__ import annotations

from elastix_halint.builtin.meta._helpers import ParserDiagnostic
from elastix_halint.diagnostics import INCLUDE_ERROR
from elastix_halint.lint.rule import Severity


class IncludeError(ParserDiagnostic):
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
