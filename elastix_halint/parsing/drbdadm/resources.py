"""``resource`` and ``common`` bodies (``parse_resource``: which statements each version
takes there, 8.3's resource-level device/disk/meta-disk) and ``stacked-on-top-of`` sections.
"""

from __future__ import annotations

from elastix_halint.parsing.drbdadm.scan import EOF, INTEGER, KW, STRING, Tok
from elastix_halint.parsing.drbdadm.numbers import atoi
from elastix_halint.parsing.drbdadm.config import Vol, Host, Res, implicit_volume0
from elastix_halint.parsing.drbdadm.verdict import VALUE, INCLUDE


class Resources:
    """Resource bodies and stacked sections."""

    def parse_resource(self, name: str, none_host: bool = False) -> Res:
        self.upr = {}
        self.check_uniq("resource section", name)
        res = Res(name, self.file, self.line)
        while True:
            tok = self.lex()
            self.fline = self.line
            text = tok.text
            if (tok.kind == KW and text == "protocol" and self.v != "9") or (self.v == "9" and tok.kind == STRING
                                                                               and text == "protocol"):
                self.check_upr("protocol statement", f"{name}: protocol")
                if self.v == "9":
                    self.option_value(self.values["net"]["protocol"], "protocol", False, res, "net")
                else:
                    value = self.exp(STRING).text
                    if self.v == "8.4" and not self.enum_ok(self.values["net"]["protocol"], value):
                        self.error(None, f"unknown protocol '{value}', should be one of A,B,C", VALUE)
                    self.add_option(res, "net", "protocol", value)
                    self.add_option(res, "net-protocol", "protocol", value)
                    self.exp_op(";")
            elif self.kw(tok, "on"):
                names = self.parse_hosts("{")
                self.on_names += names
                self.parse_host_section(res, names, require=True)
            elif self.kw(tok, "stacked-on-top-of"):
                self.parse_stacked_section(res)
            elif self.kw(tok, "ignore-on") and self.v != "9":
                self.exp(STRING)
                self.exp_op(";")
            elif self.kw(tok, "_this_host"):
                self.exp_op("{")
                self.parse_host_section(res, ["_this_host"], require=False)
            elif self.kw(tok, "_remote_host") and self.v != "9":
                self.exp_op("{")
                self.parse_host_section(res, ["_remote_host"], require=False)
            elif self.kw(tok, "floating"):
                self.parse_host_section(res, [], require=True, by_address=True)
            elif self.kw(tok, "disk"):
                nxt = self.lex()
                if nxt.kind == STRING:
                    if self.v == "8.3":
                        self.res_vol(res).disk = nxt.text
                    else:
                        vol = self.volume0(res.volumes)
                        vol.disk, vol.parsed = nxt.text, True
                    self.exp_op(";")
                elif self.op(nxt, "{"):
                    self.check_upr("disk section", f"{name}:disk")
                    self.parse_options("disk", res)
                else:
                    self.string_error(nxt)
                    self.expected("TK_STRING | {")
            elif tok.kind == KW and text in ("net", "syncer", "startup", "handlers") or (
                    self.kw(tok, "options") and self.v != "8.3"):
                what = {"handlers": "handlers section", "options": "resource options section"}.get(text, f"{text} section")
                key = {"options": f"{name}:res_options"}.get(text, f"{name}:{text}")
                self.check_upr(what, key)
                self.exp_op("{")
                self.parse_options(text, res)
            elif self.kw(tok, "proxy"):
                self.check_upr("proxy section", f"{name}:proxy")
                self.exp_op("{")
                self.parse_options("proxy", res)
            elif tok.kind == KW and text in ("device", "meta-disk", "flexible-meta-disk"):
                if text == "device":
                    self.check_upr("device statement", f"{name}:device")
                if self.v == "8.3":
                    self.res_statement_83(res, tok)
                else:
                    self.parse_volume_stmt(self.volume0(res.volumes), None, tok)
            elif self.kw(tok, "volume") and self.v != "8.3":
                vnr = atoi(self.exp(INTEGER).text)
                self.insert_volume(res.volumes, self.parse_volume(vnr, None))
            elif self.v == "9" and self.kw(tok, "connection"):
                res.conns.append(self.parse_connection())
            elif self.v == "9" and self.kw(tok, "connection-mesh"):
                self.parse_mesh(res)
            elif self.v == "9" and self.kw(tok, "template-file"):
                self.exp(STRING)
                self.exp_op(";")
                self.stop(self.line, "template files are not read by halint", INCLUDE)
            elif self.v == "9" and self.kw(tok, "skip"):
                self.parse_skip()
            elif self.op(tok, "}") or tok.kind == EOF:
                break
            else:
                self.expected("protocol | on | disk | net | syncer | startup | handlers | ignore-on | stacked-on-top-of")
        if none_host and res.hosts:
            self.error(self.c_section_start, f"in the {name} section, there are no host sections allowed.")
        if self.v == "8.4" and not none_host:
            self.check_volumes_hosts(res)
        return res

    def res_vol(self, res: Res) -> Vol:
        return implicit_volume0(res.volumes)

    def res_statement_83(self, res: Res, tok: Tok) -> None:
        vol = self.res_vol(res)
        if tok.text == "device":
            self.parse_device(None, vol)
        elif tok.text == "meta-disk":
            self.parse_meta_disk(vol)
        else:
            vol.meta_disk = self.exp(STRING).text
            if vol.meta_disk != "internal":
                vol.meta_index = "flexible"
            self.exp_op(";")

    def parse_stacked_section(self, res: Res) -> None:
        self.c_section_start = self.line
        self.fline = self.line
        host = Host([], self.line)
        res.hosts.append(host)
        lower = self.exp(STRING).text
        self.check_uniq("stacked-on-top-of", f"stacked:{lower}")
        host.lower_name = lower
        self.exp_op("{")
        while True:
            tok = self.lex()
            if self.kw(tok, "device"):
                if self.v == "8.3":
                    self.parse_device([], implicit_volume0(host.volumes))
                else:
                    vol = self.volume0(host.volumes)
                    self.parse_device([] if self.v == "8.4" else [], vol)
                    vol.meta_disk = vol.meta_index = "internal"
            elif self.kw(tok, "address") or (self.kw(tok, "alternate-link-address") and self.v == "8.4"):
                addr = self.parse_address(None)
                if tok.text == "address":
                    host.address = addr
            elif self.kw(tok, "proxy"):
                host.proxy = self.parse_proxy_section()
            elif self.kw(tok, "volume") and self.v != "8.3":
                vnr = atoi(self.exp(INTEGER).text)
                vol = self.parse_stacked_volume(vnr)
                self.insert_volume(host.volumes, vol)
            elif self.v == "9" and self.kw(tok, "node-id"):
                self.parse_node_id(res, host, [])
            elif self.op(tok, "}"):
                break
            else:
                self.expected("device | address | proxy")
        res.stacked_on_one = True
        if self.v == "8.3":
            vol = implicit_volume0(host.volumes, meta_disk="internal", meta_index="internal")
            vol.meta_disk = vol.meta_disk or "internal"
            rv = res.volumes.get(0)
            if rv is not None:
                if vol.device is None and rv.device is not None:
                    vol.device = rv.device
                if vol.minor == -1 and rv.minor != -1:
                    vol.minor = rv.minor
            if vol.device is None and vol.minor == -1:
                self.derror(host, res, "device")
            if host.address is None:
                self.derror(host, res, "address")
            return
        if self.v == "8.4":
            self.inherit_volumes(res.volumes, host)
            if host.address is None:
                self.derror(host, res, "address")

    def parse_stacked_volume(self, vnr: int) -> Vol:
        vol = Vol(vnr, line=self.line)
        self.exp_op("{")
        if self.v == "8.4":
            self.exp(KW, "device")
            self.parse_device(None, vol)
            self.exp_op("}")
        else:
            while True:
                tok = self.lex()
                if self.kw(tok, "device"):
                    self.parse_device(None, vol)
                elif self.kw(tok, "disk"):
                    self.exp_op("{")
                    self.parse_options("disk")
                elif self.op(tok, "}"):
                    break
                else:
                    self.expected("device | disk | }")
        vol.meta_disk = vol.meta_index = "internal"
        return vol
