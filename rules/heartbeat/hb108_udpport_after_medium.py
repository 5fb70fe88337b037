from __future__ import annotations

from elastix_halint.builtin.heartbeat._helpers import DEFAULT_UDPPORT, HACF
from elastix_halint.lint.rule import Finding, Rule, Severity


class UdpportAfterMedium(Rule):
    """`udpport` comes after a `bcast`/`ucast` line it was meant for.

    ## What it checks
    Every bcast/ucast medium uses the port of the last `udpport` in the file; a medium
    declared before that `udpport` line uses the port in force at its own line (694 when none).

    ## Why it matters
    Directives are read in order: "You have to configure udpport (in ha.cf) before you configure
    ucast or bcast" (ha.cf(5)); the earlier media talk on another port than the later ones and
    than the peer expects, and clusters sharing a LAN see each other's packets.

    ## Example
    ```
    bcast eth0
    udpport 696
    ```

    ## Fix
    Move `udpport` above every `bcast`/`ucast` line.
    """

    id = "HB108"
    name = "udpport-after-medium"
    severity = Severity.WARNING
    kinds = HACF

    def check_file(self, model, ctx):
        final = model.udpport
        if final is None:
            return
        for m in model.media:
            port = m.port if m.port is not None else DEFAULT_UDPPORT
            if m.kind in ("bcast", "ucast", "ucast6") and port != final:
                yield Finding(m.directive.name_span, f"{m.kind} {m.interface} comes before `udpport {final}` and so "
                                                     f"uses port {port}", hint="move udpport above the media lines")
