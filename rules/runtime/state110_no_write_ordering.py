from __future__ import annotations

from elastix_halint.builtin.runtime._helpers import MinorRule, minor_where
from elastix_halint.lint.rule import Finding, Severity


class NoWriteOrdering(MinorRule):
    """DRBD runs without any write ordering (`wo:n`).

    ## What it checks
    The `wo:` field of /proc/drbd is `n` (none).

    ## Why it matters
    With no barriers, flushes or drain, writes may reach the disk out of order: after a power
    loss the filesystem or MySQL's journal can be corrupt unless the controller cache is
    battery-backed (drbd.conf(5): "The letter after wo: in /proc/drbd indicates which method
    is currently in use").

    ## Example
    ```
        ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:n oos:0
    ```

    ## Fix
    Remove `no-disk-barrier`/`no-disk-flushes`/`no-disk-drain` (8.3) or `disk-… no` (8.4)
    unless the disks have a battery-backed write cache.
    """

    id = "STATE110"
    name = "no-write-ordering"
    severity = Severity.INFO

    def check(self, node, minor, res, label, ctx):
        if minor.write_ordering == "n":
            yield Finding(minor.counters_span or minor, f"{minor_where(minor, label, node)} uses no write ordering (wo:n)",
                          hint="keep flushes (or drain) unless the write cache is battery-backed")
