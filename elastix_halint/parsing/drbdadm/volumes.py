"""Volumes: ``device`` (``/dev/drbdN``, ``minor N``, their consistency), ``disk``,
``meta-disk``/``flexible-meta-disk``, ``volume N { }`` blocks, inheritance from the resource
to its host sections, and the completeness and equality checks of the volume sets.
"""

from __future__ import annotations

from elastix_halint.parsing.drbdadm.scan import INTEGER, STRING, Tok
from elastix_halint.parsing.drbdadm.numbers import atoi, minor_of_dev
from elastix_halint.parsing.drbdadm.config import Vol, Host, Res


class Volumes:
    """Devices, disks, meta-disks and volumes."""

    def volume0(self, volumes: dict) -> Vol:
        if not volumes:
            vol = Vol(0, implicit=True, line=self.line)
            volumes[0] = vol
            return vol
        first = volumes[min(volumes)]
        if len(volumes) == 1 and first.vnr == 0 and first.implicit:
            return first
        self.error(self.line, "mixing explicit and implicit volumes is not allowed")
        return first

    def parse_device(self, on_hosts: list | None, vol: Vol) -> None:
        tok = self.lex()
        foreign = self.v == "9" and on_hosts is not None and self.hostname not in on_hosts
        if tok.kind == STRING:
            vol.device = "/dev/" + tok.text if tok.text.startswith("drbd") else tok.text
            if not vol.device.startswith("/dev/drbd") and not foreign:
                self.error(self.fline, "device name must start with /dev/drbd")
            tok = self.lex()
            if self.op(tok, ";"):
                vol.minor = minor_of_dev(vol.device)
                if vol.minor < 0:
                    self.error(self.fline, "no minor given nor device name contains a minor number")
                self.device_uniq(on_hosts, vol)
                return
            if not self.kw(tok, "minor"):
                self.expected("minor | ;")
        if self.kw(tok, "minor"):
            vol.minor = atoi(self.exp(INTEGER).text)
            self.exp_op(";")
            if not foreign:
                self.minor_nonsense(vol.device, vol.minor)
        self.device_uniq(on_hosts, vol)

    def minor_nonsense(self, device: str | None, minor: int) -> None:
        if device is None:
            return
        tail = device[9:]
        if tail.isdigit():
            if int(tail) != minor:
                self.error(self.fline, "explicit minor number must match with device name")
        elif not tail.startswith("_"):
            self.error(self.fline, "arbitrary device name must start with /dev/drbd_")

    def device_uniq(self, on_hosts: list | None, vol: Vol) -> None:
        if self.v == "9" and on_hosts is None:
            return
        for h in on_hosts or ():
            self.check_uniq("device-minor", f"device-minor:{h}:{vol.minor & 0xFFFFFFFF}")
            if vol.device:
                self.check_uniq("device", f"device:{h}:{vol.device}")

    def parse_meta_disk(self, vol: Vol) -> None:
        vol.meta_disk = self.exp(STRING).text
        if self.v == "8.3":
            if vol.meta_disk != "internal":
                self.exp_op("[")
                vol.meta_index = self.exp(INTEGER).text
                self.exp_op("]")
            self.exp_op(";")
            return
        if vol.meta_disk == "internal":
            vol.meta_index = "internal"
            self.exp_op(";")
            return
        tok = self.lex()
        if self.op(tok, "["):
            vol.meta_index = self.exp(INTEGER).text
            self.exp_op("]")
            self.exp_op(";")
        elif self.op(tok, ";"):
            vol.meta_index = "flexible"
        else:
            self.expected("[ | ;")

    def parse_volume_stmt(self, vol: Vol, on_hosts: list | None, tok: Tok) -> bool:
        if self.kw(tok, "disk"):
            nxt = self.lex()
            if nxt.kind == STRING:
                vol.disk = nxt.text
                self.exp_op(";")
            elif self.op(nxt, "{"):
                self.parse_options("disk")
            else:
                self.string_error(nxt)
                self.expected("TK_STRING | {")
        elif self.kw(tok, "device"):
            self.parse_device(on_hosts, vol)
        elif self.kw(tok, "meta-disk"):
            self.parse_meta_disk(vol)
        elif self.kw(tok, "flexible-meta-disk"):
            vol.meta_disk = self.exp(STRING).text
            vol.meta_index = "internal" if vol.meta_disk == "internal" else "flexible"
            self.exp_op(";")
        elif self.v == "9" and self.kw(tok, "skip"):
            self.parse_skip()
            return True
        elif self.v == "9" and tok.kind == STRING and tok.text == "tiebreaker":
            # Newer than drbd-utils 9.22 (which rejects it); real DRBD 9 takes it, so does halint.
            value = self.lex()
            if not (self.kw(value, "yes") or self.kw(value, "no")):
                self.expected("yes | no")
            self.exp_op(";")
            return True
        else:
            return False
        vol.parsed = True
        return True

    def parse_volume(self, vnr: int, on_hosts: list | None) -> Vol:
        vol = Vol(vnr, line=self.line)
        self.exp_op("{")
        while True:
            tok = self.lex()
            if self.op(tok, "}"):
                return vol
            if not self.parse_volume_stmt(vol, on_hosts, tok):
                self.expected("device | disk | meta-disk | flex-meta-disk | }")

    def insert_volume(self, volumes: dict, vol: Vol) -> None:
        if self.v == "9" and vol.vnr in volumes:
            self.error(self.line, f"volume {vol.vnr} defined twice")
        volumes.setdefault(vol.vnr, vol)
        if self.v != "9":
            volumes[vol.vnr] = vol

    def check_meta_disk(self, vol: Vol, names: list, line: int | None = None) -> None:
        if vol.meta_disk is None or vol.meta_disk == "internal":
            return
        for h in names:
            self.check_uniq("meta-disk", f"{h}:{vol.meta_disk}[{vol.meta_index}]", line)

    def inherit_volumes(self, source: dict, host: Host, line: int | None = None) -> None:
        names = host.on_hosts
        for vnr in sorted(source):
            s = source[vnr]
            t = host.volumes.get(vnr)
            if t is None:
                t = Vol(vnr, implicit=s.implicit, line=s.line)
                host.volumes[vnr] = t
                host.volumes = dict(sorted(host.volumes.items()))
            if t.disk is None and s.disk is not None:
                t.disk = s.disk
                for h in names:
                    self.check_uniq("disk", f"disk:{h}:{t.disk}", line)
            if t.device is None and s.device is not None:
                t.device = s.device
            if t.minor == -1 and s.minor != -1:
                t.minor = s.minor
                for h in names:
                    self.check_uniq("device-minor", f"device-minor:{h}:{t.minor & 0xFFFFFFFF}", line)
                    if self.v == "9" and t.device:
                        self.check_uniq("device", f"device:{h}:{t.device}", line)
            if t.meta_disk is None and s.meta_disk is not None:
                t.meta_disk, t.meta_index = s.meta_disk, s.meta_index

    def check_volumes_complete(self, res: Res, host: Host) -> None:
        any_implicit = any_nonzero = False
        for vol in host.volumes.values():
            any_implicit |= vol.implicit
            any_nonzero |= vol.vnr != 0
            if vol.device is None and vol.minor == -1:
                self.derror(host, res, "device")
            if vol.disk is None:
                self.derror(host, res, "disk")
            if vol.meta_disk is None:
                self.derror(host, res, "meta-disk")
            if vol.meta_index is None:
                self.derror(host, res, "meta-index")
        if any_implicit and any_nonzero:
            self.error(self.line, f"in resource {res.name}: you must not mix implicit and explicit volumes")

    def volume_sets_equal(self, res: Res, a: Host, b: Host, line: int) -> None:
        if a is b:
            return
        stacked = a.lower is not None and getattr(a.lower, "me", None) is b
        av, bv = a.volumes, b.volumes
        for vnr in sorted(set(av) | set(bv)):
            if vnr in av and vnr not in bv:
                self.error(line, f"in resource {res.name}, on {' '.join(a.on_hosts)} {{ ... }}: volume {vnr} not defined")
            elif vnr in bv and vnr not in av:
                if not stacked:
                    self.error(line, f"in resource {res.name}, on {' '.join(a.on_hosts)} {{ ... }}: volume {vnr} missing")
            elif av[vnr].implicit != bv[vnr].implicit:
                self.error(line, f"in resource {res.name}: volume {vnr} must not be implicit on one but not the other")

    def check_volumes_hosts(self, res: Res) -> None:
        if not res.hosts:
            return
        first = res.hosts[0]
        for other in res.hosts[1:]:
            self.volume_sets_equal(res, first, other, self.line)
