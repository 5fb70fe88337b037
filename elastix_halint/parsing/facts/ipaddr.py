"""``ip -o addr show``: one line per address (and, with old iproute, one per link)."""

from __future__ import annotations

import ipaddress

from elastix_halint.model.facts import AddressList, InterfaceAddress
from elastix_halint.parsing.facts._lines import load_with, parse_lines, result, token_span, value_error
from elastix_halint.source import SourceFile

KIND = "ipaddr"
GRAMMAR = "facts_ipaddr.lark"


def sniff(text: str) -> bool:
    import re

    return bool(re.match(r"\s*\d+: \S+\s+inet6? ", text)) or bool(re.match(r"\s*\d+: \S+: <", text))


def _address(file: str, line) -> InterfaceAddress | str:
    """The address of an ``addr_line``, or a message saying what is wrong with it."""
    _index, ifname, family, address, *attrs = line.tree.children
    words = [str(a) for a in attrs if getattr(a, "type", None) == "WORD"]
    sub = {a.data: str(a.children[1]) for a in attrs if hasattr(a, "data")}
    local = str(address)
    prefix_from = sub.get("peer", local)  # with "peer", the prefix belongs to the peer address
    text, _, prefix = local.partition("/")
    prefix = prefix or prefix_from.partition("/")[2]
    try:
        net = ipaddress.ip_interface(f"{text}/{prefix}" if prefix else text)
    except ValueError:
        return f"{local!r} is not an IP address with prefix length"
    if (net.version == 6) != (str(family) == "inet6"):
        return f"{local!r} is not an {family} address"
    base = str(ifname).split("@", 1)[0]
    label = words[-1] if family == "inet" and words and words[-1].startswith(base) else None
    return InterfaceAddress(
        ifname=base,
        family=str(family),
        address=str(net.ip),
        prefix=net.network.prefixlen,
        broadcast=sub.get("brd"),
        label=label,
        scope=sub.get("scope"),
        secondary="secondary" in words,
        span=token_span(file, line.number, address),
    )


def parse(source: SourceFile):
    diags: list = []
    addresses, interfaces = [], []
    for line in parse_lines(source, GRAMMAR, "an 'ip -o addr show' line", diags):
        ifname = str(line.tree.children[1]).split("@", 1)[0]
        if ifname not in interfaces:
            interfaces.append(ifname)
        if line.tree.data != "addr_line":
            continue
        found = _address(source.path, line)
        if isinstance(found, str):
            diags.append(value_error(token_span(source.path, line.number, line.tree.children[3]), found))
        else:
            addresses.append(found)
    return result(KIND, source, AddressList(tuple(addresses), tuple(interfaces)), diags)


def load(path: str, display: str | None = None):
    return load_with(parse, path, display)
