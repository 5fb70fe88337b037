from __future__ import annotations

import re

from elastix_halint.builtin.drbd._helpers import FileRule
from elastix_halint.lint.rule import Finding, Severity


_DEVICE_MINOR = re.compile(r"/dev/drbd(\d+)$")


class DeviceMinorConflict(FileRule):
    """A DRBD device whose name and minor disagree, or that two resources share.

    ## What it checks
    `device /dev/drbdX minor Y` with X ≠ Y; the same minor or device path used by two
    resources (or volumes) on one host.

    ## Why it matters
    drbdadm rejects both ("explicit minor number must match with device name"; `check_uniq`
    "device-minor"), and two resources on one minor could never both be attached
    (drbd-utils 8.3 `check_minor_nonsense()`).

    ## Example
    ```
    resource r0 { on alpha { device /dev/drbd0; ... } }
    resource r1 { on alpha { device /dev/drbd0; ... } }
    ```

    ## Fix
    One `device /dev/drbdN;` per resource, with a different N each.
    """

    id = "DRBD106"
    name = "device-minor-conflict"
    severity = Severity.ERROR

    def check_file(self, model, ctx):
        seen: dict = {}
        for res in model.resources:
            for host in res.hosts:
                for vol in host.volumes:
                    opt = vol.option("device")
                    if opt is None or not opt.values:
                        continue
                    opt = opt.values[0]
                    m = _DEVICE_MINOR.match(vol.device or "")
                    if m and vol.minor is not None and int(m.group(1)) != vol.minor:
                        yield Finding(opt, f"`{vol.device}` does not match `minor {vol.minor}`",
                                      hint=f"write `device /dev/drbd{vol.minor};` or the matching minor")
                    yield from self._unique(seen, res, host, vol, opt)

    @staticmethod
    def _unique(seen, res, host, vol, opt):
        for name in host.names or ((host.section.arg_text or host.keyword),):
            for what, value in (("minor", vol.minor), ("device", vol.device)):
                if value is None:
                    continue
                key = (name, what, value)
                first = seen.get(key)
                if first is None:
                    seen[key] = (res.name, vol.number, opt)
                elif first[:2] != (res.name, vol.number):
                    yield Finding(opt, f"{what} {value} on {name} is also used by resource `{first[0]}` "
                                       f"(line {first[2].span.line})",
                                  related=(first[2],), hint="give each resource its own /dev/drbdN")
                    return
