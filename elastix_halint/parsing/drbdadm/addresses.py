"""``address [AF] IP:PORT`` (``parse_address``), its uniqueness check (8.x: per IP:port, or per
host for a loopback address) and ``proxy on … { inside …; outside …; }`` sections.
"""

from __future__ import annotations

from elastix_halint.parsing.drbdadm.scan import INTEGER, IPADDR, IPADDR6, KW
from elastix_halint.parsing.drbdadm.numbers import new_strtoll, addr_scope_local
from elastix_halint.parsing.drbdadm.config import Proxy
from elastix_halint.parsing.drbdadm.verdict import VALUE


class Addresses:
    """Addresses and proxy sections."""

    def parse_address_only(self) -> tuple:
        tok = self.lex()
        if self.kw(tok, "sci"):
            af = "ssocks"
            addr = self.exp(IPADDR).text
        elif tok.kind == KW and tok.text in ("ssocks", "sdp", "ipv4"):
            af = tok.text
            addr = self.exp(IPADDR).text
        elif self.kw(tok, "ipv6"):
            af = "ipv6"
            self.exp_op("[")
            addr = self.exp(IPADDR6).text
        elif tok.kind == IPADDR:
            af, addr = "ipv4", tok.text
        else:
            self.expected("ssocks | sdp | ipv4 | ipv6 | <ipv4 address> ")
        if af == "ipv6":
            self.exp_op("]")
        self.exp_op(":")
        port = self.exp(INTEGER).text
        self.port_check(port)
        return (af, addr, port)

    def port_check(self, port: str) -> None:
        value = new_strtoll(port, "1")
        if value is None:
            self.stop(None, f"{port} is not a valid number", VALUE)
        if not 1 <= value <= 65535:
            self.error(self.fline, f"port {port} => {value} out of range [1..65535]", VALUE)

    def parse_address(self, on_hosts: list | None) -> tuple:
        addr = self.parse_address_only()
        if self.v != "9":
            if addr_scope_local(addr[1]):
                for h in on_hosts or ():
                    self.check_uniq("IP", f"{h}:{addr[1]}:{addr[2]}")
            else:
                self.check_uniq("IP", f"{addr[1]}:{addr[2]}")
        self.exp_op(";")
        return addr

    def parse_proxy_section(self) -> Proxy:
        self.exp(KW, "on")
        proxy = Proxy(self.parse_hosts("{"))
        while True:
            tok = self.lex()
            if self.kw(tok, "inside"):
                proxy.inside = self.parse_address(proxy.on_hosts)
            elif self.kw(tok, "outside"):
                proxy.outside = self.parse_address(proxy.on_hosts)
            elif self.kw(tok, "options") and self.v != "8.3":
                self.exp_op("{")
                self.parse_options("proxy")
            elif self.op(tok, "}"):
                break
            else:
                self.expected("inside | outside")
        return proxy

    def proxy_complete(self, proxy: Proxy, host_names: list) -> None:
        for part in ("inside", "outside"):
            if getattr(proxy, part) is None:
                self.error(self.c_section_start, f"in section: on {' '.join(host_names)} {{ proxy on … {{ … }} }}: "
                                                 f"'{part}' keyword missing.")
