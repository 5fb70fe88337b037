from __future__ import annotations

from elastix_halint.builtin.runtime._helpers import MinorRule, minor_where
from elastix_halint.lint.rule import Finding, Severity


class OutOfSyncBlocks(MinorRule):
    """Connected and idle, but blocks are known to be out of sync.

    ## What it checks
    `oos:` greater than 0 while `cs:Connected` (not resyncing).

    ## Why it matters
    Blocks that differ between the nodes (found by `drbdadm verify`, or left by a
    disconnect) stay different until a resync: a failover would expose them ("oos: known
    out-of-sync kB", /proc/drbd; drbd.conf(5) "NOTES ON DATA INTEGRITY").

    ## Example
    ```
        ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:b oos:2048
    ```

    ## Fix
    `drbdadm disconnect r0; drbdadm connect r0` resyncs the out-of-sync blocks.
    """

    id = "STATE104"
    name = "out-of-sync-blocks"
    severity = Severity.WARNING

    def check(self, node, minor, res, label, ctx):
        oos = minor.out_of_sync_kib
        if minor.cs == "Connected" and oos:
            yield Finding(minor.counters_span or minor, f"{minor_where(minor, label, node)}: {oos} KiB known out of sync "
                                                        "while connected and not resyncing",
                          hint=f"`drbdadm disconnect {label}; drbdadm connect {label}` to resync them")
