"""``on``/``floating``/``_this_host`` host sections (``parse_host_section``), ``node-id``, what
a host inherits from its resource and the statements each version requires in it.
"""

from __future__ import annotations

from elastix_halint.parsing.drbdadm.scan import INTEGER, KW, STRING, Tok
from elastix_halint.parsing.drbdadm.numbers import new_strtoll, atoi
from elastix_halint.parsing.drbdadm.config import Host, Res, implicit_volume0
from elastix_halint.parsing.drbdadm.verdict import VALUE, SEMANTIC


class Hosts:
    """Host sections."""

    def parse_host_section(self, res: Res, on_hosts: list, require: bool, by_address: bool = False) -> None:
        self.c_section_start = self.line
        self.fline = self.line
        host = Host(list(on_hosts), self.c_section_start, require_minor=require and self.v == "9")
        in_braces = True
        if by_address:
            host.by_address = True
            host.address = self.parse_address_only()
            if self.v != "9":
                self.check_uniq("IP", f"{host.address[1]}:{host.address[2]}")
            af, addr, port = host.address
            host.on_hosts = [f"ipv6 [{addr}]:{port}" if af == "ipv6" else f"{addr}:{port}"]
            tok = self.lex()
            if self.op(tok, ";"):
                in_braces = False
            elif not self.op(tok, "{"):
                self.expected("{ | ;")
        names = host.on_hosts if by_address and self.v == "9" else on_hosts if not by_address else host.on_hosts
        for h in names:
            self.check_upr("host section", f"{res.name}: on {h}")
        res.hosts.append(host)
        while in_braces:
            tok = self.lex()
            self.fline = self.line
            text = tok.text
            if tok.kind == KW and text in ("disk", "device", "meta-disk", "flexible-meta-disk"):
                label = "meta-disk" if text == "flexible-meta-disk" else text
                for h in names:
                    self.check_upr(f"{label} statement", f"{res.name}:{h}:{label}")
                if self.v == "8.3":
                    self.host_statement_83(host, tok, names)
                elif not self.parse_volume_stmt(self.volume0(host.volumes), names, tok):
                    self.expected("disk | device | address | meta-disk | flexible-meta-disk")
            elif self.kw(tok, "address") or (self.kw(tok, "alternate-link-address") and self.v == "8.4"):
                if host.by_address:
                    self.stop(self.fline, "address statement not allowed for floating {} host sections", SEMANTIC)
                for h in names:
                    label = "address" if text == "address" else "alt-address"
                    self.check_upr(f"{label} statement", f"{res.name}:{h}:{label}")
                addr = self.parse_address(names)
                if text == "address":
                    host.address = addr
            elif self.kw(tok, "proxy"):
                host.proxy = self.parse_proxy_section()
                if self.v != "9":
                    self.proxy_complete(host.proxy, names)
            elif self.kw(tok, "volume") and self.v != "8.3":
                vnr = atoi(self.exp(INTEGER).text)
                self.insert_volume(host.volumes, self.parse_volume(vnr, names))
            elif self.kw(tok, "options") and self.v != "8.3":
                self.exp_op("{")
                self.parse_options("options")
            elif self.v == "9" and self.kw(tok, "node-id"):
                self.parse_node_id(res, host, names)
            elif self.v == "9" and self.kw(tok, "skip"):
                self.parse_skip()
            elif self.op(tok, "}"):
                in_braces = False
            else:
                self.expected("disk | device | address | meta-disk | flexible-meta-disk")
        if self.v == "9":
            return
        if self.v == "8.3":
            self.host_inherit_83(res, host, names, require)
            return
        self.inherit_volumes(res.volumes, host)
        for vol in host.volumes.values():
            self.check_meta_disk(vol, names)
        if not require:
            return
        if host.address is None:
            self.derror(host, res, "address")
        self.check_volumes_complete(res, host)

    def parse_node_id(self, res: Res, host: Host, names: list) -> None:
        value = self.exp(INTEGER).text
        self.node_id_range(value)
        host.node_id = value
        for h in names:
            self.check_upr("node-id statement", f"{res.name}:{h}:node-id")
        self.check_upr("node-id", f"{res.name}:{value}")
        self.exp_op(";")

    def node_id_range(self, value: str) -> None:
        n = new_strtoll(value, "1")
        if n is None:
            self.stop(None, f"{value} is not a valid number", VALUE)
        if not 0 <= n <= 31:
            self.error(self.fline, f"node-id {value} => {n} out of range [0..31]", VALUE)

    def host_statement_83(self, host: Host, tok: Tok, names: list) -> None:
        vol = implicit_volume0(host.volumes)
        if tok.text == "disk":
            vol.disk = self.exp(STRING).text
            for h in names:
                self.check_uniq("disk", f"disk:{h}:{vol.disk}")
            self.exp_op(";")
        elif tok.text == "device":
            self.parse_device(names, vol)
        elif tok.text == "meta-disk":
            self.parse_meta_disk(vol)
            self.check_meta_disk(vol, names)
        else:
            vol.meta_disk = self.exp(STRING).text
            if vol.meta_disk != "internal":
                vol.meta_index = "flexible"
            self.check_meta_disk(vol, names)
            self.exp_op(";")

    def host_inherit_83(self, res: Res, host: Host, names: list, require: bool) -> None:
        vol = implicit_volume0(host.volumes)
        rv = res.volumes.get(0)
        if rv is not None:
            if vol.disk is None and rv.disk is not None:
                vol.disk = rv.disk
                for h in names:
                    self.check_uniq("disk", f"disk:{h}:{vol.disk}")
            if vol.device is None and rv.device is not None:
                vol.device = rv.device
            if vol.minor == -1 and rv.minor != -1:
                vol.minor = rv.minor
                for h in names:
                    self.check_uniq("device-minor", f"device-minor:{h}:{vol.minor}")
            if vol.meta_disk is None and rv.meta_disk is not None:
                vol.meta_disk, vol.meta_index = rv.meta_disk, rv.meta_index
                self.check_meta_disk(vol, names)
        if not require:
            return
        if vol.device is None and vol.minor == -1:
            self.derror(host, res, "device")
        if vol.disk is None:
            self.derror(host, res, "disk")
        if host.address is None:
            self.derror(host, res, "address")
        if vol.meta_disk is None:
            self.derror(host, res, "meta-disk")

    def derror(self, host: Host, res: Res, what: str, line: int | None = None, file: str | None = None) -> None:
        where = self.c_section_start if line is None else line
        self.error(where, f"in resource {res.name}, on {' '.join(host.on_hosts)} {{ ... }}: '{what}' keyword missing.",
                   SEMANTIC, file)
