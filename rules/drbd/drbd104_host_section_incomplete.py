from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import FileRule, syntax_version
from elastix_halint.lint.rule import Finding, Severity
from elastix_halint.model import drbd_keywords as kw


class HostSectionIncomplete(FileRule):
    """A host section without `device`, `disk`, `address` or `meta-disk`.

    ## What it checks
    Every `on` section (with what it inherits from the resource and its volumes) has a
    `device`, a `disk`, an `address` and a `meta-disk`. In DRBD 9, the address may instead come
    from `connection` paths, `meta-disk` defaults to internal, a volume with neither `disk` nor
    `meta-disk` is diskless, but every host needs a `node-id` once one host has one or the
    resource has more than two hosts.

    ## Why it matters
    drbdadm stops with `'<keyword>' keyword missing.` and rejects the configuration
    (drbd-utils `drbdadm_parser.c` `derror()`).

    ## Example
    ```
    on beta {
      device /dev/drbd0;
      disk /dev/sda3;
      meta-disk internal;        # address missing
    }
    ```

    ## Fix
    Add the missing statement to the host section (or to the resource, for values both hosts
    share).
    """

    id = "DRBD104"
    name = "host-section-incomplete"
    severity = Severity.ERROR

    def check_file(self, model, ctx):
        version = syntax_version(model, ctx)
        for res in model.resources:
            for host in res.hosts:
                if host.keyword != "on":
                    continue
                missing = self._missing(res, host, version)
                if missing:
                    names = " ".join(host.names) or "?"
                    words = ", ".join(f"`{m}`" for m in missing)
                    yield Finding(host.section.keyword_span, f"host section `on {names}` of resource `{res.name}` has no {words}",
                                  hint="add the missing statement(s); drbdadm rejects the file without them")

    @staticmethod
    def _missing(res, host, version) -> list[str]:
        missing = []
        if not host.volumes:
            missing += ["device", "disk"] + ([] if version == kw.V9 else ["meta-disk"])
        for vol in host.volumes:
            # DRBD 9: a volume with neither disk nor meta-disk is diskless (drbdadm's
            # check_volume_complete asks for the disk only once meta-data is named).
            diskless = version == kw.V9 and vol.meta_disk is None and vol.meta_index is None
            for name, value in (("device", vol.device or vol.minor), ("disk", vol.disk), ("meta-disk", vol.meta_disk)):
                if value is None and name not in missing and not (name == "meta-disk" and version == kw.V9) \
                        and not (name == "disk" and diskless):
                    missing.append(name)
        written = [c for c in res.connections if c.origin != "implicit"]
        if host.address is None and host.section.option("address") is None and not written:
            missing.append("address")
        if version == kw.V9 and host.node_id is None and host.section.option("node-id") is None and _needs_node_ids(res):
            missing.append("node-id")
        return missing


def _needs_node_ids(res) -> bool:
    """DRBD 9 needs a node-id on every host once one has it or there are more than two hosts."""
    hosts = [h for h in res.hosts if h.keyword == "on"]
    return len(hosts) > 2 or any(h.node_id is not None for h in hosts)
