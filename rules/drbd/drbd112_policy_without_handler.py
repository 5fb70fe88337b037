from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import FileRule, first_value, handler_of, report_once, resource_label
from elastix_halint.lint.rule import Finding, Severity
from elastix_halint.model.drbd import Resource


def _opt(res: Resource, name: str):
    """The option in force under its 8.4 name, wherever the version puts it (``fencing`` is in
    ``disk`` up to 8.4 and in ``net`` in 9)."""
    for merged in res.settings.values():
        found = merged.get(name)
        if found is not None:
            return found
    return None


# option, value → the handler it calls
_HANDLER_CALLS = (
    ("rr-conflict", ("call-pri-lost",), ("pri-lost",)),
    ("on-io-error", ("call-local-io-error",), ("local-io-error",)),
    ("fencing", ("resource-only", "resource-and-stonith"), ("fence-peer", "outdate-peer")),
)


class PolicyWithoutHandler(FileRule):
    """`rr-conflict call-pri-lost`, `on-io-error call-local-io-error` or fencing without its handler.

    ## What it checks
    `rr-conflict call-pri-lost` ⇒ a `pri-lost` handler; `on-io-error call-local-io-error` ⇒
    `local-io-error`; `fencing resource-only|resource-and-stonith` ⇒ `fence-peer` (8.3 also
    `outdate-peer`) — in the resource or in `common`.

    ## Why it matters
    The policy consists of calling the handler; without it nothing happens when it is needed.
    With `resource-and-stonith` and no working handler DRBD **freezes all I/O** until someone
    runs `drbdadm resume-io` (drbd.conf(5) "fencing": "freezes all its IO operations and calls
    its fence-peer handler … In case your handler fails, you can resume IO with the resume-io
    command").

    ## Example
    ```
    disk { fencing resource-only; }     # and no fence-peer handler
    ```

    ## Fix
    Add the handler (for Heartbeat: `fence-peer "/usr/lib/heartbeat/drbd-peer-outdater -t 5";`
    with dopd), or choose a policy that needs none.
    """

    id = "DRBD112"
    name = "policy-without-handler"
    severity = Severity.ERROR

    @report_once
    def check_file(self, model, ctx):
        for res in model.resources:
            for option, values, handlers in _HANDLER_CALLS:
                opt = _opt(res, option)
                if first_value(opt) not in values or any(handler_of(res, h) is not None for h in handlers):
                    continue
                frozen = "; without it I/O freezes until `drbdadm resume-io`" if opt.value == "resource-and-stonith" else ""
                yield Finding(opt.values[0].span,
                              f"`{option} {opt.value}` in {resource_label(res)} calls the `{handlers[0]}` handler, "
                              f"but none is defined",
                              hint=f"add `{handlers[0]}` to the handlers section{frozen}")
