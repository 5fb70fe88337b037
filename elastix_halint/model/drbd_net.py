"""Who talks to whom in a DRBD resource: connections, paths, their endpoints and proxies.

DRBD 9 writes the network beside the host sections:

* ``connection [NAME] { host A [address [AF] IP:PORT] [port N] [via proxy on P { … }];
  host B …; net { … } disk { … } volume N { disk { … } } }`` — the ``host`` statements form
  the connection's one *implicit* path;
* ``connection { path { host A address …; host B address …; } path { … } }`` — several
  explicit paths (multiple links between the same two nodes);
* ``connection { address IP:PORT; address IP:PORT; }`` — endpoints given by the address of a
  ``floating`` host;
* ``connection-mesh { hosts A B C; net { … } }`` — a connection between each pair;
* nothing at all: with exactly two host sections drbdadm derives the one connection between
  them (also the DRBD 8.3/8.4 reading of a resource).

:class:`Connection` holds them all with ``origin`` saying which (``"written"``, ``"mesh"``,
``"implicit"``). An :class:`Endpoint` names its host as drbdadm's ``dump-xml`` does (an ``on``
host by its first name, a ``floating`` host by ``IP:PORT``, a stacked host by the lower
resource's node names joined with ``_``) and carries the address in force: the one written in
the connection or path, else the host section's, with a ``port N`` applied.

:class:`AddressUse` lists every address a resource mentions with where it was written, so a
rule about addresses, ports, interfaces or peers sees host sections, connections, paths and
proxies alike (``Resource.address_uses()``, ``addresses_of(host)``, ``peers_of(host)``).
"""

from __future__ import annotations

from elastix_halint.model.record import Record, field
from elastix_halint.model.span import Span


class Proxy(Record):
    """``proxy on NAMES { inside ADDR; outside ADDR; options { … } }`` (DRBD proxy), in a host
    section (8.x) or after ``via`` in a DRBD 9 endpoint."""

    on: tuple[str, ...]
    inside: object | None  # Address
    outside: object | None  # Address
    options: tuple = ()  # Options of its ``options { }`` block
    plugins: tuple[str, ...] = ()  # the lines of ``options { plugin { … } }``
    span: Span | None = None

    def to_json(self, redact: bool = True) -> dict:
        return {
            "on": list(self.on),
            "inside": self.inside.to_json() if self.inside else None,
            "outside": self.outside.to_json() if self.outside else None,
            "options": [o.to_json(redact) for o in self.options],
            "plugins": list(self.plugins),
            "span": self.span.to_json() if self.span else None,
        }


class Endpoint(Record):
    """One end of a path.

    ``keyword``: ``host``, ``address`` (a floating host named by its address), ``_this_host``,
    ``_remote_host``, or ``""`` for an end drbdadm derived (mesh, implicit connection).
    ``name``: the host as drbdadm names it. ``written``: the address written here (None when
    taken from the host section); ``port``: a ``port N`` written here; ``address``: the address
    in force (None when neither here nor in the host section: drbdadm rejects that).
    ``host``: the host section it refers to (None when none matches)."""

    name: str
    keyword: str
    address: object | None  # Address
    span: Span
    written: object | None = None  # Address
    port: int | None = None
    host: object | None = None  # Host
    proxy: Proxy | None = None

    def to_json(self, redact: bool = True) -> dict:
        return {
            "name": self.name,
            "keyword": self.keyword,
            "address": self.address.to_json() if self.address else None,
            "written_address": self.written.to_json() if self.written else None,
            "port": self.port,
            "host_span": self.host.span.to_json() if self.host is not None else None,
            "proxy": self.proxy.to_json(redact) if self.proxy else None,
            "span": self.span.to_json(),
        }


class Path(Record):
    """The endpoints of one path; ``implicit``: written as ``host`` statements directly in the
    ``connection`` (or derived by drbdadm), not in a ``path { }`` block."""

    endpoints: tuple[Endpoint, ...]
    span: Span
    implicit: bool = True

    def to_json(self, redact: bool = True) -> dict:
        return {"implicit": self.implicit, "endpoints": [e.to_json(redact) for e in self.endpoints],
                "span": self.span.to_json()}


class Connection(Record):
    """A DRBD 9 connection, written or derived (``origin``: ``written``, ``mesh``,
    ``implicit``). ``net``/``disk`` are the options of its own ``net { }`` and ``disk { }``
    blocks (for a mesh connection the mesh's ``net``, each option once, as drbdadm inherits it); ``volumes`` maps a volume number to the
    options of ``volume N { disk { } }``. ``name``: a deprecated ``connection NAME`` (drbdadm 9
    ignores it). ``section`` is the raw block (the ``connection-mesh`` block for ``mesh``, None
    for ``implicit``)."""

    paths: tuple[Path, ...]
    span: Span
    origin: str = "written"
    name: str | None = None
    net: tuple = ()
    disk: tuple = ()
    volumes: tuple[tuple[int, tuple], ...] = ()
    peer_node_id: int | None = None
    section: object | None = None

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        """Every endpoint of every path."""
        return tuple(e for p in self.paths for e in p.endpoints)

    @property
    def host_names(self) -> tuple[str, ...]:
        """The names of the connected hosts, in the order of the first path."""
        return tuple(e.name for e in self.paths[0].endpoints) if self.paths else ()

    def to_json(self, redact: bool = True) -> dict:
        return {
            "origin": self.origin,
            "name": self.name,
            "hosts": list(self.host_names),
            "paths": [p.to_json(redact) for p in self.paths],
            "net": [o.to_json(redact) for o in self.net],
            "disk": [o.to_json(redact) for o in self.disk],
            "volumes": [{"number": n, "disk": [o.to_json(redact) for o in opts]} for n, opts in self.volumes],
            "peer_node_id": self.peer_node_id,
            "span": self.span.to_json(),
        }


class Mesh(Record):
    """``connection-mesh { hosts A B C; net { … } }``."""

    hosts: tuple[str, ...]
    span: Span
    net: tuple = ()
    section: object | None = None

    def to_json(self, redact: bool = True) -> dict:
        return {"hosts": list(self.hosts), "net": [o.to_json(redact) for o in self.net], "span": self.span.to_json()}


class AddressUse(Record):
    """An address a resource uses: ``host`` is the node it belongs to (drbdadm's name;
    ``host_section`` the Host, None for ``_this_host``/``_remote_host``), ``role`` where it was
    written: ``host`` (the host section's ``address``, or a floating host's), ``connection``
    or ``path`` (an endpoint's own address or ``port``), ``proxy-inside``, ``proxy-outside``.
    ``span`` is where it was written."""

    address: object  # Address
    host: str
    role: str
    span: Span
    connection: Connection | None = field(default=None, compare=False)
    host_section: object | None = field(default=None, compare=False)

    def to_json(self) -> dict:
        return {"host": self.host, "role": self.role, "address": self.address.to_json()}
