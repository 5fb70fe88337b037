from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import FileRule, report_once
from elastix_halint.lint.rule import Finding, Severity


class AddressConflict(FileRule):
    """A replication address shared by two host sections.

    ## What it checks
    The same `IP:port` used by two resources on one host, or by two hosts of one resource:
    in host sections and in DRBD 9 `connection` and `path` endpoints.
    (Malformed addresses, host names, IPv6 without `ipv6 [..]` and ports outside 1..65535 are
    reported by the parser, PARSE002.)

    ## Why it matters
    drbdadm refuses two resources listening on one `IP:port` (`check_uniq` "IP:port"); a
    resource whose two hosts have the same address connects to itself and never replicates
    (drbd-utils `__parse_address`, `check_uniq`; drbd.conf(5) "address").

    ## Example
    ```
    resource r0 { on alpha { address 10.1.1.1:7788; } ... }
    resource r1 { on alpha { address 10.1.1.1:7788; } ... }   # port 7789 meant
    ```

    ## Fix
    One port per resource (7788, 7789…), each host its own replication IP.
    """

    id = "DRBD107"
    name = "address-conflict"
    severity = Severity.ERROR

    @report_once
    def check_file(self, model, ctx):
        seen: dict = {}
        for res in model.resources:
            mine: dict = {}
            # The addresses in force: host sections', DRBD 9 connections' and paths' (no proxy).
            for use in res.address_uses():
                if use.role.startswith("proxy"):
                    continue
                addr = use.address
                key = (addr.family, addr.ip, addr.port)
                if key in mine and mine[key][0] != use.host and not _loopback(addr.ip):
                    yield Finding(use.span, f"both hosts of resource `{res.name}` use {addr} ({mine[key][0]} and "
                                            f"{use.host})", related=(mine[key][1],),
                                  hint="each host needs its own replication IP")
                mine.setdefault(key, (use.host, use.span))
                # ``on a b { }`` is one section for two nodes
                names = use.host_section.names if use.host_section is not None and use.host_section.names else [use.host]
                for name in names:
                    first = seen.get((name,) + key)
                    if first is not None and first[0] != res.name:
                        yield Finding(use.span, f"{addr} on {name} is already used by resource `{first[0]}`",
                                      related=(first[1],), hint="give each resource its own port")
                    seen.setdefault((name,) + key, (res.name, use.span))


def _loopback(ip: str) -> bool:
    """Stacked resources behind a DRBD proxy listen on 127.0.0.1 on each site."""
    return ip.startswith("127.") or ip == "::1"
