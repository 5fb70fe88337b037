from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import FileRule, syntax_version
from elastix_halint.lint.rule import Finding, Severity
from elastix_halint.model import drbd_keywords as kw


class MetaDiskForm(FileRule):
    """`meta-disk` written in a form drbdadm rejects, or one index used twice.

    ## What it checks
    `meta-disk internal [N]` (no index with internal); in 8.3, `meta-disk /dev/x` without
    `[N]` (that form is `flexible-meta-disk`); the same external meta-data device and index
    used by two volumes of one host.

    ## Why it matters
    drbdadm rejects the first two; with a shared index two resources write their meta-data
    (activity log, bitmap, generation UUIDs) over each other and both are corrupted
    (drbd-utils 8.3 `check_meta_disk()`; drbd.conf(5) "meta-disk").

    ## Example
    ```
    meta-disk internal [0];
    ```

    ## Fix
    `meta-disk internal;` for the usual Elastix layout, or a distinct index per resource on an
    external meta-data device.
    """

    id = "DRBD105"
    name = "meta-disk-form"
    severity = Severity.ERROR

    def check_file(self, model, ctx):
        version = syntax_version(model, ctx)
        used: dict = {}
        for res in model.resources:
            for host in res.hosts:
                for vol in host.volumes:
                    opt = vol.option("meta-disk") or vol.option("flexible-meta-disk")
                    if opt is None or vol.meta_disk is None:
                        continue
                    if vol.meta_disk == "internal" and vol.meta_index is not None:
                        yield Finding(opt, "`meta-disk internal` takes no `[index]`", hint="write `meta-disk internal;`")
                    elif (vol.meta_disk not in ("internal",) and vol.meta_index is None and opt.name == "meta-disk"
                          and version == kw.V83):
                        yield Finding(opt, f"DRBD 8.3 needs an index with an external meta-disk: `meta-disk {vol.meta_disk} [0];`",
                                      hint="add `[N]`, or write `flexible-meta-disk` for a device of its own")
                    elif vol.meta_index is not None:
                        for name in host.names or (host.keyword,):
                            key = (name, vol.meta_disk, vol.meta_index)
                            if key in used:
                                yield Finding(opt, f"meta-data index {vol.meta_index} of {vol.meta_disk} on {name} "
                                                   f"is already used at line {used[key].span.line}",
                                              related=(used[key],), hint="give each resource its own index")
                            else:
                                used[key] = opt
