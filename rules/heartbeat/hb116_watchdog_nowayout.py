from __future__ import annotations

from elastix_halint.builtin.heartbeat._helpers import HACF
from elastix_halint.lint.rule import Finding, Rule, Severity


class WatchdogNowayout(Rule):
    """A `watchdog` device is configured.

    ## What it checks
    The `watchdog` directive.

    ## Why it matters
    With a watchdog driver built with CONFIG_WATCHDOG_NOWAYOUT (softdog nowayout=1) "even an
    orderly shutdown of heartbeat will trigger a reboot" (heartbeat sample ha.cf `watchdog`).

    ## Example
    ```
    watchdog /dev/watchdog
    ```

    ## Fix
    Load softdog with `nowayout=0`, or be ready for a reboot on every `service heartbeat stop`.
    """

    id = "HB116"
    name = "watchdog-nowayout"
    severity = Severity.INFO
    kinds = HACF

    def check_file(self, model, ctx):
        arg = model.last_word("watchdog")
        if arg is not None:
            yield Finding(arg, f"watchdog {arg.text}: if the driver has nowayout set, stopping heartbeat reboots the node",
                          hint="check `modinfo softdog` / load it with nowayout=0")
