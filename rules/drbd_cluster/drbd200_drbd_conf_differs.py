from __future__ import annotations

from elastix_halint.lint.rule import Finding, Rule, Severity


def _option_value(opt) -> object:
    return opt.normalised if opt.normalised is not None else opt.text


def _signature(model) -> dict:
    """What drbdadm acts on, keyed so the two nodes' files compare item by item (file order).

    Key → (where, statement as shown, value, model node to point at). Options compare by their
    canonical (8.4) name and normalised value, so `syncer { rate 100M; }` equals
    `resync-rate 100M`. The shared-secret is compared but never shown."""
    sig: dict = {}
    if model.global_ is not None:
        for opt in model.global_.options:
            sig[("global", opt.name)] = ("global", _statement(opt), _option_value(opt), opt)
    for res in model.resources:
        where = f"resource {res.name}"
        sig[(res.name,)] = (where, f"resource {res.name}", True, res.name_span)
        if res.protocol is not None:
            sig[(res.name, "protocol")] = (where, f"protocol {res.protocol_value}", res.protocol_value, res.protocol)
        for merged in res.settings.values():
            for opt in merged.options:
                if opt.canonical_name == "protocol":
                    continue  # res.protocol above: 8.3 writes it in the resource, 8.4 in net
                key = (res.name, opt.canonical_section, opt.canonical_name)
                sig[key] = (where, _statement(opt), _option_value(opt), opt)
        for host in res.hosts:
            hname = " ".join(host.names) or host.keyword
            hkey = (res.name, "host", hname)
            anchor = host.section.args[0].span if host.section.args else host.span
            sig[hkey] = (where, f"on {hname}", True, anchor)
            if host.address is not None:
                sig[hkey + ("address",)] = (f"{where}, on {hname}", f"address {host.address}", str(host.address),
                                            host.address)
            for vol in host.volumes:
                for name in ("device", "disk", "meta-disk"):
                    opt = vol.option(name)
                    if opt is not None:
                        sig[hkey + (vol.number, name)] = (f"{where}, on {hname}", _statement(opt), opt.text, opt)
        for use in res.address_uses():  # DRBD 9 connection and path endpoints with their own address
            if use.role in ("connection", "path"):
                hosts = " ".join(use.connection.host_names)
                sig[(res.name, use.role, hosts, use.host, str(use.address))] = (
                    f"{where}, {use.role} {hosts}", f"host {use.host} address {use.address}", True, use.span)
    return sig


def _statement(opt) -> str:
    if opt.secret:
        return opt.name
    return f"{opt.section} {{ {opt.name} {opt.text}; }}".replace(" ;", ";") if opt.section != "resource" \
        else f"{opt.name} {opt.text}"


def _differences(mine: dict, theirs: dict) -> list:
    keys = list(mine) + [k for k in theirs if k not in mine]
    return [k for k in keys if (k in mine) != (k in theirs) or (k in mine and mine[k][2] != theirs[k][2])]


class DrbdConfDiffers(Rule):
    """drbd.conf (with its includes) means something different on the two nodes.

    ## What it checks
    Both nodes' drbd.conf as drbdadm reads them (includes followed, `common` merged into each
    resource, 8.3 and 8.4 spellings of an option taken as one): every resource, option, `on`
    section, address and disk. Each node gets one finding at its first differing statement,
    with the peer's statement as the related location. A difference only in what each node
    applies on its own (`global`, `startup`, `handlers`) is a warning; files that differ only in
    comments are reported as info. DRBD 9 connection and path addresses count as well.

    ## Why it matters
    Net options are negotiated when the nodes connect: a different `protocol`,
    `cram-hmac-alg`, `shared-secret` or `after-sb-*` makes the handshake fail ("incompatible
    communication protocols", "Authentication of peer failed") and the resource stays
    StandAlone; different `on` sections give each node a different idea of its peer.
    drbd.conf(5): "The file /etc/drbd.conf should be the same on both nodes of the cluster".

    ## Example
    ```
    # voipserver.drbd                      # voipbackup.drbd
    after-sb-1pri discard-secondary;       after-sb-1pri disconnect;
    ```

    ## Fix
    Edit the file on one node and copy it to the other (`scp /etc/drbd.conf peer:/etc/`),
    then `drbdadm adjust all` on both.
    """

    id = "DRBD200"
    name = "drbd-conf-differs"
    severity = Severity.ERROR
    scope = "cluster"
    needs = ("drbd", "peer")

    def check_cluster(self, cluster, ctx):
        if len(cluster.nodes) != 2:
            return
        a, b = cluster.nodes
        sig_a, sig_b = _signature(a.drbd), _signature(b.drbd)
        diffs_a, diffs_b = _differences(sig_a, sig_b), _differences(sig_b, sig_a)
        if not diffs_a:
            yield from self._comments_only(a, b)
            return
        for node, peer, diffs, mine, theirs in ((a, b, diffs_a, sig_a, sig_b), (b, a, diffs_b, sig_b, sig_a)):
            serious = [k for k in diffs if not _local_only(k)]
            key = (serious or diffs)[0]
            here, there = mine.get(key), theirs.get(key)
            more = f" (and {len(diffs) - 1} more difference{'s' if len(diffs) > 2 else ''})" if len(diffs) > 1 else ""
            if here is None:
                where, text = _anchor(node, key, mine), f"`{there[1]}` is in {peer.label}'s drbd.conf, not in " \
                                                        f"{node.label}'s"
            elif there is None:
                where, text = here[3], f"`{here[1]}` is in {node.label}'s drbd.conf, not in {peer.label}'s"
            elif "shared-secret" in key:
                where, text = here[3], (f"the shared-secrets of {node.label} and {peer.label} differ: the "
                                        "peers fail to authenticate")
            else:
                where, text = here[3], f"`{here[1]}` on {node.label}, but `{there[1]}` on {peer.label}"
            yield Finding(where, f"{(here or there)[0]}: {text}{more}", severity=None if serious else Severity.WARNING,
                          related=(there[3],) if there is not None else (), hint=_HINT)

    def _comments_only(self, a, b):
        ca = [c.text for c in a.drbd.comments]
        cb = [c.text for c in b.drbd.comments]
        if ca == cb:
            return
        first = next((c for c, t in zip(a.drbd.comments, cb + [None] * len(ca)) if c.text != t), None)
        where = first or (a.drbd.resources[0].name_span if a.drbd.resources else None)
        if where is not None:
            yield Finding(where, f"drbd.conf of {a.label} and {b.label} differ only in comments",
                          severity=Severity.INFO, hint="keep one copy of the file on both nodes")


# Settings each node applies on its own (not negotiated, not naming the peer): a difference there
# is a warning, e.g. a handler path that is /usr/lib64 on one node's architecture.
LOCAL_SECTIONS = frozenset({"global", "startup", "handlers"})


def _local_only(key) -> bool:
    return key[0] == "global" or len(key) == 3 and key[1] in LOCAL_SECTIONS


_HINT = "keep drbd.conf identical: edit it on one node, copy it to the other, then `drbdadm adjust all` on both"


def _anchor(node, key, mine):
    """Where a statement missing on ``node`` belongs: its enclosing resource, else the first one."""
    res_entry = mine.get(key[:1])
    if res_entry is not None:
        return res_entry[3]
    for entry in mine.values():
        return entry[3]
    return None
