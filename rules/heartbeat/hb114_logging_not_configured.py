from __future__ import annotations

from elastix_halint.builtin.heartbeat._helpers import HACF
from elastix_halint.lint.rule import Finding, Rule, Severity


class LoggingNotConfigured(Rule):
    """No logging configured, or `debug` 2 or more.

    ## What it checks
    None of `logfile`, `debugfile`, `logfacility`, `use_logd`; or `debug` ≥ 2.

    ## Why it matters
    Without logs there is no post-mortem of a failover; a high debug level "can have an
    adverse effect … on the system's ability to send heartbeats at rapid rates" (ha.cf(5) "debug").

    ## Example
    ```
    debug 3
    ```

    ## Fix
    `logfacility local0` (and/or `logfile /var/log/ha-log`), `debug 0`.
    """

    id = "HB114"
    name = "logging-not-configured"
    severity = Severity.INFO
    kinds = HACF

    def check_file(self, model, ctx):
        if not any(model.all(n) for n in ("logfile", "debugfile", "logfacility", "use_logd")) and model.directives:
            yield Finding(model.directives[0], "no logfile, logfacility or use_logd: failovers leave no log",
                          hint="add `logfacility local0` or `logfile /var/log/ha-log`")
        debug = model.debug
        if debug is not None and debug >= 2:
            yield Finding(model.last_word("debug"), f"debug {debug} slows heartbeat sending under load",
                          hint="use `debug 0` (or 1) in production")
