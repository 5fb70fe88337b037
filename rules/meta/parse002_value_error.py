from __future__ import annotations

from elastix_halint.builtin.meta._helpers import ParserDiagnostic
from elastix_halint.diagnostics import VALUE_ERROR
from elastix_halint.lint.rule import Severity


class ValueError_(ParserDiagnostic):
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
