from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import FileRule, all_options, number_of, syntax_version
from elastix_halint.lint.rule import Finding, Severity


class ValueOutOfRange(FileRule):
    """A number outside the range the DRBD version accepts.

    ## What it checks
    Every numeric option (timeouts, intervals, `al-extents`, `max-buffers`, rates, sizes…)
    against drbdadm's minimum and maximum for the detected version, e.g. `al-extents` 7..3833
    in 8.3, `timeout` 1..600 (tenths of a second), `ping-timeout` 1..100 in 8.3,
    `connect-int`/`ping-int` 1..120 s, `rate` up to 4194304 KiB/s. Unreadable numbers and
    lower-case suffixes are reported by the parser (PARSE002).

    ## Why it matters
    drbdadm's `range_check()` rejects the whole configuration, so no resource starts and
    Heartbeat cannot bring DRBD up (drbd-utils `range_check()`, `linux/drbd_limits.h`).

    ## Example
    ```
    net { timeout 1000; }     # max 600 (60 s)
    ```

    ## Fix
    Use a value inside the range (see drbd.conf(5) of your version; leave the default when in
    doubt).
    """

    id = "DRBD101"
    name = "value-out-of-range"
    severity = Severity.ERROR

    def check_file(self, model, ctx):
        version = syntax_version(model, ctx)
        for opt, definition in all_options(model):
            value = number_of(opt)
            if definition is None or value is None or not opt.values:
                continue
            bounds = definition.bounds(version)
            if bounds is None or bounds[0] <= value <= bounds[1]:
                continue
            low, high = definition.range_for(version)[:2]
            unit = _written_unit(definition)
            where = f"DRBD {version}" if version else "drbdadm"
            yield Finding(opt.values[0].span,
                          f"`{opt.name} {opt.values[0].text}` is outside {low}..{high}{unit} accepted by {where}",
                          hint=f"use a value between {low} and {high}{unit}")


def _written_unit(definition) -> str:
    if definition.type in ("size", "rate"):
        scale = {"k": " KiB", "s": " sectors", "1": " bytes"}.get(definition.scale, "")
        return scale + ("/s" if definition.type == "rate" else "")
    return {"0.1s": " (tenths of a second)", "s": " s", "ms": " ms"}.get(definition.unit or "", "")
