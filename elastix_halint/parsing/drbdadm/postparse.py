"""After parsing, DRBD 8.3/8.4: stacked resources get their lower resource's hosts, each
resource finds the host section of the machine drbdadm runs on (``set_me``), and
``validate_resource`` checks what needs the whole resource.
"""

from __future__ import annotations

from elastix_halint.parsing.drbdadm.numbers import addr_scope_local
from elastix_halint.parsing.drbdadm.config import Vol, Host, Res
from elastix_halint.parsing.drbdadm.verdict import SEMANTIC


class PostParse:
    """drbdadm 8.3/8.4 after parsing."""

    def res_by_name(self, name: str) -> Res | None:
        return next((r for r in self.config if r.name == name), None)

    def set_on_hosts(self, res: Res) -> None:
        for host in res.hosts:
            if host.lower_name is None:
                continue
            lower = self.res_by_name(host.lower_name)
            if lower is None:
                self.error(res.line, f"in resource {res.name}, referenced resource '{host.lower_name}' not defined.",
                           file=res.file)
                continue
            for other in lower.hosts:
                if other.lower_name is None:
                    host.on_hosts += other.on_hosts
                    for h in other.on_hosts:
                        for vol in (host.volumes.values() if self.v != "8.3" else [host.volumes.get(0, Vol())]):
                            self.check_uniq("device-minor", f"device-minor:{h}:{vol.minor & 0xFFFFFFFF}", res.line,
                                            res.file)
                            if vol.device:
                                self.check_uniq("device", f"device:{h}:{vol.device}", res.line, res.file)
            host.lower = lower
            if self.v != "9" and host.address and addr_scope_local(host.address[1]):
                for h in host.on_hosts:
                    self.check_uniq("IP", f"{h}:{host.address[1]}:{host.address[2]}", res.line, res.file)

    def set_me(self, res: Res) -> None:
        for host in res.hosts:
            if host.by_address:
                match = host.address is not None and host.address[1] == self.hostname
            elif host.lower is not None:
                match = host.lower.me is not None
            elif not host.on_hosts:
                continue
            else:
                match = self.hostname in host.on_hosts or host.on_hosts[0] == "_this_host"
            if not match:
                continue
            if res.me is not None:
                self.error(host.line, "There are multiple host sections for this node.", file=res.file)
            res.me = host
            if host.lower is not None:
                res.stacked = True
        if res.me is None:
            res.ignore = True

    def set_me_all(self) -> None:
        """``set_me`` of normal resources first: a stacked one finds its host through its lower's."""
        for res in self.config:
            if not res.stacked_on_one:
                self.set_me(res)
        for res in self.config:
            if res.stacked_on_one:
                self.set_me(res)

    def post_parse(self) -> None:
        if self.v == "9":
            return self.post_parse_9()
        for res in self.config:
            if res.stacked_on_one:
                self.set_on_hosts(res)
        self.set_me_all()
        if self.v == "8.3":
            for res in self.config:
                if res.stacked_on_one and not res.ignore:
                    for host in res.hosts:
                        if host.lower is not None and res.stacked and host.lower.stacked:
                            self.error(res.line, "FIXME. I won't stack stacked resources.", file=res.file)

    def validate(self) -> None:
        """``validate_resource`` of each resource (drbdadm without a terminal: an unknown
        resource in ``resync-after`` is dropped with a warning); drbdadm-83 first checks the
        highest minor against ``minor-count`` and finally wants a resource for its host."""
        if self.v == "8.3":
            self.count_resources_83()
        for res in self.config:
            if self.v == "9" and not res.hosts:
                self.error(res.line, f"in resource {res.name}: a host sections ('on … {{ ... }}') is missing.",
                           file=res.file)
            if self.v == "8.3" and not res.options.get("net-protocol") and not (
                    self.common is not None and self.common.options.get("net-protocol")):
                self.error(res.line, f"in resource {res.name}: protocol definition missing.", file=res.file)
            if res.ignore:
                continue
            self.validate_me(res)
        if self.v == "8.3" and self.config and not any(not r.ignore and not r.stacked for r in self.config):
            self.error(None, "no normal resources defined for this host", SEMANTIC)

    def count_resources_83(self) -> None:
        highest, count = 0, 0
        for res in self.config:
            if res.ignore:
                continue
            vol = res.me.volumes.get(0) if res.me is not None else None
            highest = max(highest, vol.minor if vol is not None else 0)
            count += 1
        highest = max(highest, count - 1)
        if self.minor_count and self.minor_count < highest + 1:
            self.stop(None, f"The highest minor you have in your config is {highest}but a minor_count of "
                            f"{self.minor_count} in your config!", SEMANTIC)

    def validate_me(self, res: Res) -> None:
        peers = [h for h in res.hosts if h is not res.me]
        peer = peers[0] if len(peers) == 1 else None
        net = dict(res.options.get("net", []))
        if self.v != "9":
            sb = net.get("after-sb-0pri", "")
            if sb.startswith("discard-node-") and peer is not None:
                if sb[13:] not in peer.on_hosts and sb[13:] not in res.me.on_hosts:
                    self.error(res.line, f"in resource {res.name}: the nodename in the '{sb}' option is not known.",
                               file=res.file)
            if "both" in res.become_primary_on and "allow-two-primaries" not in net and self.v == "8.4":
                self.error(res.line, f"in resource {res.name}: become-primary-on is set to both, but "
                                     "allow-two-primaries is not set.", file=res.file)
            if peer is not None and (res.me.proxy is None) != (peer.proxy is None):
                self.error(res.line, f"in resource {res.name}: Either both 'on' sections must contain a proxy "
                                     "subsection, or none.", file=res.file)
            for name in res.become_primary_on:
                if peer is not None and name not in res.me.on_hosts and name not in peer.on_hosts and name != "both":
                    self.error(res.line, f"in resource {res.name}: become-primary-on contains '{name}', which is not "
                                         "named with the 'on' sections.", file=res.file)

    def find_host(self, res: Res, name: str) -> Host | None:
        from elastix_halint.parsing.drbd_connections import hostnames_equal

        for host in res.hosts:
            if any(hostnames_equal(n, name) for n in host.on_hosts):
                return host
        return None
