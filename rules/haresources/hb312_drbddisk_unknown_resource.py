from __future__ import annotations

from elastix_halint.builtin.haresources._helpers import HARESOURCES
from elastix_halint.lint.rule import Finding, Rule, Severity
from elastix_halint.model.haresources import ALL_RESOURCES


class DrbddiskUnknownResource(Rule):
    """`drbddisk::R` names a resource drbd.conf does not define.

    ## What it checks
    Each `drbddisk::R` against the resources of the node's drbd.conf (with its includes).

    ## Why it matters
    drbddisk runs `drbdadm primary R`; for an unknown R it fails ("'R' not defined in your
    config"), the group stops there and the failover leaves /replica unmounted
    (heartbeat drbddisk resource script).

    ## Example
    ```
    node1 drbddisk::rO Filesystem::/dev/drbd0::/replica::ext3     # drbd.conf: resource r0
    ```

    ## Fix
    Use the resource name of drbd.conf (`drbddisk::r0`).
    """

    id = "HB312"
    name = "drbddisk-unknown-resource"
    severity = Severity.ERROR
    kinds = HARESOURCES

    def check_file(self, model, ctx):
        defined = [r.name for r in ctx.node.drbd_resources]
        if not defined:
            return
        from elastix_halint.parsing.larkkit import suggest

        for g in model.groups:
            for _i, name, res in g.drbddisk_names:
                if name != ALL_RESOURCES and name not in defined:
                    meant = suggest(name, defined)
                    yield Finding(res.part_span(name), f"drbddisk::{name}: drbd.conf defines no resource {name!r} "
                                                        f"(resources: {', '.join(defined)})",
                                  suggestion=meant, hint=f"use drbddisk::{meant}" if meant else "use a resource of drbd.conf")
