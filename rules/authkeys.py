"""Heartbeat ``authkeys`` rules (HB200–HB205).

Keys are never quoted: messages say "the key of line N". Collected bundles hold markers in
place of keys (elastix_halint.secrets): equal keys give equal markers, and a marker can still be
compared with a known sample value, so HB204/HB205 work on them too; only the length check of
HB204 needs the key itself.
"""

from __future__ import annotations

from elastix_halint.lint.rule import Finding, Rule, Severity, Span
from elastix_halint.model.authkeys import KEYED_METHODS, METHODS
from elastix_halint.secrets import same_secret

AUTHKEYS = ("authkeys",)
AUTHKEYS_PATH = "/etc/ha.d/authkeys"
MIN_KEY_LENGTH = 8
# Keys printed in the Heartbeat docs, the Elastix HOWTO and common tutorials (catalogue HB204),
# plus the placeholders templates ship with.
SAMPLE_KEYS = (
    "HI!", "Hello!", "MySecret", "mysecret", "secret", "password", "elastix", "palosanto", "linux-ha",
    "MySecrectAuthPassword", "THISISASECRETKEY", "changeme", "RandomPassword", "123456",
)


def _stat_entry(node):
    stat = node.facts.stat or {}
    return stat.get(AUTHKEYS_PATH)


class AuthkeysReadable(Rule):
    """authkeys can be read by group or others (mode not 600).

    ## What it checks
    The captured mode of /etc/ha.d/authkeys (facts/stat, or the live file with `--root /`):
    any group/other read bit is an error (Heartbeat refuses the file), any other bit besides
    owner read/write a warning. Nothing is said when the mode was not captured (a git
    checkout of the configuration has no meaningful modes).

    ## Why it matters
    Heartbeat refuses to start: "Bad permissions on keyfile [/etc/ha.d/authkeys], 600
    recommended." (heartbeat auth.c, `S_IROTH | S_IRGRP`); and a readable key lets anyone on
    the node forge cluster messages (authkeys(5)).

    ## Example
    ```
    644 root root /etc/ha.d/authkeys        # facts/stat
    ```

    ## Fix
    `chmod 600 /etc/ha.d/authkeys` on both nodes.
    """

    id = "HB200"
    name = "authkeys-readable"
    severity = Severity.ERROR
    scope = "node"
    needs = ("authkeys", "stat")

    def check_node(self, node, ctx):
        entry = _stat_entry(node)
        if entry is None or entry.mode & 0o077 == 0:  # 600, 400: only root
            return
        refused = entry.mode & 0o044
        yield Finding(
            entry,
            f"/etc/ha.d/authkeys has mode {entry.mode:04o} on {node.nodename or node.name}"
            + (": Heartbeat refuses to start (Bad permissions on keyfile, 600 recommended)" if refused
               else ": others than root may change or run it; 600 is expected"),
            severity=None if refused else Severity.WARNING,
            hint="chmod 600 /etc/ha.d/authkeys",
        )


class AuthkeysOwner(Rule):
    """authkeys is not owned by root.

    ## What it checks
    The captured owner of /etc/ha.d/authkeys is `root` (silent when not captured).

    ## Why it matters
    authkeys(5): the file "must not be readable or writable by any users other than root";
    its owner can read the key and forge heartbeats or `hb_standby` requests.

    ## Example
    ```
    600 asterisk asterisk /etc/ha.d/authkeys     # facts/stat
    ```

    ## Fix
    `chown root:root /etc/ha.d/authkeys`.
    """

    id = "HB201"
    name = "authkeys-owner"
    severity = Severity.WARNING
    scope = "node"
    needs = ("authkeys", "stat")

    def check_node(self, node, ctx):
        entry = _stat_entry(node)
        if entry is not None and entry.owner not in ("root", "0"):
            yield Finding(entry, f"/etc/ha.d/authkeys is owned by {entry.owner} on {node.nodename or node.name}, not root",
                          hint="chown root:root /etc/ha.d/authkeys")


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


class WeakAuthMethod(Rule):
    """The key in use is `crc` (no authentication) or `md5`.

    ## What it checks
    The method of the key that `auth N` selects: `crc` is an error (it authenticates
    nothing), `md5` a warning (use `sha1`).

    ## Why it matters
    "crc adds no security … Use only on physically secure networks"; crc "is insecure; it's
    use is strongly discouraged" (heartbeat doc/authkeys, authkeys(5)): anyone reaching the
    heartbeat network can send `hb_standby`/takeover messages and move or stop the services.

    ## Example
    ```
    auth 2
    2 crc
    ```

    ## Fix
    `auth 1` / `1 sha1 <random key>` (e.g. `dd if=/dev/urandom count=4 2>/dev/null | md5sum`).
    """

    id = "HB203"
    name = "weak-auth-method"
    severity = Severity.WARNING
    kinds = AUTHKEYS

    def check_file(self, model, ctx):
        key = model.selected
        if key is None or key.method not in METHODS or key.method == "sha1":
            return
        crc = key.method == "crc"
        yield Finding(key.method_span, f"auth {key.index} selects {key.method}: "
                                       + ("no authentication at all, anyone on the network can forge cluster messages"
                                          if crc else "md5 is weaker than sha1"),
                      severity=Severity.ERROR if crc else None, hint=f"use `{key.index} sha1 <random key>`")


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
        return (key.method_span, f"key {key.index} is {key.method} on {_name(signer)} but {other.method} on "
                                 f"{_name(verifier)}", (other.method_span,))
    if key.secret is None or other.secret is None or key.secret == other.secret:
        return None
    if key.secret_is_marker != other.secret_is_marker:
        return None  # one side redacted, the other not: cannot compare without the secret
    return (key.secret_span, f"key {key.index} ({key.method}) differs between {_name(signer)} and {_name(verifier)}",
            (other.secret_span,))
