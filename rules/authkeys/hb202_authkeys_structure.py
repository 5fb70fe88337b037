from __future__ import annotations

from elastix_halint.builtin.authkeys._helpers import AUTHKEYS
from elastix_halint.lint.rule import Finding, Rule, Severity, Span
from elastix_halint.model.authkeys import KEYED_METHODS


class AuthkeysStructure(Rule):
    """authkeys lacks `auth`, has several, or its keys are not usable.

    ## What it checks
    Exactly one `auth N`; key N defined *after* it (Heartbeat reads top to bottom); no key
    number defined twice; `md5`/`sha1` keys have a key, `crc` has none. Unknown methods and
    numbers out of range are parse errors (PARSE002), not repeated here.

    ## Why it matters
    Heartbeat stops with "Missing auth directive", "Auth Key [N] not found", "requires a key"
    → "Authentication configuration error.": it does not start (heartbeat auth.c; authkeys(5)).

    ## Example
    ```
    auth 2
    1 sha1 <key>
    ```

    ## Fix
    `auth 1` followed by `1 sha1 <random key>`.
    """

    id = "HB202"
    name = "authkeys-structure"
    severity = Severity.ERROR
    kinds = AUTHKEYS

    def check_file(self, model, ctx):
        yield from self._auth(model, ctx)
        seen: dict[int, object] = {}
        for key in model.keys:
            if key.index in seen:
                yield Finding(key.index_span, f"key {key.index} is defined twice (first on line {seen[key.index].span.line}); "
                                              "the later line wins", severity=Severity.WARNING, related=(seen[key.index],),
                              hint="keep one definition per number")
            seen.setdefault(key.index, key)
            if key.method in KEYED_METHODS and key.secret is None:
                yield Finding(key.method_span, f"key {key.index} uses {key.method} without a key: Heartbeat refuses it "
                                               "(requires a key)", hint=f"write `{key.index} {key.method} <random key>`")
            elif key.method == "crc" and key.secret is not None:
                yield Finding(key.secret_span, f"key {key.index} is crc, which takes no key: Heartbeat refuses it",
                              hint=f"use `{key.index} sha1 <key>` or drop the word after crc")

    def _auth(self, model, ctx):
        if model.auth is None:
            where = model.keys[0] if model.keys else Span.point(ctx.file.source.path, 1)
            yield Finding(where, "no `auth N` line: Heartbeat refuses to start (Missing auth directive)",
                          hint="add `auth 1` as the first line")
            return
        for extra in model.auth_directives[1:]:
            yield Finding(extra, f"a second `auth` line (the first is line {model.auth.span.line}): the key selected "
                                 "depends on where the key lines sit between them", severity=Severity.WARNING,
                          related=(model.auth,), hint="keep exactly one auth line, above the keys")
        index = model.auth.index
        if index is None or model.selected is not None:
            return
        later = model.key(index)
        if later is not None:
            text = f"key {index} is defined before `auth {index}`; Heartbeat only finds keys after the auth line"
        else:
            text = f"auth {index} selects key {index}, which is not defined (Auth Key [{index}] not found)"
        yield Finding(model.auth.index_span or model.auth, text, related=(later,) if later else (),
                      hint=f"define `{index} sha1 <key>` after the auth line")
