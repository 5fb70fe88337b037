from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import FileRule
from elastix_halint.lint.rule import Finding, Severity


class NoPeerAuthentication(FileRule):
    """No peer authentication: `cram-hmac-alg` or `shared-secret` missing.

    ## What it checks
    A resource (with `common`) without `cram-hmac-alg`, or with it but without `shared-secret`,
    or with a secret but no algorithm (the secret is then ignored).

    ## Why it matters
    Any host that reaches the replication port can connect as the peer and receive or
    overwrite the replicated data ("You are strongly encouraged to use peer authentication";
    "peer authentication is disabled as long as no cram-hmac-alg … is specified",
    drbd.conf(5)).

    ## Example
    ```
    net { after-sb-0pri disconnect; }     # no cram-hmac-alg / shared-secret
    ```

    ## Fix
    `cram-hmac-alg sha1; shared-secret "<random, up to 64 characters>";` identical on both
    nodes.
    """

    id = "DRBD117"
    name = "no-peer-authentication"
    severity = Severity.WARNING

    def check_file(self, model, ctx):
        for res in model.resources:
            alg, secret = res.net.get("cram-hmac-alg"), res.net.get("shared-secret")
            if alg is not None and secret is not None:
                continue
            if alg is None and secret is None:
                node, message = res.name_span, f"resource `{res.name}` has no peer authentication (no `cram-hmac-alg` and `shared-secret`)"
            elif alg is None:
                node, message = secret.name_span, f"resource `{res.name}` has a `shared-secret` but no `cram-hmac-alg`: the secret is not used"
            else:
                node, message = alg.name_span, f"resource `{res.name}` sets `cram-hmac-alg` but no `shared-secret`"
            yield Finding(node, message, hint='cram-hmac-alg sha1; shared-secret "<random secret>"; on both nodes')
