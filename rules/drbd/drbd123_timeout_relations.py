from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import FileRule, report_once, setting_of, syntax_version
from elastix_halint.lint.rule import Finding, Severity


class TimeoutRelations(FileRule):
    """Timeouts that contradict each other.

    ## What it checks
    `timeout` (tenths of a second) below `connect-int`×10 and `ping-int`×10; `ping-timeout`
    below `timeout`; `degr-wfc-timeout` not above `wfc-timeout` when `wfc-timeout` is not 0;
    `outdated-wfc-timeout` not above `degr-wfc-timeout`. Defaults count for options not written;
    only relations involving at least one written value are reported.

    ## Why it matters
    "This must be lower than connect-int and ping-int" (drbd.conf(5) "timeout"): otherwise a
    dead peer is noticed late or a live one declared dead. drbdsetup silently replaces a
    `degr-wfc-timeout` longer than `wfc-timeout` ("degr-wfc-timeout has to be shorter than
    wfc-timeout … implicitly set to wfc-timeout", LINBIT/linstor-server#423), so the written
    value never applies.

    ## Example
    ```
    startup { wfc-timeout 10; degr-wfc-timeout 30; }    # 30 is silently cut to 10
    ```

    ## Fix
    Keep the defaults, or make the shorter timeout the shorter one (`wfc-timeout 30;
    degr-wfc-timeout 10;`).
    """

    id = "DRBD123"
    name = "timeout-relations"
    severity = Severity.WARNING

    @report_once
    def check_file(self, model, ctx):
        version = syntax_version(model, ctx)
        for res in model.units(complete=False):
            get = lambda section, name: setting_of(res, section, name, version)  # noqa: E731
            timeout = get("net", "timeout")
            for other in ("connect-int", "ping-int"):
                yield from self._pair(timeout, get("net", other), 10, "`timeout` (in tenths of a second) must be lower "
                                      f"than `{other}`")
            yield from self._pair(get("net", "ping-timeout"), timeout, 1, "`ping-timeout` must be lower than `timeout`")
            wfc = get("startup", "wfc-timeout")
            degr = get("startup", "degr-wfc-timeout")
            if wfc[0]:
                yield from self._pair(degr, wfc, 1, "`degr-wfc-timeout` longer than `wfc-timeout` is cut to it by "
                                      "drbdsetup", strict=False)
            outdated = get("startup", "outdated-wfc-timeout")
            if degr[0] and outdated[1] is not None:
                yield from self._pair(outdated, degr, 1, "`outdated-wfc-timeout` should not exceed `degr-wfc-timeout`",
                                      strict=False)

    @staticmethod
    def _pair(low, high, factor, message, strict=True):
        """``low`` must be below ``high``×factor (or at most, when not ``strict``)."""
        (lv, lo), (hv, ho) = low, high
        if lv is None or hv is None or (lo is None and ho is None):
            return
        bad = lv >= hv * factor if strict else lv > hv * factor
        if bad:
            where = lo or ho
            shown = " and ".join(f"`{o.name} {o.text}`" for o in (lo, ho) if o is not None)
            yield Finding(where.values[0].span if where.values else where, f"{message} ({shown})",
                          related=tuple(o for o in (lo, ho) if o is not None and o is not where),
                          hint="keep the defaults or swap the values")
