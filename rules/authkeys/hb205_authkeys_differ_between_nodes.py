from __future__ import annotations

from elastix_halint.lint.rule import Finding, Rule, Severity


class AuthkeysDifferBetweenNodes(Rule):
    """The nodes cannot verify each other's heartbeats: authkeys differ.

    ## What it checks
    The key each node signs with (its `auth N` key) exists under the same number, with the
    same method and the same key, on the other node. Keys are compared, never shown
    (collected bundles compare their markers).

    ## Why it matters
    Packets from the peer fail authentication and are dropped: each node declares the other
    dead and both take the resources (authkeys(5)).

    ## Example
    ```
    1 sha1 <key A>      # node1
    1 sha1 <key B>      # node2
    ```

    ## Fix
    Copy /etc/ha.d/authkeys from one node to the other (mode 600).
    """

    id = "HB205"
    name = "authkeys-differ-between-nodes"
    severity = Severity.ERROR
    scope = "cluster"
    needs = ("authkeys", "peer")

    def check_cluster(self, cluster, ctx):
        a, b = cluster.nodes[0], cluster.nodes[1]
        for signer, verifier in ((a, b), (b, a)):
            problem = _mismatch(signer, verifier)
            if problem:
                where, text, related = problem
                yield Finding(where, text, related=related, hint="copy /etc/ha.d/authkeys to the other node")
                return


def _name(node) -> str:
    return node.nodename or node.name


def _mismatch(signer, verifier):
    """Why ``verifier`` cannot check what ``signer`` signs, or None."""
    key = signer.authkeys.selected
    if key is None:
        return None
    other = verifier.authkeys.key(key.index)
    if other is None:
        return (key.index_span, f"{_name(signer)} signs with key {key.index}, which {_name(verifier)}'s authkeys "
                                "does not define", (verifier.authkeys.auth,) if verifier.authkeys.auth else ())
    if other.method != key.method:
        # shown_method: an unknown "method" may be a key typed without one (``1 sha1SECRET``).
        return (key.method_span, f"key {key.index} is {key.shown_method(True)} on {_name(signer)} but "
                                 f"{other.shown_method(True)} on {_name(verifier)}", (other.method_span,))
    if key.secret is None or other.secret is None or key.secret == other.secret:
        return None
    if key.secret_is_marker != other.secret_is_marker:
        return None  # one side redacted, the other not: cannot compare without the secret
    return (key.secret_span, f"key {key.index} ({key.shown_method(True)}) differs between {_name(signer)} and {_name(verifier)}",
            (other.secret_span,))
