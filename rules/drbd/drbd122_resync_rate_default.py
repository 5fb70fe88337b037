from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import FileRule, fixed_rate, syntax_version
from elastix_halint.lint.rule import Finding, Severity
from elastix_halint.model import drbd_keywords as kw


class ResyncRateDefault(FileRule):
    """The 8.3 default resync rate (250 KiB/s) is in force.

    ## What it checks
    A DRBD 8.3 resource without `rate` in `syncer` (and without the variable-rate controller
    `c-plan-ahead`). When the node's partition sizes were captured, the message says how long
    a full sync of the backing device takes.

    ## Why it matters
    At 250 KiB/s the first sync of a 400 GB /replica partition takes almost three weeks, and so
    does every full resync; the standby stays Inconsistent — useless for failover — the whole
    time (drbd.conf(5) 8.3 "rate … The default is 250 KB/sec").

    ## Example
    ```
    resource r0 { ... }      # no syncer { rate ...; }
    ```

    ## Fix
    `syncer { rate 33M; }` (about 30% of a 1 Gb/s replication link).
    """

    id = "DRBD122"
    name = "resync-rate-default"
    severity = Severity.INFO

    def check_file(self, model, ctx):
        if syntax_version(model, ctx) != kw.V83:
            return
        parts = getattr(getattr(ctx.node, "facts", None), "partitions", None)
        for res in model.resources:
            rate, fixed = fixed_rate(res, kw.V83)
            if rate is not None or not fixed:
                continue
            size = self._largest_disk(res, parts)
            took = ""
            if size:
                days = size / (250 * 1024) / 86400
                took = f"; a full sync of the {size / 1e9:.0f} GB backing disk would take ~{days:.1f} days"
            yield Finding(res.name_span, f"resource `{res.name}` resyncs at the 8.3 default of 250 KiB/s{took}",
                          hint="syncer { rate 33M; }  (about 30% of the replication link)")

    @staticmethod
    def _largest_disk(res, parts) -> int | None:
        if not parts:
            return None
        sizes = [parts[v.disk.rsplit("/", 1)[-1]].size_bytes for h in res.hosts for v in h.volumes
                 if v.disk and v.disk.rsplit("/", 1)[-1] in parts]
        return max(sizes) if sizes else None
