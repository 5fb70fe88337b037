from __future__ import annotations

import re

from elastix_halint.builtin.drbd._helpers import FileRule, report_once, resource_label
from elastix_halint.lint.rule import Finding, Severity


_BBU = re.compile(r"\b(bbu|bbwc|fbwc|battery|flash[- ]backed|nvram|non-volatile)\b", re.IGNORECASE)


class UnsafeWriteOrdering(FileRule):
    """Write-ordering safeguards switched off.

    ## What it checks
    `no-disk-drain` (8.3) / `disk-drain no`; `no-disk-flushes` together with `no-md-flushes`
    (or `disk-flushes no; md-flushes no;`) unless a comment in the configuration mentions a
    battery/flash-backed write cache (BBU, BBWC, FBWC, NVRAM).

    ## Why it matters
    "Do not use no-disk-drain … may result in write-reordering … data corruption"; without
    flushes a volatile disk cache loses acknowledged writes on power failure, on both nodes
    at once when both lose power (drbd.conf(5) "no-disk-barrier, no-disk-flushes,
    no-disk-drain").

    ## Example
    ```
    disk { no-disk-flushes; no-md-flushes; }
    ```

    ## Fix
    Remove them, unless the controller has a battery-backed write cache (say so in a comment).
    """

    id = "DRBD125"
    name = "unsafe-write-ordering"
    severity = Severity.WARNING

    @report_once
    def check_file(self, model, ctx):
        battery = any(_BBU.search(c.text) for c in model.comments)
        for res in model.units(complete=False):
            drain = res.effective("disk", "disk-drain")
            if drain is not None and drain.normalised is False:
                written = f"{drain.name} {drain.text}".strip()
                yield Finding(drain.name_span, f"{resource_label(res)} turns off disk drain (`{written}`): writes may be "
                                               f"reordered and data corrupted", hint="remove it")
            flushes = res.effective("disk", "disk-flushes")
            md = res.effective("disk", "md-flushes")
            if (not battery and flushes is not None and md is not None and flushes.normalised is False
                    and md.normalised is False):
                yield Finding(flushes.name_span, f"{resource_label(res)} turns off disk and meta-data flushes: a power loss "
                                                 f"loses acknowledged writes unless the write cache is battery-backed",
                              related=(md,), hint="remove them, or note the battery-backed cache in a comment")
