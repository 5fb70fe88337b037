"""A resource's connections the way drbdadm 9 reads them (model/drbd_net.py): the written
``connection`` blocks with their ``host``/``address`` endpoints and ``path`` blocks, the
connections of each ``connection-mesh``, and, when none is written, the one drbdadm derives
between the two host sections. Endpoints are matched to host sections and get the address in
force (written here, else the host's, with ``port N`` applied), as drbdadm's post-parse
``set_host_info_in_host_address_pairs`` does."""

from __future__ import annotations

from elastix_halint.model.drbd import Address, Host, Option, Section, Value
from elastix_halint.model.drbd_net import Connection, Endpoint, Mesh, Path, Proxy
from elastix_halint.model.span import Span
from elastix_halint.parsing import drbd_values as values_of

# Statements and blocks that are an endpoint in a ``connection`` or ``path``.
ENDPOINT_KEYWORDS = ("host", "address", "_this_host", "_remote_host")


def hostnames_equal(a: str, b: str) -> bool:
    """drbdadm 9's comparison: case-insensitive; a short name equals a qualified one with the
    same host part only when one of them is short."""
    a_dot, b_dot = a.find("."), b.find(".")
    if a_dot >= 0 and b_dot >= 0:
        return a.lower() == b.lower()
    a_short = a if a_dot < 0 else a[:a_dot]
    b_short = b if b_dot < 0 else b[:b_dot]
    return a_short.lower() == b_short.lower()


def find_host(hosts: tuple[Host, ...], name: str) -> Host | None:
    for h in hosts:
        if any(hostnames_equal(n, name) for n in h.drbd_names):
            return h
    return None


def _same_address(a: Address, b: Address) -> bool:
    return a.ip == b.ip and a.family == b.family and a.port == b.port


def _span_of(values: tuple[Value, ...], fallback: Span) -> Span:
    if not values:
        return fallback
    first, last = values[0].span, values[-1].span
    return Span(first.file, first.line, first.column, last.end_line, last.end_column)


def read_address(values: tuple[Value, ...], fallback: Span) -> Address | None:
    """``[AF] IP:PORT`` at the start of ``values`` (None when unreadable: the parser reported it)."""
    words = values[:2] if values and values[0].text in ("ipv4", "ipv6", "ssocks", "sdp", "sci") else values[:1]
    addr, _problems = values_of.address(words, _span_of(words, fallback))
    return addr


def make_proxy(sec: Section) -> Proxy:
    """``proxy on NAMES { inside …; outside …; options { … plugin { … } } }``."""
    texts = [a.text for a in sec.args]
    names = tuple(texts[len(texts) - texts[::-1].index("on"):]) if "on" in texts else ()

    def addr(name: str) -> Address | None:
        opt = sec.option(name)
        return read_address(opt.values, opt.span) if opt is not None else None

    opts = sec.section("options")
    plugins = tuple(o.text and f"{o.name} {o.text}" or o.name for p in (opts.sections_named("plugin") if opts else ())
                    for o in p.options)
    return Proxy(names, addr("inside"), addr("outside"), tuple(opts.options) if opts else (), plugins, sec.span)


def _endpoint(node: Option | Section, hosts: tuple[Host, ...]) -> Endpoint:
    """An endpoint from ``host NAME [address …] [port N] [via proxy on P { … }]``,
    ``address [AF] IP:PORT``, ``_this_host [address] …`` or ``_remote_host …``."""
    is_block = isinstance(node, Section)
    keyword = node.keyword if is_block else node.name
    words = node.args if is_block else node.values
    span = node.span
    i, name, written, port = 0, None, None, None
    if keyword == "host" and words:
        name, i = words[0].text, 1
    if keyword != "host" or (i < len(words) and words[i].text == "address"):
        i += 1 if i < len(words) and words[i].text == "address" else 0
        addr_words = words[i:i + 2] if i < len(words) and words[i].text in ("ipv4", "ipv6", "ssocks", "sdp", "sci") else words[i:i + 1]
        written = read_address(tuple(addr_words), span)
        i += len(addr_words)
    if i < len(words) and words[i].text == "port" and i + 1 < len(words) and words[i + 1].text.isdigit():
        port = int(words[i + 1].text)
    proxy = make_proxy(node) if is_block else None
    if keyword == "address":
        host = next((h for h in hosts if h.address is not None and written is not None
                     and _same_address(h.address, written)), None)
        name = "_".join(host.drbd_names) if host is not None else (str(written) if written else "")
    elif keyword in ("_this_host", "_remote_host"):
        host, name = None, keyword
    else:
        host = find_host(hosts, name or "")
    address = written
    if address is None and host is not None and host.address is not None:
        base = host.address
        address = Address(base.family, base.ip, port if port is not None else base.port, base.span, base.family_written)
    elif address is None and port is not None:
        address = None  # a port without any IP: drbdadm cannot tell the address either
    return Endpoint(name or "", keyword, address, span, written, port, host, proxy)


def _endpoint_nodes(sec: Section):
    """The endpoint statements and blocks of a connection or path, in file order."""
    nodes = [o for o in sec.options if o.name in ENDPOINT_KEYWORDS]
    nodes += [s for s in sec.sections if s.keyword in ENDPOINT_KEYWORDS]
    return sorted(nodes, key=lambda n: (n.span.line, n.span.column))


def _written(sec: Section, hosts: tuple[Host, ...]) -> Connection:
    paths = []
    direct = [_endpoint(n, hosts) for n in _endpoint_nodes(sec)]
    if direct:
        paths.append(Path(tuple(direct), direct[0].span, implicit=True))
    for p in sec.sections_named("path"):
        paths.append(Path(tuple(_endpoint(n, hosts) for n in _endpoint_nodes(p)), p.span, implicit=False))
    volumes = []
    for vol in sec.sections_named("volume"):
        try:
            number = int(vol.args[0].text)
        except (IndexError, ValueError):
            continue
        volumes.append((number, tuple(o for d in vol.sections_named("disk") for o in d.options)))
    peer = sec.option("_peer_node_id")
    return Connection(
        paths=tuple(paths),
        span=sec.span,
        origin="written",
        name=sec.args[0].text if sec.args else None,
        net=tuple(o for n in sec.sections_named("net") for o in n.options),
        disk=tuple(o for d in sec.sections_named("disk") for o in d.options),
        volumes=tuple(volumes),
        peer_node_id=peer.normalised if peer is not None and isinstance(peer.normalised, int) else None,
        section=sec,
    )


def _derived_end(host: Host, span: Span, stacked_name: bool = False) -> Endpoint:
    names = host.drbd_names
    name = "_".join(names) if stacked_name else (names[0] if names else "")
    return Endpoint(name, "", host.address, span, None, None, host, host.proxy)


def _mesh(sec: Section, hosts: tuple[Host, ...]) -> tuple[Mesh, list[Connection]]:
    names = tuple(v.text for o in sec.options_named("hosts") for v in o.values)
    net = tuple(o for n in sec.sections_named("net") for o in n.options)
    mesh = Mesh(names, sec.span, net, sec)
    # drbdadm's expand_opts: a derived connection takes the first option of each name (a repeat
    # with the same value is dropped, with another one drbdadm refuses the file).
    by_name: dict = {}
    for o in net:
        by_name.setdefault(o.canonical_name, o)
    inherited = tuple(by_name.values())
    conns = []
    for i, first in enumerate(names):
        a = find_host(hosts, first)
        for second in names[i + 1:]:
            b = find_host(hosts, second)
            if a is None or b is None or a is b:
                continue
            path = Path((_derived_end(a, sec.span), _derived_end(b, sec.span)), sec.span, implicit=True)
            conns.append(Connection((path,), sec.span, "mesh", net=inherited, section=sec))
    return mesh, conns


def _implicit(hosts: tuple[Host, ...], span: Span) -> list[Connection]:
    """drbdadm's ``create_implicit_connections``: exactly two host sections, no connection
    written; an end only for a host with an address."""
    if len(hosts) != 2:
        return []
    ends = tuple(_derived_end(h, h.span, stacked_name=h.lower is not None) for h in hosts if h.address is not None)
    return [Connection((Path(ends, span, implicit=True),), span, "implicit")]


def make_connections(res: Section, hosts: tuple[Host, ...]) -> tuple[tuple[Connection, ...], tuple[Mesh, ...]]:
    conns = [_written(s, hosts) for s in res.sections_named("connection")]
    meshes = []
    for sec in res.sections_named("connection-mesh"):
        mesh, derived = _mesh(sec, hosts)
        meshes.append(mesh)
        conns += derived
    if not conns:
        conns = _implicit(hosts, res.span)
    return tuple(conns), tuple(meshes)
