from __future__ import annotations

from elastix_halint.builtin.authkeys._helpers import AUTHKEYS
from elastix_halint.lint.rule import Finding, Rule, Severity
from elastix_halint.model.authkeys import KEYED_METHODS
from elastix_halint.secrets import same_secret


MIN_KEY_LENGTH = 8
# Keys printed in the Heartbeat docs, the Elastix HOWTO and common tutorials (catalogue HB204),
# plus the placeholders templates ship with.
SAMPLE_KEYS = (
    "HI!", "Hello!", "MySecret", "mysecret", "secret", "password", "elastix", "palosanto", "linux-ha",
    "MySecrectAuthPassword", "THISISASECRETKEY", "changeme", "RandomPassword", "123456",
)


class WeakOrSampleKey(Rule):
    """The key in use is a documentation example, too short, or the DRBD shared-secret.

    ## What it checks
    The key `auth N` selects: a well-known example key (Heartbeat docs, the Elastix HOWTO,
    template placeholders), fewer than 8 characters, or the same as a DRBD `shared-secret`
    of the node. The key itself is never shown.

    ## Why it matters
    Anyone on the heartbeat network who knows or guesses the key can forge heartbeats and
    `hb_standby` messages (heartbeat doc/authkeys example keys `2 sha1 HI!`, `3 md5 Hello!`).

    ## Example
    ```
    auth 1
    1 sha1 MySecret
    ```

    ## Fix
    Generate a random key, e.g. `dd if=/dev/urandom count=4 2>/dev/null | md5sum | cut -c1-32`,
    and copy the file to both nodes.
    """

    id = "HB204"
    name = "weak-or-sample-key"
    severity = Severity.WARNING
    kinds = AUTHKEYS

    def check_file(self, model, ctx):
        key = model.selected
        if key is None or key.secret is None or key.method not in KEYED_METHODS:
            return
        why = _weakness(key, ctx.node)
        if why:
            yield Finding(key.secret_span, f"the key of line {key.span.line} {why}",
                          hint="use a long random key (e.g. 32 hex characters) on both nodes")


def _weakness(key, node) -> str | None:
    secret = key.secret
    if any(same_secret(secret, sample) for sample in SAMPLE_KEYS):
        return "is a well-known example key from documentation or templates"
    if not key.secret_is_marker and len(secret) < MIN_KEY_LENGTH:
        return f"is shorter than {MIN_KEY_LENGTH} characters"
    drbd = getattr(node, "drbd", None)
    for res in getattr(drbd, "resources", ()) if drbd is not None else ():
        opt = res.effective("net", "shared-secret")
        if opt is not None and opt.value is not None and opt.value == secret:
            return f"is the same as the DRBD shared-secret of resource {res.name}"
    return None
