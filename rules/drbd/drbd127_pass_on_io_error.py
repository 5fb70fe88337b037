from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import FileRule, report_once, resource_label, syntax_version
from elastix_halint.lint.rule import Finding, Severity
from elastix_halint.model import drbd_keywords as kw


class PassOnIoError(FileRule):
    """`on-io-error pass_on`: a failing disk keeps being used (the 8.3 default).

    ## What it checks
    `on-io-error pass_on` written, or no `on-io-error` at all in DRBD 8.3 (where `pass_on` is
    the default).

    ## Why it matters
    With `pass_on` the primary keeps serving from a disk that returns errors and passes them
    to the file system, instead of detaching it and continuing from the peer's good copy;
    `detach` is the recommended setting and the 8.4 default (drbd.conf(5) "on-io-error";
    drbd-utils 8.4 `DRBD_ON_IO_ERROR_DEF EP_DETACH`).

    ## Example
    ```
    disk { on-io-error pass_on; }
    ```

    ## Fix
    `disk { on-io-error detach; }`.
    """

    id = "DRBD127"
    name = "pass-on-io-error"
    severity = Severity.INFO

    @report_once
    def check_file(self, model, ctx):
        version = syntax_version(model, ctx)
        for res in model.units(complete=False):
            opt = res.disk.get("on-io-error")
            if opt is not None and opt.value == "pass_on":
                yield Finding(opt.values[0].span, f"{resource_label(res)} passes disk errors on instead of detaching the disk",
                              hint="disk { on-io-error detach; }")
            elif opt is None and version == kw.V83 and res.hosts:
                yield Finding(res.name_span, f"resource `{res.name}` has no `on-io-error`: DRBD 8.3 defaults to pass_on",
                              hint="disk { on-io-error detach; }")
