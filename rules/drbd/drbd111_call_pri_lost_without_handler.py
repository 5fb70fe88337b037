from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import FileRule, first_value, handler_of, report_once, resource_label
from elastix_halint.lint.rule import Finding, Severity


class CallPriLostWithoutHandler(FileRule):
    """`call-pri-lost-after-sb` is used but no `pri-lost-after-sb` handler is defined.

    ## What it checks
    `after-sb-1pri` or `after-sb-2pri` set to `call-pri-lost-after-sb` while neither the
    resource nor `common` has `handlers { pri-lost-after-sb …; }`.

    ## Why it matters
    The policy's whole effect is the helper: the losing primary first tries to become secondary,
    which fails while /replica is mounted, and then the `pri-lost-after-sb` helper is expected
    to reboot it. With no handler nothing runs: the split brain stays unresolved, the connection
    drops to StandAlone and both nodes keep their services (drbd.conf(5) "after-sb-2pri …
    call-pri-lost-after-sb"; kernel `drbd_receiver.c` `drbd_asb_recover_1p/2p`). drbdadm does
    not check this, so nothing warns.

    ## Example
    ```
    net { after-sb-2pri call-pri-lost-after-sb; }   # and no handlers section
    ```

    ## Fix
    Add `handlers { pri-lost-after-sb "/usr/lib/drbd/notify-pri-lost-after-sb.sh;
    /usr/lib/drbd/notify-emergency-reboot.sh; echo b > /proc/sysrq-trigger ; reboot -f"; }`
    or use `disconnect`.
    """

    id = "DRBD111"
    name = "call-pri-lost-without-handler"
    severity = Severity.ERROR

    @report_once
    def check_file(self, model, ctx):
        for res in model.resources:
            if handler_of(res, "pri-lost-after-sb") is not None:
                continue
            for name in ("after-sb-1pri", "after-sb-2pri"):
                opt = res.net.get(name)
                if first_value(opt) == "call-pri-lost-after-sb":
                    yield Finding(opt.values[0].span,
                                  f"`{name} call-pri-lost-after-sb` in {resource_label(res)}, but no `pri-lost-after-sb` handler "
                                  f"is defined: a split brain would stay unresolved",
                                  hint='add handlers { pri-lost-after-sb "...; reboot -f"; } or use `disconnect`')
