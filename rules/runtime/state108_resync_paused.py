from __future__ import annotations

from elastix_halint.builtin.runtime._helpers import MinorRule, minor_where
from elastix_halint.lint.rule import Finding, Severity


class ResyncPaused(MinorRule):
    """A resync is paused or stalled.

    ## What it checks
    The resync-paused flags of /proc/drbd (`a` sync-after dependency, `p` paused by the peer,
    `u` paused by the user) or a progress line saying `(stalled)`.

    ## Why it matters
    The Secondary stays Inconsistent and cannot take over until the resync finishes
    (/proc/drbd flags `aftr_isp`/`peer_isp`/`user_isp`, "(stalled)").

    ## Example
    ```
     0: cs:PausedSyncS ro:Primary/Secondary ds:UpToDate/Inconsistent C r--u--
    ```

    ## Fix
    `drbdadm resume-sync r0` (user pause); check the resync-after resource or the link when
    stalled.
    """

    id = "STATE108"
    name = "resync-paused"
    severity = Severity.WARNING

    def check(self, node, minor, res, label, ctx):
        flags = minor.flags
        why = []
        if flags is not None:
            why += [text for on, text in ((flags.paused_user, "by the user"), (flags.paused_peer, "by the peer"),
                                          (flags.paused_after, "waiting for a resync-after resource")) if on]
        if minor.sync is not None and minor.sync.stalled:
            why.append("stalled")
        if why:
            yield Finding(minor, f"the resync of {minor_where(minor, label, node)} is paused ({', '.join(why)}): the "
                                 "target stays Inconsistent", hint=f"`drbdadm resume-sync {label}` for a user pause; "
                                                                   "check the link when stalled")
