from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import FileRule, report_once, resource_label
from elastix_halint.lint.rule import Finding, Severity
from elastix_halint.secrets import is_marker


_SECRET_MAX = 63  # SHARED_SECRET_MAX (64) less the terminating NUL


class SharedSecretTooLong(FileRule):
    """A `shared-secret` longer than DRBD can take (63 characters).

    ## What it checks
    The length of `shared-secret`: at most 63 characters (not checkable on a collected bundle,
    where it is a marker).

    ## Why it matters
    drbd.conf(5) says "up to 64 characters", but the 64 bytes of `SHARED_SECRET_MAX` include the
    terminating NUL: drbdadm 9 stops with "Value is too long. max len: 63", and older versions
    fail when the resource connects, so the nodes never replicate (drbd-utils 9
    `SHARED_SECRET_MAX`, tried with drbd-utils 9.22).

    ## Example
    ```
    shared-secret "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    ```

    ## Fix
    Use a random secret of at most 63 characters.
    """

    id = "DRBD119"
    name = "shared-secret-too-long"
    severity = Severity.ERROR

    @report_once
    def check_file(self, model, ctx):
        for res in model.units(complete=False):
            secret = res.net.get("shared-secret")
            if secret is None or not secret.values or is_marker(secret.values[0].text):
                continue
            length = len(secret.values[0].text)
            if length > _SECRET_MAX:
                yield Finding(secret.values[0].span, f"the `shared-secret` of {resource_label(res)} has {length} characters; "
                                                     f"DRBD accepts at most {_SECRET_MAX}",
                              hint=f"use a random secret of at most {_SECRET_MAX} characters")
