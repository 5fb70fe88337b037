"""Whole documents to compare: drbdadm's ``dump-xml`` and halint's ``parse --format json``,
each reduced to the same plain structure for one drbdadm version.

What ``dump-xml`` carries, and so what is compared, is everything drbdadm keeps after
parsing: the global settings it prints (minor-count, dialog-refresh,
disable-ip-verification), common's and each resource's sections with every option and its
value in drbdadm's form, each host (name or floating, address with family, proxy, options
section, volumes with device/minor/disk/meta-disk/index and their disk options), and for
DRBD 9 each connection with its paths, endpoints and options — derived connections included.

drbdadm's forms by version (read from drbd-utils 9.22's dump code and checked against it):

* 8.3 (drbdadm-83): sections and option names as written (``syncer`` stays), a bare flag has
  no value, ``protocol`` is an attribute of ``common``/``resource`` (any word, its first letter
  upper-cased: ``cC`` is ``CC``), a host holds its device,
  disk and meta-disk directly;
* 8.4 (drbdadm-84): 8.3 forms converted (``syncer`` options moved to ``net``/``disk``/
  ``options``, ``rate`` → ``resync-rate``, ``no-X`` → ``X no``, flags → ``yes``), a
  one-letter protocol upper-cased, ``become-primary-on`` and ``stacked-timeouts`` as startup
  options;
* 9 (drbdadm): like 8.4, but ``protocol`` as written and no ``become-primary-on``; hosts
  without a disk have no meta-disk; connections.

Order does not matter in drbdadm's reading of options, so option lists are compared sorted;
hosts, volumes, connections and paths are compared in order.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

_FAMILIES = ("ipv4", "ipv6", "ssocks", "sdp", "sci")
_STARTUP_DELEGATES = ("become-primary-on", "stacked-timeouts")


# --------------------------------------------------------------------------- drbdadm's side


def _sections_xml(el) -> dict:
    out: dict = {}
    for sec in el.findall("section"):
        name = sec.get("name")
        opts = out.setdefault(name, [])
        opts += [(o.get("name"), o.get("value")) for o in sec.findall("option")]
        for plugin in sec.findall("section"):
            out.setdefault(f"{name}/{plugin.get('name')}", []).extend((o.get("name"), None) for o in plugin.findall("option"))
    return {k: sorted(v, key=repr) for k, v in out.items() if v}


def _address_xml(el) -> tuple | None:
    if el is None or el.get("family") in (None, "(null)"):
        return None
    return (el.get("family"), el.text or "", el.get("port"))


def _proxy_xml(el) -> tuple | None:
    if el is None:
        return None
    opts = el.find("section")
    return (el.get("hostname"), _address_xml(el.find("inside")), _address_xml(el.find("outside")),
            _sections_xml(el) if opts is not None else {})


def _volume_xml(vol, vnr: int) -> tuple:
    dev, disk, md = vol.find("device"), vol.find("disk"), vol.find("meta-disk")
    meta = (md.text or "", md.get("index")) if md is not None else None
    return (vnr, int(dev.get("minor")) if dev is not None else None, (dev.text or "") if dev is not None else "",
            (disk.text or "") if disk is not None else None, meta, _sections_xml(vol).get("disk", []))


def _endpoints_xml(parent) -> list:
    return [(h.get("name"), _address_xml(h.find("address")), _proxy_xml(h.find("proxy"))) for h in parent.findall("host")]


def xml_document(text: str, version: str) -> dict:
    root = ET.fromstring(text)
    doc: dict = {"global": {}, "common": {}, "resources": []}
    g = root.find("global")
    for item in g if g is not None else ():
        doc["global"][item.tag] = item.get("count") or item.get("refresh") or True
    common = root.find("common")
    if common is not None:
        doc["common"] = _sections_xml(common)
        if common.get("protocol"):
            doc["common"]["protocol"] = common.get("protocol")
    for res in root.findall("resource"):
        hosts = []
        for h in res.findall("host"):
            if version == "8.3":
                volumes = [_volume_xml(h, 0)]
            else:
                volumes = [_volume_xml(v, int(v.get("vnr"))) for v in h.findall("volume")]
            hosts.append({"name": "floating" if h.get("floating") else h.get("name"),
                          "address": _address_xml(h.find("address")), "proxy": _proxy_xml(h.find("proxy")),
                          "options": _sections_xml(h).get("options", []), "volumes": volumes})
        connections = []
        for c in res.findall("connection"):
            paths = [_endpoints_xml(p) for p in c.findall("path")] or [_endpoints_xml(c)]
            sections = _sections_xml(c)
            connections.append({"paths": paths, "net": sections.get("net", []), "disk": sections.get("disk", []),
                                "volumes": [(int(v.get("vnr")), _sections_xml(v).get("disk", [])) for v in c.findall("volume")]})
        entry = {"name": res.get("name"), "hosts": hosts, "connections": connections, "sections": _sections_xml(res)}
        if res.get("protocol"):
            entry["sections"]["protocol"] = res.get("protocol")
        doc["resources"].append(entry)
    return doc


# --------------------------------------------------------------------------- halint's side


def _value(opt: dict, version: str):
    """An option's value as drbdadm keeps it."""
    name = opt.get("canonical", {}).get("name", opt["name"]) if version != "8.3" else opt["name"]
    norm = opt["normalised"]
    if version == "8.3":
        if not opt["values"]:
            return None
        return " ".join(opt["values"])
    if name == "stacked-timeouts":
        return None
    if version == "9" and opt["name"].startswith("no-") and opt["values"]:
        return " ".join(opt["values"])  # drbdadm 9: ``no-X VALUE`` is X = VALUE
    if isinstance(norm, bool):
        return "yes" if norm else "no"
    if name == "protocol" and version == "8.4" and len(opt["values"]) == 1 and len(opt["values"][0]) == 1:
        return opt["values"][0].upper()
    if not opt["values"]:
        return "yes"
    return " ".join(opt["values"])


def _place(opt: dict, version: str) -> tuple[str, str]:
    """(section, name) drbdadm files an option under."""
    if version == "8.3":
        return opt["section"], opt["name"]
    canon = opt.get("canonical", {})
    return canon.get("section", opt["section"]), canon.get("name", opt["name"])


def _keep(opt: dict, version: str, resource_level: bool = False) -> bool:
    name = _place(opt, version)[1]
    if version == "9" and name == "become-primary-on":
        return False  # drbdadm 9 parses it and keeps it out of the dump
    if version != "8.3" and name == "resync-after" and resource_level:
        # drbdadm 8.4/9 run on a machine no host section names ignore every resource, and
        # without a terminal drop a resync-after naming an ignored resource (with a warning).
        return False
    return opt["name"] not in ("delay-probe-volume", "delay-probe-interval", "throttle-threshold", "hold-off-threshold")


def _options_by_section(options: list[dict], version: str, out: dict | None = None, resource_level: bool = False) -> dict:
    out = {} if out is None else out
    for opt in options:
        if not _keep(opt, version, resource_level):
            continue
        section, name = _place(opt, version)
        if version == "8.3" and section in ("resource", "common") and name == "protocol":
            out["protocol"] = opt["normalised"] if opt["values"] else None
            continue
        if section in ("resource", "common") and name == "protocol":
            section = "net"
        entry = (name, _value(opt, version))
        if name == "stacked-timeouts" and entry in out.get(section, []):
            continue  # drbdadm keeps it as one flag of the resource: written twice, dumped once
        out.setdefault(section, []).append(entry)
    return out


def _sorted(sections: dict, version: str | None = None) -> dict:
    if version == "9" and [name for name, _v in sections.get("startup", [])] == ["stacked-timeouts"]:
        # drbdadm 9 links its stacked-timeouts option into the startup list only when the list
        # is not empty (it copies the list head by value): alone, it is not in the dump.
        sections = dict(sections, startup=[])
    return {k: (sorted(v, key=repr) if isinstance(v, list) else v) for k, v in sections.items() if v}


def _raw_options(section: dict) -> list[dict]:
    """Every option of a raw block and of its setting sub-blocks (common, a proxy options block)."""
    out = [o for o in section["options"] if o["name"] not in ("floating",)]
    for sub in section["sections"]:
        if sub["keyword"] in ("net", "disk", "syncer", "startup", "handlers", "options", "proxy"):
            out += [o for o in sub["options"]]
    return out


def _plugins(section: dict | None) -> list:
    if section is None:
        return []
    lines = []
    for sub in section["sections"]:
        if sub["keyword"] == "plugin":
            lines += [(" ".join([o["name"], *o["values"]]), None) for o in sub["options"]]
    return lines


def _names_to_str(names: list[str], version: str) -> str:
    """A list of host names as drbdadm prints it in the dump: joined by blanks, and, like
    ``names_to_str()``, cut to what fits its buffer: 8.x ``snprintf``s into NAMES_STR_SIZE (255)
    bytes, so at most 254 characters (a quoted host name may have 255); drbdadm 9 into 4096.
    drbdadm keeps and compares the whole names: only the dump is cut."""
    if not names:
        return "" if version == "9" else "UNKNOWN"
    return " ".join(names)[:4095 if version == "9" else 254]


def _address(addr: dict | None) -> tuple | None:
    return (addr["family"], addr["ip"], str(addr["port"])) if addr else None


def _proxy(proxy: dict | None, version: str) -> tuple | None:
    if proxy is None:
        return None
    opts = _sorted(_options_by_section([dict(o, section="options") for o in proxy["options"]], version))
    if proxy["plugins"]:
        opts["options/plugin"] = sorted(((line, None) for line in proxy["plugins"]), key=repr)
    return (_names_to_str(proxy["on"], version), _address(proxy["inside"]), _address(proxy["outside"]), opts)


def _volume(vol: dict, host: dict, version: str, node: str = "") -> tuple:
    minor = vol["minor"]
    meta = None
    if vol["meta_disk"] is not None:
        meta = (vol["meta_disk"], None if vol["meta_index"] is None else str(vol["meta_index"]))
        if vol["meta_disk"] == "internal":
            meta = ("internal", None)
    elif version == "9" and vol["disk"] not in (None, "none") and host["keyword"] in ("on", "floating"):
        meta = ("internal", None)  # drbdadm 9 fills in internal meta-data for a volume with a disk
    elif version != "9":
        meta = ("", None) if version == "8.3" else None
    disk = vol["disk"]
    if host["keyword"] == "stacked-on-top-of" and (disk is None or version != "8.3" or node not in host["drbd_names"]):
        # The lower device becomes the disk only where the stacked resource is the local one:
        # drbdadm-83 runs on ``node``, a node of the file; 8.4 and 9 here, on none.
        disk = ""
    if version == "9" and disk is None:
        disk = ""
    disk_opts = [o for o, origin in ((o, o["origin"]) for o in vol.get("disk_options", ())) if origin == "host"]
    return (vol["number"], minor, vol["device"] or "", disk, meta,
            sorted(((_place(o, version)[1], _value(o, version)) for o in disk_opts if _keep(o, version)), key=repr))


def _endpoint(end: dict, version: str) -> tuple:
    return (end["name"], _address(end["address"]), _proxy(end["proxy"], version))


def halint_document(model: dict, version: str, node: str = "") -> dict:
    """``node``: the host drbdadm-83 ran as (it must be one of the file's)."""
    doc: dict = {"global": {}, "common": {}, "resources": []}
    glob = model.get("global")
    for opt in glob["options"] if glob else ():
        if opt["name"] == "minor-count" and opt["values"] and int(opt["values"][0]):
            doc["global"]["minor-count"] = str(int(opt["values"][0]))
        elif opt["name"] == "dialog-refresh" and opt["values"] and int(opt["values"][0]) != 1:
            doc["global"]["dialog-refresh"] = str(int(opt["values"][0]))
        elif opt["name"] == "disable-ip-verification":
            doc["global"]["disable-ip-verification"] = True
    common = model.get("common")
    if common is not None:
        doc["common"] = _options_by_section(_raw_options(common), version)
        plugins = _plugins(next((s for s in common["sections"] if s["keyword"] == "proxy"), None))
        if plugins:
            doc["common"]["proxy/plugin"] = plugins
        if version == "8.3":  # drbdadm-83 writes common's proxy block as text inside the XML
            doc["common"].pop("proxy", None)
            doc["common"].pop("proxy/plugin", None)
        doc["common"] = _sorted(doc["common"], version)
    for res in model["resources"]:
        hosts = []
        for h in res["hosts"]:
            if h["keyword"] == "_remote_host":
                continue
            name = "floating" if h["floating"] else _names_to_str(h["drbd_names"], version)
            volumes = [_volume(v, h, version, node) for v in h["volumes"]]
            if version == "8.3" and not volumes:
                volumes = [(0, None, "", None, ("", None), [])]
            # drbdadm 9 keeps an 8.x host proxy for the implicit connection only.
            proxy = None if version == "9" else _proxy(h["proxy"], version)
            hosts.append({"name": name, "address": _address(h["address"]), "proxy": proxy,
                          "options": sorted(((_place(o, version)[1], _value(o, version)) for o in h["options"]), key=repr),
                          "volumes": volumes})
        connections = []
        if version == "9":
            for c in res["connections"]:
                paths = [[_endpoint(e, version) for e in p["endpoints"]] for p in c["paths"]]
                net = c["net"]
                connections.append({
                    "paths": paths,
                    "net": sorted(((_place(o, version)[1], _value(o, version)) for o in net), key=repr),
                    "disk": sorted(((_place(o, version)[1], _value(o, version)) for o in c["disk"]), key=repr),
                    "volumes": [(v["number"], sorted(((_place(o, version)[1], _value(o, version)) for o in v["disk"]), key=repr))
                                for v in c["volumes"]],
                })
        own = [o for opts in res["settings"].values() for o in opts if o["origin"] == "resource"]
        own += [o for o in res["statements"] if o["name"] == "protocol"]
        sections = _options_by_section(own, version, resource_level=True)
        if res["proxy_plugins"]:
            sections["proxy/plugin"] = [(line, None) for line in res["proxy_plugins"]]
        doc["resources"].append({"name": res["name"], "hosts": hosts, "connections": connections,
                                 "sections": _sorted(sections, version)})
    return doc


def differences(halint: dict, drbdadm: dict) -> list[str]:
    """A readable line diff of two documents (empty when equal)."""
    import difflib
    import pprint

    if halint == drbdadm:
        return []
    left = pprint.pformat(drbdadm, width=140).splitlines()
    right = pprint.pformat(halint, width=140).splitlines()
    return list(difflib.unified_diff(left, right, "drbdadm", "halint", lineterm="", n=1))
