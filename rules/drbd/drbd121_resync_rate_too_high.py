from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import (
    FileRule, fixed_rate, number_of, report_once, syntax_version,
)
from elastix_halint.lint.rule import Finding, Severity


def _bytes_text(n: int) -> str:
    for unit, size in (("G", 1024**3), ("M", 1024**2), ("K", 1024)):
        if n >= size and n % size == 0:
            return f"{n // size}{unit}"
    return f"{n / 1024**2:.1f}M" if n >= 1024**2 else f"{n // 1024}K"


_GBIT_BYTES = 1_000_000_000 // 8 * 0.88  # what 1 Gb/s Ethernet carries after framing/TCP: ~110 MB/s


class ResyncRateTooHigh(FileRule):
    """A fixed resync rate that takes most of the replication link.

    ## What it checks
    A fixed `rate` (8.3 `syncer`) or `resync-rate` (8.4+ with `c-plan-ahead 0`) above the share
    of the replication link that resync should get. The link speed comes from the option
    `link_mbit` (e.g. `[options.DRBD121] link_mbit = 10000`); when it is not given, a 1 Gb/s link
    (~110 MB/s) is assumed — what these two-node pairs use — and only a rate above half of it is
    reported. Also a rate written without a unit and below 1000 (`rate 100` means 100 KiB/s,
    not 100 MB/s).

    ## Why it matters
    Resync shares the link with replication of new writes: with protocol C every application
    write waits for the peer, so a resync that fills the link stalls MySQL and Asterisk ("A good
    rule of thumb for this value is to use about 30% of the available replication bandwidth …
    rate setting is given in bytes, not bits", DRBD User's Guide 8.3 "Configuring the rate of
    synchronization").

    ## Example
    ```
    syncer { rate 100M; }     # ~95% of a 1 Gb/s link
    ```

    ## Fix
    About 30% of the link: `rate 33M;` on 1 Gb/s Ethernet (or the variable-rate controller of
    8.4).
    """

    id = "DRBD121"
    name = "resync-rate-too-high"
    severity = Severity.WARNING

    @report_once
    def check_file(self, model, ctx):
        version = syntax_version(model, ctx)
        link_mbit = ctx.option("link_mbit")
        link = link_mbit * 1_000_000 / 8 * 0.88 if link_mbit else _GBIT_BYTES
        limit = link * (0.3 if link_mbit else 0.5)
        for res in model.units(complete=False):
            rate, fixed = fixed_rate(res, version)
            value = number_of(rate)
            if rate is None or value is None or not rate.values:
                continue
            text = rate.values[0].text
            if text.isdigit() and int(text) < 1000:
                yield Finding(rate.values[0].span, f"`{rate.name} {text}` means {text} KiB/s (no unit): "
                                                   f"did you mean {text}M?",
                              hint=f"write the unit: `{rate.name} {text}M;` or `{text}K`")
            elif fixed and value > limit:
                share = value / link * 100
                speed = f"{link_mbit} Mb/s link" if link_mbit else "1 Gb/s link (assumed; set option link_mbit)"
                advice = _bytes_text(int(link * 0.3) // 1048576 * 1048576)
                yield Finding(rate.values[0].span,
                              f"`{rate.name} {text}` is ~{share:.0f}% of a {speed}: resync would starve replication "
                              f"of new writes", hint=f"about 30% of the link, e.g. `{rate.name} {advice};`")
