from __future__ import annotations

import re

from elastix_halint.builtin.heartbeat._helpers import HACF
from elastix_halint.lint.rule import Edit, Finding, Rule, Severity
from elastix_halint.model.facts import physical_interface


# OCR/typing damage in interface names: "ethl" for eth1, "ethO" for eth0.
_OCR_IFACE = re.compile(r"^(eth|em|bond|wlan|ens)([0-9lIO|]*[lIO|][0-9lIO|]*)$")
_OCR_TABLE = str.maketrans({"l": "1", "I": "1", "|": "1", "O": "0"})


def _iface_finding(m, known: set[str] | None, node_name: str | None):
    nic = m.interface
    if known is None:
        ocr = _OCR_IFACE.match(nic)
        if ocr:
            meant = ocr.group(1) + ocr.group(2).translate(_OCR_TABLE)
            return Finding(m.span, f"interface {nic!r} of {m.kind} looks like a misprint of {meant!r}",
                           suggestion=meant, fix=Edit(m.span, meant), hint=f"write {meant}")
        return None
    if nic in known or physical_interface(nic) in known:
        return None
    from elastix_halint.parsing.larkkit import suggest

    meant = suggest(nic, sorted(known))
    return Finding(m.span, f"{m.kind} interface {nic} does not exist on {node_name} (interfaces: "
                           f"{', '.join(sorted(known))}): this path never comes up",
                   suggestion=meant, hint=f"use {meant}" if meant else "name an interface of `ip addr`")


class MediumInterfaceMissing(Rule):
    """A medium names an interface the node does not have, or a ucast goes nowhere useful.

    ## What it checks
    Each `bcast`/`mcast`/`ucast` interface exists in the node's captured `ip addr` (without
    facts, a name with OCR damage such as `ethl` is still reported); every `ucast` address
    is not only the node's own address, and is an address of the peer when its facts are known.

    ## Why it matters
    The medium fails to start and the nodes never hear each other; "ucast directives which go
    to the local machine are effectively ignored" (ha.cf(5) "ucast"), so a file whose only
    ucast is the local address gives no path to the peer.

    ## Example
    ```
    bcast ethl        # eth1
    ```

    ## Fix
    Use the interface names of `ip addr`; give ucast the peer's address (both nodes may list
    both addresses, the local one is ignored).
    """

    id = "HB109"
    name = "medium-interface-missing"
    severity = Severity.ERROR
    kinds = HACF

    def check_file(self, model, ctx):
        node = ctx.node
        known = node.facts.interface_names if node is not None and not node.anonymous else None
        name = node.nodename or node.name if node is not None else None
        for m in model.media:
            if m.interface and m.kind != "serial":
                found = _iface_finding(m, known, name)
                if found:
                    yield found
        if node is not None and node.facts.ipaddrs is not None:
            yield from self._ucast(model, node, ctx.peer(node))

    def _ucast(self, model, node, peer):
        ucasts = [m for m in model.media if m.kind in ("ucast", "ucast6") and m.peer]
        own = node.facts.addresses()
        others = [m for m in model.media if m.kind not in ("ucast", "ucast6")]
        if ucasts and not others and all(m.peer in own for m in ucasts):
            yield Finding(ucasts[0].directive, f"every ucast goes to an address of {node.nodename or node.name} "
                                               "itself; Heartbeat ignores those, so this node sends no heartbeat to the peer",
                          hint="add `ucast IFACE <peer address>`")
        peer_addrs = peer.facts.addresses() if peer is not None and peer.facts.ipaddrs is not None else None
        if peer_addrs is None:
            return
        for m in ucasts:
            if m.peer not in own and m.peer not in peer_addrs:
                yield Finding(m.directive.args[1].span, f"ucast address {m.peer} is neither this node's nor the peer "
                                                        f"{peer.nodename or peer.name}'s address", hint="use the peer's address")
