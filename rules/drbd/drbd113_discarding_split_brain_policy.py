from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import (
    FileRule, first_value, handler_of, report_once, resource_label,
)
from elastix_halint.lint.rule import Finding, Severity


_DISCARD_0PRI = frozenset({"discard-younger-primary", "discard-older-primary", "discard-least-changes",
                           "discard-local", "discard-remote"})


def _discards(name: str, word: str | None) -> bool:
    if word is None:
        return False
    if name == "after-sb-0pri":
        return word in _DISCARD_0PRI or word.startswith("discard-node-")
    return word == "violently-as0p" or (name == "rr-conflict" and word == "violently")


class DiscardingSplitBrainPolicy(FileRule):
    """An automatic split-brain policy that silently throws one node's changes away.

    ## What it checks
    `after-sb-0pri` `discard-younger-primary`/`discard-older-primary`/`discard-least-changes`/
    `discard-local`/`discard-remote`/`discard-node-*`; `after-sb-1pri discard-secondary` or
    `violently-as0p`; `call-pri-lost-after-sb` (1pri or 2pri) when 0pri discards and a
    `pri-lost-after-sb` handler exists to carry it out; `after-sb-2pri violently-as0p`;
    `rr-conflict violently`. `after-sb-1pri discard-secondary` together with
    `after-sb-0pri discard-zero-changes` (LINBIT's suggested automatic set) is reported as info.

    ## Why it matters
    After a split brain both nodes wrote: on a PBX the CDRs, voicemail and configuration
    changes of the "losing" node are overwritten by the resync with no prompt and no copy.
    `violently-as0p` "is DANGEROUS and MAY CRASH YOUR MACHINE if you have an FS mounted on the
    primary node" (drbd.conf(5) "after-sb-0pri/1pri/2pri"; DRBD User's Guide 8.3 "Automatic
    split brain recovery policies").

    ## Example
    ```
    net {
      after-sb-0pri discard-younger-primary;
      after-sb-1pri discard-secondary;
    }
    ```

    ## Fix
    `after-sb-0pri discard-zero-changes; after-sb-1pri discard-secondary; after-sb-2pri
    disconnect;` (or `disconnect` everywhere and resolve by hand), plus a `split-brain`
    notification handler.
    """

    id = "DRBD113"
    name = "discarding-split-brain-policy"
    severity = Severity.WARNING

    @report_once
    def check_file(self, model, ctx):
        for res in model.units(complete=False):
            net = res.net
            zero = first_value(net.get("after-sb-0pri"))
            discarding_0pri = _discards("after-sb-0pri", zero)
            for name in ("after-sb-0pri", "after-sb-1pri", "after-sb-2pri", "rr-conflict"):
                opt = net.get(name)
                word = first_value(opt)
                if word is None:
                    continue
                finding = self._judge(res, name, word, zero, discarding_0pri)
                if finding:
                    message, severity = finding
                    yield Finding(opt.values[0].span, f"{resource_label(res)}: `{name} {word}` {message}", severity=severity,
                                  hint="after-sb-0pri discard-zero-changes; after-sb-1pri discard-secondary; "
                                       "after-sb-2pri disconnect; and a split-brain notify handler")

    @staticmethod
    def _judge(res, name, word, zero, discarding_0pri):
        if word in ("violently-as0p", "violently"):
            return "may crash a node with a mounted file system and discards the other node's changes", None
        if name == "after-sb-0pri" and discarding_0pri:
            return "discards the changes of one node after a split brain without asking", None
        if name == "after-sb-1pri" and word == "discard-secondary":
            if zero == "discard-zero-changes":
                return "discards what the secondary wrote during a split brain", Severity.INFO
            return "discards what the secondary wrote during a split brain without asking", None
        if (word == "call-pri-lost-after-sb" and discarding_0pri
                and handler_of(res, "pri-lost-after-sb") is not None):
            return f"reboots the primary chosen by `after-sb-0pri {zero}` and discards its changes", None
        return None
