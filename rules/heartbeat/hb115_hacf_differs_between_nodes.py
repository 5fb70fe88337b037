from __future__ import annotations

from elastix_halint.builtin.heartbeat._helpers import DEFAULT_UDPPORT
from elastix_halint.lint.rule import Finding, Rule, Severity
from elastix_halint.model.hacf_keywords import COMM_MEDIA


_UNORDERED = ("node", "ping", "env")


def _value_key(spec, text: str) -> str:
    """A value as Heartbeat understands it: `30` = `30000ms`, `on` = `yes`, `Local0` = `local0`."""
    from elastix_halint.model.hacf import parse_bool, parse_time_ms

    if spec.value == "time":
        ms = parse_time_ms(text)
        return f"{ms}ms" if ms is not None else text
    if spec.value in ("bool", "bool+"):
        flag = parse_bool(text)
        return text.lower() if flag is None else ("on" if flag else "off")
    return text.lower() if spec.value in ("choice", "facility") else text


def _normal_hacf(model) -> dict[str, tuple]:
    """ha.cf as Heartbeat applies it: last value of options, sorted lists, media with ports."""
    from elastix_halint.model.hacf_keywords import BY_NAME

    out: dict[str, tuple] = {}
    for d in model.directives:
        spec = BY_NAME.get(d.name)
        if d.name in COMM_MEDIA or d.name == "udpport":
            continue
        if spec is not None and spec.form == "option" and not spec.repeat:
            out[d.name] = (_value_key(spec, d.args[-1].text),) if d.args else ()
        else:
            out[d.name] = out.get(d.name, ()) + ((d.value.lower() if d.name in _UNORDERED else d.value),)
    for name in _UNORDERED:
        if name in out:
            out[name] = tuple(sorted(w for v in out[name] for w in v.split()))
    media = []
    for m in model.media:
        port = m.port if m.port is not None or m.kind not in ("bcast", "ucast", "ucast6") else DEFAULT_UDPPORT
        # ucast peers legitimately differ (each node names the other).
        media.append(f"{m.kind} {m.interface} port={port}" + (f" {m.group} ttl={m.ttl} loop={m.loop}" if m.group else ""))
    out["(media)"] = tuple(sorted(media))
    return out


def _directive_for(model, key: str):
    if key == "(media)":
        return next((m.directive for m in model.media), None)
    return model.last(key)


def _shown(key: str, values: tuple | None, directive) -> str:
    """A differing value for the message: as written for a one-value option, never a password."""
    if values is None:
        return "not set"
    if key.startswith("stonith"):
        return "set (values not shown)"
    if len(values) == 1 and key != "(media)" and directive is not None and directive.args:
        return directive.args[-1].text
    return " / ".join(values) if values else "(empty)"


class HacfDiffersBetweenNodes(Rule):
    """ha.cf is not the same on both nodes.

    ## What it checks
    The two nodes' ha.cf compared as Heartbeat reads them (comments, blanks and the order of
    order-free directives do not matter; ucast peer addresses may differ); the first
    difference is named with the other node's line.

    ## Why it matters
    Different timings or media give asymmetric dead detection: one node declares the other
    dead while it still answers ("This allows the ha.cf directives on all machines to be
    identical", ha.cf(5) "ucast").

    ## Example
    ```
    deadtime 30       # node1
    deadtime 10       # node2
    ```

    ## Fix
    Copy one ha.cf to the other node (`scp /etc/ha.d/ha.cf peer:/etc/ha.d/`).
    """

    id = "HB115"
    name = "hacf-differs-between-nodes"
    severity = Severity.WARNING
    scope = "cluster"
    needs = ("hacf", "peer")

    def check_cluster(self, cluster, ctx):
        a, b = cluster.nodes[0], cluster.nodes[1]
        left, right = _normal_hacf(a.hacf), _normal_hacf(b.hacf)
        for key in list(dict.fromkeys([*left, *right])):
            if left.get(key) == right.get(key):
                continue
            mine, theirs = _directive_for(a.hacf, key), _directive_for(b.hacf, key)
            label = "communication media" if key == "(media)" else key
            # Point at the differing line; the other node's line (or its file) is the related one.
            where, other = (mine, theirs) if mine is not None else (theirs, None)
            if other is None:
                other = (b.hacf if mine is not None else a.hacf).directives[:1]
                other = other[0] if other else None
            yield Finding(
                where,
                f"ha.cf differs between nodes: {label} is {_shown(key, left.get(key), mine)} on {a.nodename or a.name} "
                f"but {_shown(key, right.get(key), theirs)} on {b.nodename or b.name}",
                related=(other,) if other is not None else (),
                hint="make ha.cf identical on both nodes",
            )
            return
