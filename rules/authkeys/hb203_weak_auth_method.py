from __future__ import annotations

from elastix_halint.builtin.authkeys._helpers import AUTHKEYS
from elastix_halint.lint.rule import Finding, Rule, Severity
from elastix_halint.model.authkeys import METHODS


class WeakAuthMethod(Rule):
    """The key in use is `crc` (no authentication) or `md5`.

    ## What it checks
    The method of the key that `auth N` selects: `crc` is an error (it authenticates
    nothing), `md5` a warning (use `sha1`).

    ## Why it matters
    "crc adds no security … Use only on physically secure networks"; crc "is insecure; it's
    use is strongly discouraged" (heartbeat doc/authkeys, authkeys(5)): anyone reaching the
    heartbeat network can send `hb_standby`/takeover messages and move or stop the services.

    ## Example
    ```
    auth 2
    2 crc
    ```

    ## Fix
    `auth 1` / `1 sha1 <random key>` (e.g. `dd if=/dev/urandom count=4 2>/dev/null | md5sum`).
    """

    id = "HB203"
    name = "weak-auth-method"
    severity = Severity.WARNING
    kinds = AUTHKEYS

    def check_file(self, model, ctx):
        key = model.selected
        if key is None or key.method not in METHODS or key.method == "sha1":
            return
        crc = key.method == "crc"
        yield Finding(key.method_span, f"auth {key.index} selects {key.method}: "
                                       + ("no authentication at all, anyone on the network can forge cluster messages"
                                          if crc else "md5 is weaker than sha1"),
                      severity=Severity.ERROR if crc else None, hint=f"use `{key.index} sha1 <random key>`")
