from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import FileRule, resource_label, syntax_version
from elastix_halint.lint.rule import Finding, Severity
from elastix_halint.model import drbd_keywords as kw


class MissingProtocol(FileRule):
    """A DRBD 8.3 resource without a replication protocol.

    ## What it checks
    In 8.3 syntax, each resource needs `protocol A|B|C;` in the resource or in `common`
    (8.4 and later default to C).

    ## Why it matters
    drbdadm 8.3 stops with `protocol definition missing.` and the configuration is invalid:
    nothing starts (drbd-utils 8.3 `drbdadm_main.c` `validate_resource`).

    ## Example
    ```
    resource r0 {          # no protocol anywhere
      on alpha { ... }
    }
    ```

    ## Fix
    Add `protocol C;` to the resource (or to `common`).
    """

    id = "DRBD103"
    name = "missing-protocol"
    severity = Severity.ERROR

    def check_file(self, model, ctx):
        if syntax_version(model, ctx) != kw.V83:
            return
        for res in model.resources:
            if res.protocol is None:
                yield Finding(res.name_span, f"{resource_label(res)} has no `protocol` (DRBD 8.3 requires one)",
                              hint="add `protocol C;` to the resource or to `common`")
