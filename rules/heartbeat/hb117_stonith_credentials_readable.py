from __future__ import annotations

from elastix_halint.builtin.heartbeat._helpers import HACF
from elastix_halint.lint.rule import Finding, Rule, Severity


# STONITH device types whose parameters are host names, not credentials.
_NO_CREDENTIALS = ("null", "ssh", "external/ssh", "meatware", "suicide", "external/sbd")


class StonithCredentialsReadable(Rule):
    """`stonith_host` credentials in a world-readable ha.cf.

    ## What it checks
    A `stonith_host` line with device parameters (passwords) while the captured mode of
    /etc/ha.d/ha.cf lets others read it.

    ## Why it matters
    Anyone on the node can read the power-switch password and power-cycle the nodes: "if you
    … make this file publically readable, you're asking for a denial of service attack"
    (heartbeat sample ha.cf).

    ## Example
    ```
    stonith_host * apcmaster 10.0.0.9 apc <password>     # ha.cf mode 644
    ```

    ## Fix
    `chmod 600 /etc/ha.d/ha.cf`, or use `stonith TYPE FILE` with a root-only file.
    """

    id = "HB117"
    name = "stonith-credentials-readable"
    severity = Severity.WARNING
    kinds = HACF

    def check_file(self, model, ctx):
        stat = getattr(getattr(ctx.node, "facts", None), "stat", None)
        entry = stat.get("/etc/ha.d/ha.cf") if stat else None
        if entry is None or not entry.mode & 0o004:
            return
        for d in model.stonith_host:
            if len(d.args) >= 3 and d.args[1].text not in _NO_CREDENTIALS:
                yield Finding(d.name_span, f"stonith_host parameters (credentials) in an ha.cf of mode "
                                           f"{entry.mode:o}: every local user can read them",
                              related=(entry,), hint="chmod 600 /etc/ha.d/ha.cf")
