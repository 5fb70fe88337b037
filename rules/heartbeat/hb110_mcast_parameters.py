from __future__ import annotations

import ipaddress

from elastix_halint.builtin.heartbeat._helpers import HACF
from elastix_halint.lint.rule import Finding, Rule, Severity


class McastParameters(Rule):
    """`mcast` has an invalid group, port, ttl or loop.

    ## What it checks
    `mcast DEV GROUP PORT TTL LOOP`: GROUP a multicast address (224.0.0.0/4; for mcast6
    ff00::/8), PORT 1–65535, TTL 1–255, LOOP 0 or 1.

    ## Why it matters
    Heartbeat cannot open the medium and that path never carries heartbeats (ha.cf(5) "mcast").

    ## Example
    ```
    mcast eth0 192.168.1.10 694 1 0
    ```

    ## Fix
    e.g. `mcast eth0 239.0.0.43 694 1 0` (an administratively scoped 239.x group).
    """

    id = "HB110"
    name = "mcast-parameters"
    severity = Severity.ERROR
    kinds = HACF

    def check_file(self, model, ctx):
        for m in model.media:
            if m.kind not in ("mcast", "mcast6") or len(m.directive.args) < 5:
                continue
            args = m.directive.args
            yield from _bad_group(m, args[1])
            for arg, value, low, high, what in ((args[2], m.port, 1, 65535, "port"), (args[3], m.ttl, 1, 255, "ttl"),
                                                (args[4], m.loop, 0, 1, "loop")):
                if value is not None and not low <= value <= high:
                    yield Finding(arg, f"mcast {what} {value} is out of range ({low}-{high})",
                                  hint="mcast DEV GROUP PORT TTL LOOP, e.g. mcast eth0 239.0.0.43 694 1 0")


def _bad_group(m, arg):
    try:
        group = ipaddress.ip_address(arg.text)
    except ValueError:
        yield Finding(arg, f"mcast group {arg.text!r} is not an IP address", hint="use e.g. 239.0.0.43")
        return
    if not group.is_multicast or (group.version == 6) != (m.kind == "mcast6"):
        yield Finding(arg, f"{m.kind} group {arg.text} is not a multicast address "
                           + ("(224.0.0.0-239.255.255.255)" if m.kind == "mcast" else "(ff00::/8)"),
                      hint="use an administratively scoped group such as 239.0.0.43")
