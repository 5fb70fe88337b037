from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import FileRule, report_once, resource_label
from elastix_halint.lint.rule import Finding, Severity
from elastix_halint.secrets import is_marker, same_secret


_WEAK_HMAC = frozenset({"md4", "md5", "crc32", "crc32c"})
# Secrets printed in drbd.conf(5), the DRBD guides and the Elastix/CentOS HA HOWTOs.
SAMPLE_SECRETS = ("FooFunFactory", "secret", "MySecret", "password", "CentOSru!3z", "mysecret", "Secret",
                  "my-secret", "sharedsecret", "secret-key")
# Values found in every list of guessed passwords.
GUESSABLE_SECRETS = ("123456", "12345678", "changeme", "drbd", "test", "passw0rd", "admin", "root")


def _secret_problem(secret: str, min_length: int, authkeys) -> str | None:
    if any(same_secret(secret, known) for known in SAMPLE_SECRETS):
        return "is a sample value printed in documentation/HOWTOs"
    if any(same_secret(secret, known) for known in GUESSABLE_SECRETS):
        return "is a well-known guessable value"
    if authkeys is not None and any(k.secret is not None and k.secret == secret for k in authkeys.keys):
        return "is the same as a Heartbeat authkeys key"
    if not is_marker(secret) and len(secret) < min_length:
        return f"is shorter than {min_length} characters"
    return None


class WeakPeerAuthentication(FileRule):
    """A weak HMAC algorithm or a guessable `shared-secret`.

    ## What it checks
    `cram-hmac-alg` md4/md5/crc32/crc32c; a `shared-secret` that is a value printed in
    documentation and HOWTOs (drbd.conf(5)'s example, the DRBD guides', the Elastix HOWTO's)
    or found in every list of guessed passwords, shorter than 8 characters (option
    `min_length`), or equal to a Heartbeat authkeys key. Works on collected bundles too (the
    secret markers are compared, never the secret). The values themselves are not printed.

    ## Why it matters
    Peer authentication only helps if the secret cannot be guessed: a published sample secret
    lets anyone on the replication network connect as the peer (drbd.conf(5) 8.4 example
    `shared-secret "FooFunFactory"`; "cram-hmac-alg … You are strongly encouraged to use peer
    authentication").

    ## Example
    ```
    net { cram-hmac-alg md5; shared-secret "FooFunFactory"; }   # drbd.conf(5)'s example
    ```

    ## Fix
    `cram-hmac-alg sha1;` (8.3 kernels) or `sha256`, and a random secret
    (`openssl rand -base64 24`), the same on both nodes.
    """

    id = "DRBD118"
    name = "weak-peer-authentication"
    severity = Severity.WARNING

    @report_once
    def check_file(self, model, ctx):
        min_length = int(ctx.option("min_length", 8))
        authkeys = getattr(ctx.node, "authkeys", None)
        for res in model.units(complete=False):
            alg = res.net.get("cram-hmac-alg")
            if alg is not None and (alg.value or "").lower() in _WEAK_HMAC:
                yield Finding(alg.values[0].span, f"{resource_label(res)} authenticates the peer with `{alg.value}`, which is weak",
                              hint="use sha1 (8.3 kernels) or sha256")
            secret = res.net.get("shared-secret")
            if secret is None or not secret.values:
                continue
            problem = _secret_problem(secret.values[0].text, min_length, authkeys)
            if problem:
                yield Finding(secret.values[0].span, f"the `shared-secret` of {resource_label(res)} {problem}",
                              hint="generate a random secret (e.g. `openssl rand -base64 24`) and use it on both nodes")
