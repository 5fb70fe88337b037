"""The generic tree → typed views, the way drbdadm reads it: common merged into resources,
host sections with their volumes (inherited from the resource when not their own), the
syntax version the text appears to use, and resource-name references checked."""

from __future__ import annotations

import functools

from elastix_halint.diagnostics import VALUE_ERROR, Diagnostic, Severity
from elastix_halint.model import drbd_keywords as kw
from elastix_halint.model.drbd import (
    HOST_KEYWORDS,
    SETTING_SECTIONS,
    Host,
    MergedSection,
    Option,
    Resource,
    Section,
    Volume,
)
from elastix_halint.model.record import replace
from elastix_halint.parsing import drbd_values as values_of
from elastix_halint.parsing.drbd_connections import make_connections, make_proxy
from elastix_halint.parsing.larkkit import suggest

_VOLUME_STATEMENTS = ("device", "disk", "meta-disk", "flexible-meta-disk")


def merge(name: str, common: tuple[Section, ...], own: tuple[Section, ...]) -> MergedSection:
    """Options of block ``name`` in force: the resource's (in its blocks ``own``) override
    common's (in ``common``), by canonical name."""
    mine = [o for sec in own for o in sec.options]
    overridden = {(o.canonical_section, o.canonical_name) for o in mine}
    inherited = []
    for sec in common:
        inherited += [o for o in sec.options if (o.canonical_section, o.canonical_name) not in overridden]
    return MergedSection(name, tuple(inherited + mine), ("common",) * len(inherited) + ("resource",) * len(mine))


def _by_keyword(sec: Section | None) -> dict[str, tuple[Section, ...]]:
    """A block's sub-blocks by keyword, in order: ``sections_named`` of every keyword at once."""
    found: dict[str, list[Section]] = {}
    for sub in sec.sections if sec is not None else ():
        found.setdefault(sub.keyword, []).append(sub)
    return {k: tuple(v) for k, v in found.items()}


def _statements(*sections: Section | None) -> dict[str, Option]:
    """Last volume statement of each name; later sections override earlier ones."""
    found: dict[str, Option] = {}
    for sec in sections:
        if sec is None:
            continue
        for opt in sec.options:
            if opt.name in _VOLUME_STATEMENTS:
                found["meta-disk" if opt.name == "flexible-meta-disk" else opt.name] = opt
    return found


def _volume(number: int, stmts: dict[str, Option], span, implicit: bool, outer: Section | None = None,
            inner: Section | None = None) -> Volume:
    path = minor = disk = md = index = None
    if "device" in stmts:
        path, minor, _ = values_of.device(stmts["device"].values)
    if "disk" in stmts:
        disk = stmts["disk"].value
    if "meta-disk" in stmts:
        md, index, _ = values_of.meta_disk(stmts["meta-disk"].values)
    disk_options, origins = [], []
    for block, origin in ((outer, "resource"), (inner, "host")):
        for opt in (o for d in (block.sections_named("disk") if block else ()) for o in d.options):
            disk_options.append(opt)
            origins.append(origin)
    return Volume(number, path, minor, disk, md, index, span, implicit, tuple(stmts.values()),
                  tuple(disk_options), tuple(origins))


def _volume_number(sec: Section) -> int:
    try:
        return int(sec.args[0].text)
    except (IndexError, ValueError):
        return -1


def host_volumes(host: Section, resource: Section, lower_devices: dict[int, str] | None = None) -> tuple[Volume, ...]:
    res_volumes = {_volume_number(v): v for v in resource.sections_named("volume")}
    own_volumes = {_volume_number(v): v for v in host.sections_named("volume")}
    volumes = []
    for number in sorted(res_volumes.keys() | own_volumes.keys()):
        outer, inner = res_volumes.get(number), own_volumes.get(number)
        span = (inner or outer).span
        volumes.append(_volume(number, _statements(outer, inner), span, implicit=False, outer=outer, inner=inner))
    implicit = _statements(resource, host)
    if implicit and not volumes:
        volumes.append(_volume(0, implicit, host.span, implicit=True))
    if host.keyword == "stacked-on-top-of":
        # drbdadm gives a device defined in a stacked section internal meta-data (one inherited
        # from the resource gets it only when the stacked resource is the local one), and makes
        # the lower resource's device its disk.
        own = set(own_volumes) | ({0} if host.option("device") is not None and not own_volumes else set())
        volumes = [replace(v, meta_disk="internal") if v.meta_disk is None and v.number in own else v for v in volumes]
        devices = lower_devices or {}
        volumes = [replace(v, disk=devices[v.number]) if v.disk is None and v.number in devices else v for v in volumes]
    return tuple(volumes)


def make_host(sec: Section, resource: Section, lower_hosts: dict[str, tuple[str, ...]]) -> Host:
    address_opt = sec.option("address")
    address = None
    if address_opt is not None:
        address, _ = values_of.address(address_opt.values, address_opt.span)
    elif sec.keyword == "floating" and sec.args:
        address, _ = values_of.address(sec.args, sec.span)
    node_id = sec.option("node-id")
    lower = sec.args[0].text if sec.keyword == "stacked-on-top-of" and sec.args else None
    if lower is not None:
        names = lower_hosts.get(lower, ())
    elif sec.keyword == "on":
        names = tuple(a.text for a in sec.args if any(ch.isalnum() for ch in a.text))
    else:
        names = ()
    proxy = sec.section("proxy")
    # keyword, names, span, address, node_id, volumes, section, floating, lower, proxy, options
    return Host._make((
        sec.keyword, names, sec.span, address,
        node_id.normalised if node_id is not None and isinstance(node_id.normalised, int) else None,
        host_volumes(sec, resource, lower_hosts.get(f"{lower}\0devices") if lower else None),
        sec, sec.keyword == "floating", lower, make_proxy(proxy) if proxy is not None else None,
        tuple([o for s in sec.sections_named("options") for o in s.options]),
    ))


def _floating_statement(opt: Option) -> Section:
    """``floating ADDR;`` (no body) as an empty host block."""
    return Section("floating", opt.name_span, opt.values, (), (), opt.span, opt.span.line)


def _protocol(sec: Section, common: Section | None) -> Option | None:
    for block in (sec, *(sec.sections_named("net")[::-1])):
        if block.option("protocol") is not None:
            return block.option("protocol")
    if common is not None:
        for block in (common, *(common.sections_named("net")[::-1])):
            if block.option("protocol") is not None:
                return block.option("protocol")
    return None


def make_resources(sections: tuple[Section, ...], common: Section | None) -> tuple[Resource, ...]:
    """Every ``resource`` block. A stacked host gets the names of every host of its lower
    resource that is not stacked itself, wherever that resource is defined (drbdadm resolves
    ``stacked-on-top-of`` after reading the whole configuration)."""
    blocks = [s for s in sections if s.keyword == "resource"]
    lower_hosts: dict[str, tuple[str, ...]] = {}
    read = []
    for sec in blocks:
        name = sec.args[0].text if sec.args else ""
        host_sections = _host_sections(sec)
        # A host that is not stacked does not depend on the other resources: made once here.
        plain = {i: make_host(h, sec, {}) for i, h in enumerate(host_sections) if h.keyword != "stacked-on-top-of"}
        lower_hosts.setdefault(name, tuple(n for h in plain.values() for n in h.drbd_names))
        lower_hosts.setdefault(f"{name}\0devices", _lower_devices(list(plain.values())))
        read.append((sec, host_sections, plain))
    in_common = _by_keyword(common)
    inherited = _inherited(in_common)
    return tuple(make_resource(sec, common, lower_hosts, hosts, plain, in_common, inherited)
                 for sec, hosts, plain in read)


def _inherited(in_common: dict[str, tuple[Section, ...]]) -> dict[str, MergedSection]:
    """Each setting block as a resource that writes none has it: common's alone (one object
    for every such resource: most resources write only some of the seven)."""
    return {n: merge(n, in_common.get(n, ()), ()) for n in SETTING_SECTIONS}


def _lower_devices(hosts: list[Host]) -> dict[int, str]:
    """Volume number → the DRBD device a stacked resource sits on (what drbdadm makes its
    disk), where every host of the lower resource names the same one."""
    found: dict[int, set] = {}
    for h in hosts:
        for v in h.volumes:
            device = v.device or (f"/dev/drbd{v.minor}" if v.minor is not None else None)
            found.setdefault(v.number, set()).add(device)
    return {n: d.pop() for n, d in found.items() if len(d) == 1 and None not in d}


def _host_sections(sec: Section) -> list[Section]:
    found = [s for s in sec.sections if s.keyword in HOST_KEYWORDS]
    found += [_floating_statement(o) for o in sec.options_named("floating")]
    found.sort(key=lambda h: (h.span.line, h.span.column))
    return found


def make_resource(sec: Section, common: Section | None, lower_hosts: dict[str, tuple[str, ...]],
                  host_sections: list[Section], made: dict[int, Host], in_common: dict[str, tuple[Section, ...]],
                  inherited: dict[str, MergedSection]) -> Resource:
    """``host_sections``: _host_sections(sec); ``made``: the hosts of those (by index) that
    are made already; ``in_common``, ``inherited``: _by_keyword(common) and _inherited of it."""
    name = sec.args[0] if sec.args else None
    hosts = tuple(made[i] if i in made else make_host(h, sec, lower_hosts) for i, h in enumerate(host_sections))
    connections, meshes = make_connections(sec, hosts)
    mine = _by_keyword(sec)
    # name, name_span, span, section, hosts, settings, protocol, volumes, connections, meshes
    return Resource._make((
        name.text if name else "", name.span if name else sec.keyword_span, sec.span, sec, hosts,
        {n: merge(n, in_common.get(n, ()), mine[n]) if n in mine else inherited[n] for n in SETTING_SECTIONS},
        _protocol(sec, common),
        mine.get("volume", ()), connections, meshes,
    ))


# ---- syntax version -------------------------------------------------------------------------
def _evidence_of(section: str, opt_or_sec, is_block: bool) -> str | None:
    if is_block:
        return _version_of(section, opt_or_sec.keyword, True, False)
    return _version_of(section, opt_or_sec.name, False, bool(opt_or_sec.values))


@functools.cache
def _version_of(section: str, name: str, is_block: bool, valued: bool) -> str | None:
    """The syntax version block or statement ``name`` in ``section`` is evidence of (``valued``:
    the statement has a value); cached: a large file repeats its statements."""
    if is_block:
        versions = kw.section_versions(section, name)
    else:
        definition = kw.keyword(section, name)
        versions = definition.versions if definition else None
        if definition and definition.type == "bool" and valued and kw.V83 in versions:
            versions = kw.NEW  # `name yes|no` is 8.4+ syntax
    if not versions or versions == kw.ALL:
        return None
    if versions == kw.ONLY9:
        return "9"
    if kw.V83 not in versions:
        return "8.4"
    if kw.V9 not in versions and kw.V84 not in versions:
        return "8.3"
    return None


def detect_version(sections: tuple[Section, ...]) -> tuple[str | None, tuple[str, ...]]:
    """The newest syntax with evidence, and the evidence ("node-id at drbd.conf:12")."""
    evidence: dict[str, list[tuple[str, Span]]] = {"9": [], "8.4": [], "8.3": []}

    def visit(sec: Section, parent: str) -> None:
        found = _evidence_of(parent, sec, True)
        if sec.keyword == "syncer":
            found = "8.3"
        if found:
            evidence[found].append((f"`{sec.keyword}` section", sec.span))
        for opt in sec.options:
            found = _evidence_of(sec.keyword, opt, False)
            if opt.name == "protocol" and sec.keyword == "resource":
                found = "8.3"
            if found:
                evidence[found].append((f"`{opt.name}`", opt.span))
        for sub in sec.sections:
            visit(sub, sec.keyword)

    for sec in sections:
        visit(sec, "top")
    for version in ("9", "8.4", "8.3"):
        if evidence[version]:  # worded only for the five shown
            return version, tuple(f"{what} at {span}" for what, span in evidence[version][:5])
    return None, ()


# ---- references -------------------------------------------------------------------------------
def check_references(resources: tuple[Resource, ...]) -> list[Diagnostic]:
    """``after``/``resync-after``/``stacked-on-top-of`` naming an unknown resource."""
    names = [r.name for r in resources]
    found = []
    for res in resources:
        refs = [o.values[0] for m in res.settings.values() for o in m.options
                if o.canonical_name == "resync-after" and o.values]
        refs += [h.section.args[0] for h in res.hosts if h.keyword == "stacked-on-top-of" and h.section.args]
        for value in refs:
            target = value.text.split("/", 1)[0]
            if target in names or target == "-1":
                continue
            # A near-miss (`rO` for `r0`) is a typo that breaks the resync order: an error. A name
            # that resembles nothing may live in another file drbdadm reads: a warning, as drbdadm.
            fix = suggest(target, names)
            found.append(Diagnostic(VALUE_ERROR, Severity.ERROR if fix else Severity.WARNING,
                                    f"resource `{target}` is not defined in this configuration", value.span,
                                    suggestion=fix))
    return found
