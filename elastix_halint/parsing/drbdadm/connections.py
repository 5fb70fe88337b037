"""DRBD 9 ``connection`` blocks with their ``host``/``address`` endpoints, ``path`` blocks and
``connection-mesh`` blocks, as drbdadm 9's parser reads them.
"""

from __future__ import annotations

from elastix_halint.parsing.drbdadm.scan import INTEGER, KW, STRING
from elastix_halint.parsing.drbdadm.numbers import atoi
from elastix_halint.parsing.drbdadm.config import Host, EndPoint, Path, Conn, Res


class Connections:
    """DRBD 9 connections, paths and meshes."""

    def parse_endpoint(self, path: Path, keyword: str) -> EndPoint:
        end = EndPoint("", self.line, keyword, self.file)
        if keyword in ("address", "_this_host", "_remote_host"):
            if keyword == "address":
                end.name, end.by_address = "UNKNOWN", True
            else:
                end.name = keyword
            end.address = self.parse_address_only()
            self.optional_via(end)
            return end
        end.name = self.exp(STRING).text
        tok = self.lex()
        if self.kw(tok, "address"):
            end.address = self.parse_address_only()
            self.optional_via(end)
        elif self.kw(tok, "port"):
            end.port = self.exp(INTEGER).text
            self.optional_via(end)
        elif self.kw(tok, "via"):
            self.exp(KW, "proxy")
            end.proxy = self.parse_proxy_section()
        elif not self.op(tok, ";"):
            self.expected("address | port | ;")
        return end

    def optional_via(self, end: EndPoint) -> None:
        tok = self.lex()
        if self.kw(tok, "via"):
            nxt = self.lex()
            if nxt.kind == STRING and nxt.text == "outside-address":
                # ``via outside-address ADDR;`` (NAT): newer than drbd-utils 9.22, taken as above.
                self.parse_address_only()
                self.exp_op(";")
                return
            if not self.kw(nxt, "proxy"):
                self.expected("TK_PROXY")
            end.proxy = self.parse_proxy_section()
        elif not self.op(tok, ";"):
            self.expected("via | ; ")

    def parse_connection(self) -> Conn:
        conn = Conn(self.line)
        tok = self.lex()
        if tok.kind == STRING:
            self.exp_op("{")
        elif not self.op(tok, "{"):
            self.expected("{")
        hosts = 0
        have_net = False
        while True:
            tok = self.lex()
            if tok.kind == KW and tok.text in ("address", "host", "_this_host", "_remote_host"):
                path = self.path0(conn)
                path.ends.append(self.parse_endpoint(path, tok.text))
                hosts += 1
                if hosts >= 3:
                    self.error(self.fline, "only two 'host' keywords per connection allowed")
            elif self.kw(tok, "_peer_node_id"):
                conn.peer = Host([], self.c_section_start, implicit=True)
                value = self.exp(INTEGER).text
                self.node_id_range(value)
                conn.peer.node_id = value
                self.exp_op(";")
            elif self.kw(tok, "net"):
                if have_net:
                    self.error(self.fline, "only one 'net' section per connection allowed")
                self.exp_op("{")
                self.parse_options("net")
                have_net = True
            elif self.kw(tok, "skip"):
                self.parse_skip()
            elif self.kw(tok, "disk"):
                self.exp_op("{")
                self.parse_options("peer-disk")
            elif self.kw(tok, "volume"):
                vnr = atoi(self.exp(INTEGER).text)
                line = self.line
                self.exp_op("{")
                self.exp(KW, "disk")
                self.exp_op("{")
                self.parse_options("peer-disk")
                self.exp_op("}")
                conn.peer_devices.append((vnr, line))
            elif self.kw(tok, "_is_standalone"):
                self.exp_op(";")
            elif self.kw(tok, "path"):
                conn.paths.append(self.parse_path())
            elif self.op(tok, "}"):
                if not conn.paths:
                    self.error(self.fline, "connection without a single path (maybe empty?) not allowed")
                return conn
            else:
                self.expected("host | net | skip | }")

    def path0(self, conn: Conn) -> Path:
        if not conn.paths:
            path = Path(self.line, implicit=True)
            conn.paths.append(path)
            return path
        path = conn.paths[0]
        if not path.implicit:
            self.error(self.line, "Explicit and implicit paths not allowed")
        return path

    def parse_path(self) -> Path:
        path = Path(self.line)
        self.exp_op("{")
        hosts = 0
        while True:
            tok = self.lex()
            if tok.kind == KW and tok.text in ("address", "host", "_this_host", "_remote_host"):
                path.ends.append(self.parse_endpoint(path, tok.text))
                hosts += 1
                if hosts >= 3:
                    self.error(self.fline, "only two 'host' keywords per path allowed")
            elif self.op(tok, "}"):
                return path
            else:
                self.expected("host | }")

    def parse_mesh(self, res: Res) -> None:
        line = self.line
        self.exp_op("{")
        names: list[str] = []
        net = Res("", res.file, line)  # holds the mesh's net options, which each derived connection inherits
        have_net = False
        while True:
            tok = self.lex()
            if self.kw(tok, "hosts"):
                names += self.parse_hosts(";")
            elif self.kw(tok, "net"):
                if have_net:
                    self.error(self.fline, "only one 'net' section allowed")
                self.exp_op("{")
                self.parse_options("net", net)
                have_net = True
            elif self.op(tok, "}"):
                res.meshes.append((names, line, net.options.get("net", [])))
                return
            else:
                self.expected("hosts | net | }")
