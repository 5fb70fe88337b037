"""What the emulator keeps of a configuration while reading it: drbdadm's ``struct d_resource``,
``d_host_info``, ``d_volume``, ``connection``, ``path`` and ``hname_address`` reduced to what
its checks look at. (halint's own model, model/drbd.py, is built by the grammar-based parser;
these only serve the verdict.)
"""

from __future__ import annotations

from elastix_halint.model.record import Mutable, field


class Vol(Mutable):
    vnr: int = 0
    device: str | None = None
    minor: int = -1
    disk: str | None = None
    meta_disk: str | None = None
    meta_index: str | None = None
    implicit: bool = False
    parsed: bool = False  # 9: a device/disk/meta-disk statement was written for it
    line: int = 0


def implicit_volume0(volumes: dict, **fields) -> Vol:
    """``volumes[0]``, made implicit (with ``fields``) when missing: ``setdefault`` without
    building a Vol on every call (several per host section)."""
    vol = volumes.get(0)
    if vol is None:
        vol = volumes[0] = Vol(0, implicit=True, **fields)
    return vol


class Proxy(Mutable):
    on_hosts: list
    inside: tuple | None = None
    outside: tuple | None = None


class Host(Mutable):
    on_hosts: list
    line: int
    by_address: bool = False
    address: tuple | None = None  # (af, addr, port)
    node_id: str | None = None
    volumes: dict = field(default_factory=dict)  # vnr -> Vol
    proxy: Proxy | None = None
    lower_name: str | None = None
    lower: object | None = None
    require_minor: bool = False
    implicit: bool = False


class EndPoint(Mutable):
    name: str
    line: int
    keyword: str
    file: str = ""
    address: tuple | None = None
    port: str | None = None
    host: Host | None = None
    by_address: bool = False
    proxy: Proxy | None = None
    faked: bool = False


class Path(Mutable):
    line: int
    implicit: bool = False
    ends: list = field(default_factory=list)


class Conn(Mutable):
    line: int
    paths: list = field(default_factory=list)
    implicit: bool = False
    peer: Host | None = None
    peer_devices: list = field(default_factory=list)  # (vnr, line)


class Res(Mutable):
    name: str
    file: str
    line: int
    hosts: list = field(default_factory=list)
    volumes: dict = field(default_factory=dict)
    conns: list = field(default_factory=list)
    meshes: list = field(default_factory=list)  # (names, line, [(net option, value)])
    options: dict = field(default_factory=dict)  # section -> [(name, value)]
    become_primary_on: list = field(default_factory=list)
    me: Host | None = None
    peer: Host | None = None
    ignore: bool = False
    stacked_on_one: bool = False
    stacked: bool = False
