from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import FileRule, all_options, closest_word, syntax_version
from elastix_halint.lint.rule import Finding, Severity
from elastix_halint.model import drbd_keywords as kw


# Which enum slots share values: a value of one slot written in another gets its home named.
_ENUM_SLOTS = ("after-sb-0pri", "after-sb-1pri", "after-sb-2pri", "rr-conflict", "on-io-error", "fencing",
               "on-congestion", "on-no-data-accessible")


class InvalidEnumValue(FileRule):
    """A value that is not one of the words this option accepts.

    ## What it checks
    `protocol` (A, B, C), `on-io-error`, `fencing`, `after-sb-0pri`/`1pri`/`2pri`,
    `rr-conflict`, `on-congestion`, `on-no-data-accessible`, `usage-count`, `read-balancing`
    against the values of the detected DRBD version, with a did-you-mean — also when the value
    belongs to another option (`after-sb-1pri discard-younger-primary` is an `after-sb-0pri`
    policy).

    ## Why it matters
    drbdadm accepts any word there; `drbdsetup` rejects it only when the resource is brought up
    or adjusted — typically during a failover, when Heartbeat's `drbddisk` needs it most
    (drbd-utils `drbdsetup.c` `asb0p_n`/`asb1p_n`/`asb2p_n`/`rrcf_n`/`on_error`/`fencing_n`).

    ## Example
    ```
    net { after-sb-1pri discard-younger-primary; }   # a 0pri-only policy
    ```

    ## Fix
    Use one of the listed values.
    """

    id = "DRBD102"
    name = "invalid-enum-value"
    severity = Severity.ERROR

    def check_file(self, model, ctx):
        version = syntax_version(model, ctx)
        for opt, definition in all_options(model):
            if definition is None or definition.type != "enum" or not opt.values:
                continue
            allowed = kw.enum_values(opt.name, version)
            word = opt.values[0].text
            if not allowed or _enum_ok(opt.name, word, allowed):
                continue
            yield _enum_finding(opt, word, allowed, version)


def _enum_ok(name: str, word: str, allowed) -> bool:
    if name == "protocol":
        return word.upper() in allowed
    if name == "after-sb-0pri" and word.startswith("discard-node-") and len(word) > len("discard-node-"):
        return True
    if name == "quorum" and word.isdigit():
        return True
    return word in allowed


def _enum_finding(opt, word, allowed, version) -> Finding:
    homes = [slot for slot in _ENUM_SLOTS if slot != opt.name and word in kw.enum_values(slot, version)]
    guess = closest_word(word, allowed)
    choices = ", ".join(allowed)
    if homes:
        message = f"`{word}` is a value of `{homes[0]}`, not of `{opt.name}` (which accepts {choices})"
    else:
        message = f"`{word}` is not a value of `{opt.name}` (accepted: {choices})"
    return Finding(opt.values[0].span, message, suggestion=guess,
                   hint=f"did you mean `{guess}`?" if guess else f"use one of: {choices}")
