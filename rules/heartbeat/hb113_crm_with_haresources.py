from __future__ import annotations

from elastix_halint.builtin.heartbeat._helpers import HACF
from elastix_halint.lint.rule import Finding, Rule, Severity


class CrmWithHaresources(Rule):
    """CRM/Pacemaker mode is on while haresources lists resources.

    ## What it checks
    `crm`/`pacemaker` set to anything but off while the node's haresources has groups.

    ## Why it matters
    In CRM mode Heartbeat ignores haresources (resources must be in the CIB): nothing starts
    and the Elastix HOWTO setup has no services (ha.cf(5) "crm").

    ## Example
    ```
    crm yes
    ```

    ## Fix
    Remove the `crm`/`pacemaker` line (R1 mode) or move the resources into Pacemaker.
    """

    id = "HB113"
    name = "crm-with-haresources"
    severity = Severity.ERROR
    kinds = HACF

    def check_file(self, model, ctx):
        node = ctx.node
        if model.pacemaker and node is not None and node.haresources is not None and node.haresources.groups:
            yield Finding(model.crm, f"{model.crm.name} {model.crm.value} makes Heartbeat ignore haresources: "
                                     f"its {len(node.haresources.groups)} group(s) never start",
                          hint="remove the crm/pacemaker line, or configure the resources in the CIB")
