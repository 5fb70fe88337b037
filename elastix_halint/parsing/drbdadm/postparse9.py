"""drbdadm 9's ``post_parse``: volumes inherited and complete, the connections it derives
(one per pair of a mesh, the implicit one of two host sections), endpoints matched to host
sections and their addresses in force, node ids, address conflicts between resources.
"""

from __future__ import annotations

from elastix_halint.parsing.drbdadm.numbers import addr_scope_local, canonical_ip
from elastix_halint.parsing.drbdadm.config import Host, EndPoint, Path, Conn, Res
from elastix_halint.parsing.drbdadm.verdict import Stop, SEMANTIC


class PostParse9:
    """drbdadm 9 after parsing (drbdadm_postparse.c)."""

    def post_parse_9(self) -> None:
        for res in self.config:
            any_implicit = any_nonzero = False
            for host in res.hosts:
                self.inherit_volumes(res.volumes, host, line=None)
                for vol in host.volumes.values():
                    any_implicit |= vol.implicit
                    any_nonzero |= vol.vnr != 0
                    self.check_meta_disk(vol, host.on_hosts)
                if host.require_minor:
                    self.check_volumes_complete_9(res, host)
            if res.hosts:
                for other in res.hosts:
                    self.volume_sets_equal(res, res.hosts[0], other, self.line)
            if any_implicit and any_nonzero:
                self.error(self.line, f"in resource {res.name}: you must not mix implicit and explicit volumes")
        for res in self.config:
            if res.stacked_on_one:
                self.set_on_hosts(res)
        for res in self.config:
            for conn in res.conns:
                for path in conn.paths:
                    if len(path.ends) != 2:
                        what = "connection" if path.implicit else "path"
                        self.error(path.line, f"Resource {res.name}: {what} needs to have two endpoints", file=res.file)
            if not self.valid:
                continue
            for names, line, net in res.meshes:
                self.mesh_connections(res, names, line, net)
            if not res.conns:
                self.implicit_connection(res)
            for conn in res.conns:
                for path in conn.paths:
                    self.resolve_path(res, conn, path)
            for host in res.hosts:
                if host.node_id is None:
                    self.derror(host, res, "node-id", host.line, res.file)
        if self.valid:
            self.address_conflicts()
        self.set_me_all()
        for res in self.config:
            for conn in res.conns:
                if conn.paths and conn.paths[0].ends:
                    for vnr, line in conn.peer_devices:
                        for end in conn.paths[0].ends:
                            if end.name == "_remote_host" or end.host is None:
                                continue
                            if vnr not in end.host.volumes:
                                self.error(line, f"Resource {res.name}: There is a reference to a volume {vnr} that is "
                                                 "not known in this resource", file=res.file)

    def check_volumes_complete_9(self, res: Res, host: Host) -> None:
        for vol in host.volumes.values():
            if vol.device is None and vol.minor == -1:
                self.derror(host, res, "device", host.line, res.file)
            if (vol.disk or vol.meta_disk or vol.meta_index) and vol.disk != "none":
                if vol.disk is None:
                    self.derror(host, res, "disk", host.line, res.file)
                if vol.meta_disk is None and vol.meta_index is None:
                    vol.meta_disk = vol.meta_index = "internal"
                elif vol.meta_disk is None:
                    self.derror(host, res, "meta-disk", host.line, res.file)
                elif vol.meta_index is None:
                    self.derror(host, res, "meta-index", host.line, res.file)

    def mesh_connections(self, res: Res, names: list, line: int, net: list) -> None:
        for i, first in enumerate(names):
            a = self.find_host(res, first)
            if a is None:
                self.error(res.line, f"in resource {res.name}: There is no 'on' section for hostname '{first}' named in "
                                     "the connection-mesh", file=res.file)
                return
            if a.proxy is not None:
                self.error(a.line, f"in resource {res.name}: proxy in an 'on' section and connection-mesh", file=res.file)
            for second in names[i + 1:]:
                b = self.find_host(res, second)
                if b is None:
                    self.error(res.line, f"in resource {res.name}: There is no 'on' section for hostname '{second}' "
                                         "named in the connection-mesh", file=res.file)
                    return
                if b.proxy is not None and self.valid:
                    self.error(b.line, f"in resource {res.name}: proxy in an 'on' section and connection-mesh",
                               file=res.file)
                if a is b:
                    continue
                path = Path(line, implicit=True, ends=[EndPoint(a.on_hosts[0], line, "", host=a),
                                                       EndPoint(b.on_hosts[0], line, "", host=b)])
                res.conns.append(Conn(line, [path], implicit=True))
                self.inherit_options(res, net)

    def inherit_options(self, res: Res, options: list) -> None:
        """``expand_opts`` of the mesh's net options into a connection it derives: the first of
        each name is taken, a repeat with another value is an error (one with the same value
        is dropped)."""
        taken: dict = {}
        for name, value in options:
            if name not in taken:
                taken[name] = value
            elif not self.same_value(self.values.get("net", {}).get(name, {}), taken[name], value):
                self.error(res.line, f'in resource {res.name}, ambiguous inheritance for option "{name}".',
                           file=res.file)

    def implicit_connection(self, res: Res) -> None:
        ends = []
        for count, host in enumerate(res.hosts, 1):
            if count == 3:
                return  # drbdadm prints "Use explicit 'connection' sections", and goes on
            if host.address is not None:
                name = host.on_hosts[0] if host.lower is None else "_".join(host.on_hosts)
                ends.append(EndPoint(name, host.line, "", host=host, proxy=host.proxy, faked=host.lower is not None))
        if len(res.hosts) == 2:
            res.conns.append(Conn(res.line, [Path(res.line, implicit=True, ends=ends)], implicit=True))

    def resolve_path(self, res: Res, conn: Conn, path: Path) -> None:
        pair: list[Host] = []
        for end in path.ends:
            if end.host is not None:
                if end.host.address is None:
                    self.error(None, f'"connection-mesh" (for "{res.name}") with a host ("{end.name}") that has no '
                                     '"address" defined')
                    return
                pair.append(end.host)
                host = end.host
            elif end.by_address:
                host = next((h for h in res.hosts if h.address is not None and end.address is not None
                             and h.address[1] == end.address[1] and h.address[0] == end.address[0]
                             and h.address[2] == end.address[2]), None)
                if host is None:
                    raise Stop()  # drbdadm dereferences NULL here and crashes
                end.name = "_".join(host.on_hosts)
            elif end.faked:
                host = next((h for h in res.hosts if "_".join(h.on_hosts) == end.name), None)
            else:
                host = self.find_host(res, end.name)
            if host is None and end.name == "_remote_host":
                if conn.peer is None:
                    continue
                host = conn.peer
            if host is None:
                # drbdadm names the entry file here (its config_file after parsing) with the line
                # of the statement in whatever file it is.
                self.error(end.line, f"in resource {res.name} a hostname (\"{end.name}\") is given with a \"host\" "
                                     "keyword, has no \"address\" keyword, and no matching host section (\"on\" keyword)",
                           real=(end.file, end.line))
                return
            end.host = host
            if end.address is None or end.port is not None:
                addr = end.address or (host.address[:2] if host.address else None)
                port = end.port or (host.address[2] if host.address else None)
                if addr is None or port is None:
                    missing = " and ".join(p for p, have in (("address", addr), ("port", port)) if not have)
                    self.error(end.line, f"Resource {res.name}, host {end.name}: cannot determine which {missing} to use",
                               real=(end.file, end.line))
                else:
                    end.address = (addr[0], addr[1], port)
        if conn.implicit and len(pair) == 2 and pair[0].node_id is None and pair[1].node_id is None:
            if pair[0].address[1] != pair[1].address[1]:
                pair[0].node_id, pair[1].node_id = "0", "1"
            else:
                outside = [e.proxy.outside[1] for e in path.ends if e.proxy is not None and e.proxy.outside]
                if len(outside) == 2 and outside[0] != outside[1]:
                    pair[0].node_id, pair[1].node_id = "0", "1"
                else:
                    self.stop(None, "BAD LUCK, equal hashes", SEMANTIC)

    def address_conflicts(self) -> None:
        """``check_addr_conflict``: an address used by two resources; both ends the same."""
        owner: dict[tuple, tuple] = {}
        for res in self.config:
            for conn in res.conns:
                for path in conn.paths:
                    addrs = []
                    for end in path.ends:
                        addr = end.address if end.address is not None else (end.host.address if end.host else None)
                        if addr is None or addr_scope_local(addr[1]):
                            continue
                        key = (addr[0], canonical_ip(addr[0], addr[1]), addr[2])
                        first = owner.setdefault(key, (res, end))
                        if first[0] is not res:
                            self.error(end.line, f"in resource {res.name}: {addr[0]}:{addr[1]}:{addr[2]} is also used "
                                                 f"(resource {first[0].name})", file=res.file)
                        addrs.append(key)
                    if len(addrs) == 2 and addrs[0] == addrs[1]:
                        self.error(conn.line, f"in resource {res.name} {addrs[0][0]}:{addrs[0][1]}:{addrs[0][2]} is used "
                                              "for both endpoints", file=res.file)
