from __future__ import annotations

import re

from elastix_halint.builtin.haresources._helpers import HARESOURCES, STANDARD_AGENTS
from elastix_halint.lint.rule import Finding, Rule, Severity
from elastix_halint.model.drbd import is_drbd_device
from elastix_halint.model.haresources import ALL_RESOURCES, IP_AGENTS, NOT_SERVICES


# Services that bind the floating IP when they start (SIP bindaddr, Listen, named's interfaces).
BINDS_VIP = {"asterisk", "httpd", "apache", "apache2", "nginx", "lighttpd", "haproxy", "squid", "named"}
# Services that keep their data on the replicated file system in DRBD setups.
DATA_SERVICES = {
    "mysqld", "mysql", "mariadb", "asterisk", "httpd", "apache", "apache2", "postgresql", "nfs", "nfsd",
    "nfs-kernel-server", "nfslock", "smb", "samba", "slapd", "vsftpd", "proftpd", "postfix", "dovecot", "cyrus-imapd",
    "named", "dhcpd", "squid", "drbdlinks", "amportal", "elastix-updaterd", "mongod", "redis", "tomcat",
}


_BY_RES = re.compile(r"^/dev/drbd/by-res/([^/]+)(?:/\d+)?$")


def device_resource(device: str, node) -> str | None:
    """The DRBD resource that provides ``device`` (by-res names it; /dev/drbdN via drbd.conf)."""
    m = _BY_RES.match(device)
    if m:
        return m.group(1)
    for res in node.drbd_resources:
        if device in node.drbd_devices(res):
            return res.name
    return None


def provides(name: str, provider: str | None) -> bool:
    """Whether drbddisk ``name`` promotes resource ``provider`` (None: not known)."""
    return provider is None or name in (provider, ALL_RESOURCES)


class ResourceOrder(Rule):
    """Resources of a group start in an order that cannot work.

    ## What it checks
    In each group: the `drbddisk::R` that provides a `Filesystem::/dev/drbdN` comes before
    it; services (anything that is not an IP, storage or notification agent) come after the
    group's Filesystem; services that bind the floating IP (asterisk, httpd, nginx, named…)
    come after its IPaddr (a warning).

    ## Why it matters
    Resources start left to right and stop right to left (heartbeat doc/haresources).
    Filesystem before drbddisk mounts a Secondary ("wrong medium type") and the group fails;
    a service started before the mount writes to the empty mount point, data that the mount
    later hides and that never reaches the peer.

    ## Example
    ```
    node1 Filesystem::/dev/drbd0::/replica::ext3 drbddisk::r0 mysqld
    ```

    ## Fix
    `node1 drbddisk::r0 Filesystem::/dev/drbd0::/replica::ext3 IPaddr::... mysqld asterisk httpd`.
    """

    id = "HB302"
    name = "resource-order"
    severity = Severity.ERROR
    kinds = HARESOURCES

    def check_file(self, model, ctx):
        for g in model.groups:
            yield from self._group(g, ctx.node)

    def _group(self, g, node):
        res = g.resources
        disks = g.drbddisk_names
        mounts = [(i, r) for i, r in enumerate(res) if r.agent == "Filesystem" and r.args]
        for i, fs in mounts:
            if not is_drbd_device(fs.args[0]):
                continue
            provider = device_resource(fs.args[0], node)
            later = [(j, name, d) for j, name, d in disks if j > i and provides(name, provider)]
            if later and not any(j < i and provides(name, provider) for j, name, _d in disks):
                yield Finding(fs, f"{fs.text} comes before {later[0][2].text}: it mounts {fs.args[0]} while DRBD is "
                                  "still Secondary, and the group fails", related=(later[0][2],),
                              hint="put drbddisk first, then Filesystem")
        if mounts:
            first_mount = mounts[0][0]
            for i, r in enumerate(res[:first_mount]):
                if r.agent not in NOT_SERVICES and not r.implicit_ipaddr and r.agent not in STANDARD_AGENTS:
                    known = r.agent in DATA_SERVICES
                    yield Finding(r, f"{'service' if known else 'script'} {r.text} starts before {res[first_mount].text} "
                                     f"mounts {res[first_mount].args[1] if len(res[first_mount].args) > 1 else 'the file system'}"
                                     + (": it runs on the empty mount point" if known else
                                        ": if it uses the replicated data it sees the empty mount point"),
                                  severity=None if known else Severity.WARNING, related=(res[first_mount],),
                                  hint="move the services after the Filesystem resource")
        ips = [i for i, r in enumerate(res) if r.agent in IP_AGENTS]
        if ips:
            for i, r in enumerate(res[:ips[-1]]):
                if r.agent in BINDS_VIP and i < ips[-1]:
                    yield Finding(r, f"{r.text} starts before {res[ips[-1]].text}: it cannot bind the floating IP "
                                     "that is not up yet", severity=Severity.WARNING, related=(res[ips[-1]],),
                                  hint="move the IPaddr resource before the services")
