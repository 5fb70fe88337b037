"""DRBD100-DRBD130: one drbd.conf (with its includes) checked on its own.

Keyword, range and enum checks read the tables of :mod:`elastix_halint.model.drbd_keywords`
for the syntax version the file appears to use (``DrbdConfig.version``). The parser already
reports unknown keywords (also "belongs in a `disk` section"), unreadable numbers, addresses and
digest names, and unknown ``resync-after`` targets (PARSE001/PARSE002): these rules report what
the parser cannot see, never the same problem again.

Policy rules work on each resource with ``common`` merged in (``Resource.settings``). A file
with only a ``common`` section (``global_common.conf`` linted on its own) is checked as one
pseudo-resource by the rules about values that are *present*; rules about something *missing*
stay silent there, because the resource files may add it.
"""

from __future__ import annotations

import difflib
import re
from functools import wraps

from elastix_halint.lint.rule import Finding, Rule, Severity
from elastix_halint.model import drbd_keywords as kw
from elastix_halint.model.drbd import HOST_KEYWORDS, SETTING_SECTIONS, MergedSection, Resource
from elastix_halint.secrets import is_marker, same_secret

# ---------------------------------------------------------------------------------- helpers


def _once(check):
    """Report each place once: options inherited from ``common`` are seen by every resource."""

    @wraps(check)
    def wrapper(self, subject, ctx):
        seen = set()
        for finding in check(self, subject, ctx):
            node = finding.node
            key = (getattr(node, "span", node), finding.message if node is None else None)
            if key not in seen:
                seen.add(key)
                yield finding

    return wrapper


def _close(word: str, choices) -> str | None:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.7)
    return match[0] if match else None


def _module_major(node) -> str | None:
    """The DRBD version of the node's kernel module (/proc/drbd) as "8.3", "8.4", "9"."""
    proc = getattr(getattr(node, "facts", None), "procdrbd", None)
    major = proc.major if proc is not None else None
    return kw.V9 if major and major.startswith("9") else major


def _version(model, ctx=None) -> str | None:
    """The syntax version of the file, else the version of the node's DRBD module."""
    if model.version:
        return model.version
    major = _module_major(getattr(ctx, "node", None))
    return major if major in kw.VERSIONS else None


def _common_unit(model) -> Resource | None:
    """``common`` as a resource (for a file holding only ``common``)."""
    common = model.common
    if common is None:
        return None
    settings = {}
    for name in SETTING_SECTIONS:
        opts = tuple(o for sec in common.sections_named(name) for o in sec.options)
        settings[name] = MergedSection(name, opts, ("common",) * len(opts))
    protocol = common.option("protocol") or next(
        (s.option("protocol") for s in common.sections_named("net") if s.option("protocol")), None)
    return Resource("common", common.keyword_span, common.span, common, (), settings, protocol)


def _units(model, complete: bool = True) -> tuple[Resource, ...]:
    """The resources; with ``complete=False`` a common-only file gives ``common`` itself."""
    if model.resources or complete:
        return model.resources
    unit = _common_unit(model)
    return (unit,) if unit is not None else ()


def _label(res: Resource) -> str:
    return "the `common` section" if res.name == "common" and not res.hosts else f"resource `{res.name}`"


def _opt(res: Resource, name: str):
    """The option in force under its 8.4 name, wherever the version puts it (``fencing`` is in
    ``disk`` up to 8.4 and in ``net`` in 9)."""
    for merged in res.settings.values():
        found = merged.get(name)
        if found is not None:
            return found
    return None


def _value(opt) -> str | None:
    return opt.value if opt is not None else None


def _handler(res: Resource, name: str):
    return res.handlers.get(name)


def _number(opt, default=None):
    if opt is None:
        return default
    value = opt.normalised
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _all_options(model):
    """Every statement of the tree, with its keyword definition (None for unknown ones)."""

    def walk(sec):
        for opt in sec.options:
            yield opt, kw.keyword(opt.section, opt.name)
        for sub in sec.sections:
            yield from walk(sub)

    for sec in model.sections:
        yield from walk(sec)


def _bytes_text(n: int) -> str:
    for unit, size in (("G", 1024**3), ("M", 1024**2), ("K", 1024)):
        if n >= size and n % size == 0:
            return f"{n // size}{unit}"
    return f"{n / 1024**2:.1f}M" if n >= 1024**2 else f"{n // 1024}K"


class _FileRule(Rule):
    """A rule over one drbd.conf (with its includes)."""

    scope = "file"
    kinds = ("drbd",)


class _HeartbeatNodeRule(Rule):
    """A rule over one node's drbd.conf together with its Heartbeat haresources."""

    scope = "node"
    needs = ("drbd", "haresources")


# ---------------------------------------------------------------------------- DRBD100-102


class KeywordOfOtherVersion(_FileRule):
    """A keyword that the DRBD version this file is written for does not know.

    ## What it checks
    Every statement and block against the keyword tables of the syntax version the file
    shows (8.3, 8.4 or 9, told from keywords only one version has): e.g. `discard-my-data`,
    `max-bio-bvecs`, `ignore-on` or `syncer { rate }` in a DRBD 9 file (drbdadm 9 keeps only
    `after`, `al-extents`, `use-rle`, `cpu-mask`, `verify-alg`, `csums-alg` in `syncer`), the
    deprecated 8.3 `delay-probe-*` in an 8.4 file. Keywords no version knows, and known
    keywords in the wrong section, are reported by the parser (PARSE001) instead.

    ## Why it matters
    drbdadm aborts on a keyword its version does not have (`pe_expected` → exit 10, "config
    invalid"), so `/etc/init.d/drbd start` does nothing and Heartbeat's `drbddisk` fails on the
    next failover (drbd-utils `drbdadm_scanner.fl`/`drbdadm_parser.c`; KEYWORDS.md §3).

    ## Example
    ```
    resource r0 {
      net { discard-my-data; }          # removed in DRBD 9
      on alpha { node-id 0; ... }       # DRBD 9 syntax
    }
    ```

    ## Fix
    Write the keyword of the version in use (rename table in drbd.conf(5) of 8.4 and 9), or
    remove the statement.
    """

    id = "DRBD100"
    name = "keyword-of-other-version"
    severity = Severity.ERROR

    def check_file(self, model, ctx):
        version = model.version
        if version is None:
            return
        evidence = f" (the file uses DRBD {version} syntax: {model.version_evidence[0]})" if model.version_evidence else ""
        for opt, definition in _all_options(model):
            if version == kw.V9 and _gone_from_syncer_in_9(opt, definition):
                yield Finding(opt.name_span, f"drbdadm 9 accepts no `{opt.name}` in `syncer`{evidence}",
                              hint=f"write `{opt.canonical_name}` in the `disk` section")
                continue
            versions = _versions(opt, definition)
            if versions is None or version in versions:
                continue
            known = "/".join(sorted(versions))
            yield Finding(opt.name_span, f"`{opt.name}` is DRBD {known} syntax, not DRBD {version}{evidence}",
                          hint=_rename_hint(opt, version))
        for top in model.sections:
            yield from self._blocks(top, "top", version, evidence)

    def _blocks(self, sec, parent, version, evidence):
        allowed = kw.section_versions(parent, sec.keyword)
        if allowed is not None and version not in allowed:
            known = "/".join(sorted(allowed))
            yield Finding(sec.keyword_span, f"a `{sec.keyword}` section is DRBD {known} syntax, not DRBD {version}{evidence}",
                          hint="remove it or write the configuration for one DRBD version")
        for sub in sec.sections:
            yield from self._blocks(sub, kw.table_for(parent, sec.keyword), version, evidence)


def _versions(opt, definition) -> frozenset | None:
    """The DRBD versions that accept ``opt`` (None for an unknown keyword)."""
    return None if definition is None else definition.versions


def _gone_from_syncer_in_9(opt, definition) -> bool:
    """An 8.3 ``syncer`` option that drbdadm 9 no longer takes there (``rate``, ``c-*``)."""
    return definition is not None and opt.section == "syncer" and kw.V9 not in definition.versions


def _rename_hint(opt, version) -> str:
    if opt.canonical_name != opt.name and version != kw.V83:
        return f"write `{opt.canonical_name}` in the `{opt.canonical_section}` section"
    return "remove it or use the keyword of this DRBD version (drbd.conf(5))"


class ValueOutOfRange(_FileRule):
    """A number outside the range the DRBD version accepts.

    ## What it checks
    Every numeric option (timeouts, intervals, `al-extents`, `max-buffers`, rates, sizes…)
    against drbdadm's minimum and maximum for the detected version, e.g. `al-extents` 7..3833
    in 8.3, `timeout` 1..600 (tenths of a second), `ping-timeout` 1..100 in 8.3,
    `connect-int`/`ping-int` 1..120 s, `rate` up to 4194304 KiB/s. Unreadable numbers and
    lower-case suffixes are reported by the parser (PARSE002).

    ## Why it matters
    drbdadm's `range_check()` rejects the whole configuration, so no resource starts and
    Heartbeat cannot bring DRBD up (drbd-utils `range_check()`, `linux/drbd_limits.h`).

    ## Example
    ```
    net { timeout 1000; }     # max 600 (60 s)
    ```

    ## Fix
    Use a value inside the range (see drbd.conf(5) of your version; leave the default when in
    doubt).
    """

    id = "DRBD101"
    name = "value-out-of-range"
    severity = Severity.ERROR

    def check_file(self, model, ctx):
        version = _version(model, ctx)
        for opt, definition in _all_options(model):
            value = _number(opt)
            if definition is None or value is None or not opt.values:
                continue
            bounds = definition.bounds(version)
            if bounds is None or bounds[0] <= value <= bounds[1]:
                continue
            low, high = definition.range_for(version)[:2]
            unit = _written_unit(definition)
            where = f"DRBD {version}" if version else "drbdadm"
            yield Finding(opt.values[0].span,
                          f"`{opt.name} {opt.values[0].text}` is outside {low}..{high}{unit} accepted by {where}",
                          hint=f"use a value between {low} and {high}{unit}")


def _written_unit(definition) -> str:
    if definition.type in ("size", "rate"):
        scale = {"k": " KiB", "s": " sectors", "1": " bytes"}.get(definition.scale, "")
        return scale + ("/s" if definition.type == "rate" else "")
    return {"0.1s": " (tenths of a second)", "s": " s", "ms": " ms"}.get(definition.unit or "", "")


# Which enum slots share values: a value of one slot written in another gets its home named.
_ENUM_SLOTS = ("after-sb-0pri", "after-sb-1pri", "after-sb-2pri", "rr-conflict", "on-io-error", "fencing",
               "on-congestion", "on-no-data-accessible")


class InvalidEnumValue(_FileRule):
    """A value that is not one of the words this option accepts.

    ## What it checks
    `protocol` (A, B, C), `on-io-error`, `fencing`, `after-sb-0pri`/`1pri`/`2pri`,
    `rr-conflict`, `on-congestion`, `on-no-data-accessible`, `usage-count`, `read-balancing`
    against the values of the detected DRBD version, with a did-you-mean — also when the value
    belongs to another option (`after-sb-1pri discard-younger-primary` is an `after-sb-0pri`
    policy).

    ## Why it matters
    drbdadm accepts any word there; `drbdsetup` rejects it only when the resource is brought up
    or adjusted — typically during a failover, when Heartbeat's `drbddisk` needs it most
    (drbd-utils `drbdsetup.c` `asb0p_n`/`asb1p_n`/`asb2p_n`/`rrcf_n`/`on_error`/`fencing_n`).

    ## Example
    ```
    net { after-sb-1pri discard-younger-primary; }   # a 0pri-only policy
    ```

    ## Fix
    Use one of the listed values.
    """

    id = "DRBD102"
    name = "invalid-enum-value"
    severity = Severity.ERROR

    def check_file(self, model, ctx):
        version = _version(model, ctx)
        for opt, definition in _all_options(model):
            if definition is None or definition.type != "enum" or not opt.values:
                continue
            allowed = kw.enum_values(opt.name, version)
            word = opt.values[0].text
            if not allowed or _enum_ok(opt.name, word, allowed):
                continue
            yield _enum_finding(opt, word, allowed, version)


def _enum_ok(name: str, word: str, allowed) -> bool:
    if name == "protocol":
        return word.upper() in allowed
    if name == "after-sb-0pri" and word.startswith("discard-node-") and len(word) > len("discard-node-"):
        return True
    if name == "quorum" and word.isdigit():
        return True
    return word in allowed


def _enum_finding(opt, word, allowed, version) -> Finding:
    homes = [slot for slot in _ENUM_SLOTS if slot != opt.name and word in kw.enum_values(slot, version)]
    guess = _close(word, allowed)
    choices = ", ".join(allowed)
    if homes:
        message = f"`{word}` is a value of `{homes[0]}`, not of `{opt.name}` (which accepts {choices})"
    else:
        message = f"`{word}` is not a value of `{opt.name}` (accepted: {choices})"
    return Finding(opt.values[0].span, message, suggestion=guess,
                   hint=f"did you mean `{guess}`?" if guess else f"use one of: {choices}")


# ---------------------------------------------------------------------------- DRBD103-110


class MissingProtocol(_FileRule):
    """A DRBD 8.3 resource without a replication protocol.

    ## What it checks
    In 8.3 syntax, each resource needs `protocol A|B|C;` in the resource or in `common`
    (8.4 and later default to C).

    ## Why it matters
    drbdadm 8.3 stops with `protocol definition missing.` and the configuration is invalid:
    nothing starts (drbd-utils 8.3 `drbdadm_main.c` `validate_resource`).

    ## Example
    ```
    resource r0 {          # no protocol anywhere
      on alpha { ... }
    }
    ```

    ## Fix
    Add `protocol C;` to the resource (or to `common`).
    """

    id = "DRBD103"
    name = "missing-protocol"
    severity = Severity.ERROR

    def check_file(self, model, ctx):
        if _version(model, ctx) != kw.V83:
            return
        for res in model.resources:
            if res.protocol is None:
                yield Finding(res.name_span, f"{_label(res)} has no `protocol` (DRBD 8.3 requires one)",
                              hint="add `protocol C;` to the resource or to `common`")


class HostSectionIncomplete(_FileRule):
    """A host section without `device`, `disk`, `address` or `meta-disk`.

    ## What it checks
    Every `on` section (with what it inherits from the resource and its volumes) has a
    `device`, a `disk`, an `address` and a `meta-disk`. In DRBD 9, the address may instead come
    from `connection` paths and `meta-disk` defaults to internal, but every host needs a
    `node-id` once one host has one or the resource has more than two hosts.

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
        version = _version(model, ctx)
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
            for name, value in (("device", vol.device or vol.minor), ("disk", vol.disk), ("meta-disk", vol.meta_disk)):
                if value is None and name not in missing and not (name == "meta-disk" and version == kw.V9):
                    missing.append(name)
        if host.address is None and host.section.option("address") is None and not res.connections:
            missing.append("address")
        if version == kw.V9 and host.node_id is None and host.section.option("node-id") is None and _needs_node_ids(res):
            missing.append("node-id")
        return missing


def _needs_node_ids(res) -> bool:
    """DRBD 9 needs a node-id on every host once one has it or there are more than two hosts."""
    hosts = [h for h in res.hosts if h.keyword == "on"]
    return len(hosts) > 2 or any(h.node_id is not None for h in hosts)


class MetaDiskForm(_FileRule):
    """`meta-disk` written in a form drbdadm rejects, or one index used twice.

    ## What it checks
    `meta-disk internal [N]` (no index with internal); in 8.3, `meta-disk /dev/x` without
    `[N]` (that form is `flexible-meta-disk`); the same external meta-data device and index
    used by two volumes of one host.

    ## Why it matters
    drbdadm rejects the first two; with a shared index two resources write their meta-data
    (activity log, bitmap, generation UUIDs) over each other and both are corrupted
    (drbd-utils 8.3 `check_meta_disk()`; drbd.conf(5) "meta-disk").

    ## Example
    ```
    meta-disk internal [0];
    ```

    ## Fix
    `meta-disk internal;` for the usual Elastix layout, or a distinct index per resource on an
    external meta-data device.
    """

    id = "DRBD105"
    name = "meta-disk-form"
    severity = Severity.ERROR

    def check_file(self, model, ctx):
        version = _version(model, ctx)
        used: dict = {}
        for res in model.resources:
            for host in res.hosts:
                for vol in host.volumes:
                    opt = vol.option("meta-disk") or vol.option("flexible-meta-disk")
                    if opt is None or vol.meta_disk is None:
                        continue
                    if vol.meta_disk == "internal" and vol.meta_index is not None:
                        yield Finding(opt, "`meta-disk internal` takes no `[index]`", hint="write `meta-disk internal;`")
                    elif (vol.meta_disk not in ("internal",) and vol.meta_index is None and opt.name == "meta-disk"
                          and version == kw.V83):
                        yield Finding(opt, f"DRBD 8.3 needs an index with an external meta-disk: `meta-disk {vol.meta_disk} [0];`",
                                      hint="add `[N]`, or write `flexible-meta-disk` for a device of its own")
                    elif vol.meta_index is not None:
                        for name in host.names or (host.keyword,):
                            key = (name, vol.meta_disk, vol.meta_index)
                            if key in used:
                                yield Finding(opt, f"meta-data index {vol.meta_index} of {vol.meta_disk} on {name} "
                                                   f"is already used at line {used[key].span.line}",
                                              related=(used[key],), hint="give each resource its own index")
                            else:
                                used[key] = opt


_DEVICE_MINOR = re.compile(r"/dev/drbd(\d+)$")


class DeviceMinorConflict(_FileRule):
    """A DRBD device whose name and minor disagree, or that two resources share.

    ## What it checks
    `device /dev/drbdX minor Y` with X ≠ Y; the same minor or device path used by two
    resources (or volumes) on one host.

    ## Why it matters
    drbdadm rejects both ("explicit minor number must match with device name"; `check_uniq`
    "device-minor"), and two resources on one minor could never both be attached
    (drbd-utils 8.3 `check_minor_nonsense()`).

    ## Example
    ```
    resource r0 { on alpha { device /dev/drbd0; ... } }
    resource r1 { on alpha { device /dev/drbd0; ... } }
    ```

    ## Fix
    One `device /dev/drbdN;` per resource, with a different N each.
    """

    id = "DRBD106"
    name = "device-minor-conflict"
    severity = Severity.ERROR

    def check_file(self, model, ctx):
        seen: dict = {}
        for res in model.resources:
            for host in res.hosts:
                for vol in host.volumes:
                    opt = vol.option("device")
                    if opt is None or not opt.values:
                        continue
                    opt = opt.values[0]
                    m = _DEVICE_MINOR.match(vol.device or "")
                    if m and vol.minor is not None and int(m.group(1)) != vol.minor:
                        yield Finding(opt, f"`{vol.device}` does not match `minor {vol.minor}`",
                                      hint=f"write `device /dev/drbd{vol.minor};` or the matching minor")
                    yield from self._unique(seen, res, host, vol, opt)

    @staticmethod
    def _unique(seen, res, host, vol, opt):
        for name in host.names or ((host.section.arg_text or host.keyword),):
            for what, value in (("minor", vol.minor), ("device", vol.device)):
                if value is None:
                    continue
                key = (name, what, value)
                first = seen.get(key)
                if first is None:
                    seen[key] = (res.name, vol.number, opt)
                elif first[:2] != (res.name, vol.number):
                    yield Finding(opt, f"{what} {value} on {name} is also used by resource `{first[0]}` "
                                       f"(line {first[2].span.line})",
                                  related=(first[2],), hint="give each resource its own /dev/drbdN")
                    return


class AddressConflict(_FileRule):
    """A replication address shared by two host sections.

    ## What it checks
    The same `IP:port` used by two resources on one host, or by both hosts of one resource.
    (Malformed addresses, host names, IPv6 without `ipv6 [..]` and ports outside 1..65535 are
    reported by the parser, PARSE002.)

    ## Why it matters
    drbdadm refuses two resources listening on one `IP:port` (`check_uniq` "IP:port"); a
    resource whose two hosts have the same address connects to itself and never replicates
    (drbd-utils `__parse_address`, `check_uniq`; drbd.conf(5) "address").

    ## Example
    ```
    resource r0 { on alpha { address 10.1.1.1:7788; } ... }
    resource r1 { on alpha { address 10.1.1.1:7788; } ... }   # port 7789 meant
    ```

    ## Fix
    One port per resource (7788, 7789…), each host its own replication IP.
    """

    id = "DRBD107"
    name = "address-conflict"
    severity = Severity.ERROR

    @_once
    def check_file(self, model, ctx):
        seen: dict = {}
        for res in model.resources:
            mine: dict = {}
            for host in res.hosts:
                if host.address is None:
                    continue
                key = (host.address.family, host.address.ip, host.address.port)
                opt = host.section.option("address") or host.section
                if key in mine and mine[key][0] is not host and not _loopback(host.address.ip):
                    yield Finding(opt, f"both hosts of resource `{res.name}` use {host.address}",
                                  related=(mine[key][1],), hint="each host needs its own replication IP")
                mine.setdefault(key, (host, opt))
                for name in host.names:
                    first = seen.get((name,) + key)
                    if first is not None and first[0] != res.name:
                        yield Finding(opt, f"{host.address} on {name} is already used by resource `{first[0]}`",
                                      related=(first[1],), hint="give each resource its own port")
                    seen.setdefault((name,) + key, (res.name, opt))


def _loopback(ip: str) -> bool:
    """Stacked resources behind a DRBD proxy listen on 127.0.0.1 on each site."""
    return ip.startswith("127.") or ip == "::1"


class DuplicateSection(_FileRule):
    """A section or option written twice where drbdadm expects it once.

    ## What it checks
    Two `net`/`disk`/`syncer`/`startup`/`handlers`/`options` blocks in one resource or in
    `common`; two `global` or `common` sections; two resources of one name; two `on`
    sections for one host. A statement repeated inside one block is reported as a warning
    (the last one wins, the first is dead text).

    ## Why it matters
    drbdadm stops with "… already defined" (drbd-utils `check_upr()`), so nothing starts; a
    repeated option hides which value is in force.

    ## Example
    ```
    resource r0 {
      net { cram-hmac-alg sha1; }
      net { shared-secret "x"; }      # merge into one net section
    }
    ```

    ## Fix
    Merge the blocks; keep one statement of each option.
    """

    id = "DRBD108"
    name = "duplicate-section"
    severity = Severity.ERROR

    def check_file(self, model, ctx):
        yield from self._repeated(model.sections, ("global", "common"), "the top level", lambda s: s.keyword)
        yield from self._repeated([s for s in model.sections if s.keyword == "resource"], ("resource",),
                                  "the configuration", lambda s: f"resource {s.arg_text}")
        for top in model.sections:
            if top.keyword not in ("resource", "common"):
                continue
            where = f"resource `{top.arg_text}`" if top.keyword == "resource" else "`common`"
            yield from self._repeated(top.sections, SETTING_SECTIONS, where, lambda s: s.keyword)
            yield from self._repeated([s for s in top.sections if s.keyword == "on"], ("on",), where,
                                      lambda s: f"on {s.arg_text}")
            for block in top.walk():
                yield from self._repeated_options(block)

    @staticmethod
    def _repeated(sections, keywords, where, key):
        first: dict = {}
        for sec in sections:
            if sec.keyword not in keywords:
                continue
            k = key(sec)
            if k in first and first[k].span != sec.span:
                yield Finding(sec.keyword_span, f"`{k}` is defined twice in {where} (first at line {first[k].span.line})",
                              related=(first[k].keyword_span,), hint="merge the two into one")
            else:
                first[k] = sec

    @staticmethod
    def _repeated_options(block):
        if block.keyword in HOST_KEYWORDS or block.keyword in ("volume", "plugin", "connection", "path"):
            return
        first: dict = {}
        for opt in block.options:
            if opt.name in first:
                yield Finding(opt.name_span, f"`{opt.name}` is set twice in this `{block.keyword}` section "
                                             f"(line {first[opt.name].span.line}); only the last one counts",
                              severity=Severity.WARNING, related=(first[opt.name],), hint="keep one of them")
            else:
                first[opt.name] = opt


class DiscardNodeUnknown(_FileRule):
    """`after-sb-0pri discard-node-NAME` names a node the resource does not have.

    ## What it checks
    NAME is one of the names of the resource's `on` sections.

    ## Why it matters
    drbdadm rejects it ("the nodename in the 'discard-node-…' option is not known"); a
    misspelt name means the split-brain policy never works (drbd-utils 8.3 `drbdadm_main.c`).

    ## Example
    ```
    after-sb-0pri discard-node-voipbakup.drbd;
    ```

    ## Fix
    Use the `uname -n` of one of the two nodes, as written in its `on` section.
    """

    id = "DRBD110"
    name = "discard-node-unknown"
    severity = Severity.ERROR

    def check_file(self, model, ctx):
        for res in model.resources:
            opt = res.net.get("after-sb-0pri")
            word = _value(opt) or ""
            if not word.startswith("discard-node-"):
                continue
            node = word[len("discard-node-"):]
            names = [n for h in res.hosts for n in h.names]
            if names and node not in names:
                guess = _close(node, names)
                yield Finding(opt.values[0].span, f"`{word}` names `{node}`, which is not a host of resource `{res.name}` "
                                                  f"({', '.join(names)})",
                              suggestion=f"discard-node-{guess}" if guess else None,
                              hint=f"did you mean `discard-node-{guess}`?" if guess else "name one of the `on` hosts")


# ---------------------------------------------------------------------------- DRBD111-116


class CallPriLostWithoutHandler(_FileRule):
    """`call-pri-lost-after-sb` is used but no `pri-lost-after-sb` handler is defined.

    ## What it checks
    `after-sb-1pri` or `after-sb-2pri` set to `call-pri-lost-after-sb` while neither the
    resource nor `common` has `handlers { pri-lost-after-sb …; }`.

    ## Why it matters
    The policy's whole effect is the helper: the losing primary first tries to become secondary,
    which fails while /replica is mounted, and then the `pri-lost-after-sb` helper is expected
    to reboot it. With no handler nothing runs: the split brain stays unresolved, the connection
    drops to StandAlone and both nodes keep their services (drbd.conf(5) "after-sb-2pri …
    call-pri-lost-after-sb"; kernel `drbd_receiver.c` `drbd_asb_recover_1p/2p`). drbdadm does
    not check this, so nothing warns.

    ## Example
    ```
    net { after-sb-2pri call-pri-lost-after-sb; }   # and no handlers section
    ```

    ## Fix
    Add `handlers { pri-lost-after-sb "/usr/lib/drbd/notify-pri-lost-after-sb.sh;
    /usr/lib/drbd/notify-emergency-reboot.sh; echo b > /proc/sysrq-trigger ; reboot -f"; }`
    or use `disconnect`.
    """

    id = "DRBD111"
    name = "call-pri-lost-without-handler"
    severity = Severity.ERROR

    @_once
    def check_file(self, model, ctx):
        for res in model.resources:
            if _handler(res, "pri-lost-after-sb") is not None:
                continue
            for name in ("after-sb-1pri", "after-sb-2pri"):
                opt = res.net.get(name)
                if _value(opt) == "call-pri-lost-after-sb":
                    yield Finding(opt.values[0].span,
                                  f"`{name} call-pri-lost-after-sb` in {_label(res)}, but no `pri-lost-after-sb` handler "
                                  f"is defined: a split brain would stay unresolved",
                                  hint='add handlers { pri-lost-after-sb "...; reboot -f"; } or use `disconnect`')


# option, value → the handler it calls
_HANDLER_CALLS = (
    ("rr-conflict", ("call-pri-lost",), ("pri-lost",)),
    ("on-io-error", ("call-local-io-error",), ("local-io-error",)),
    ("fencing", ("resource-only", "resource-and-stonith"), ("fence-peer", "outdate-peer")),
)


class PolicyWithoutHandler(_FileRule):
    """`rr-conflict call-pri-lost`, `on-io-error call-local-io-error` or fencing without its handler.

    ## What it checks
    `rr-conflict call-pri-lost` ⇒ a `pri-lost` handler; `on-io-error call-local-io-error` ⇒
    `local-io-error`; `fencing resource-only|resource-and-stonith` ⇒ `fence-peer` (8.3 also
    `outdate-peer`) — in the resource or in `common`.

    ## Why it matters
    The policy consists of calling the handler; without it nothing happens when it is needed.
    With `resource-and-stonith` and no working handler DRBD **freezes all I/O** until someone
    runs `drbdadm resume-io` (drbd.conf(5) "fencing": "freezes all its IO operations and calls
    its fence-peer handler … In case your handler fails, you can resume IO with the resume-io
    command").

    ## Example
    ```
    disk { fencing resource-only; }     # and no fence-peer handler
    ```

    ## Fix
    Add the handler (for Heartbeat: `fence-peer "/usr/lib/heartbeat/drbd-peer-outdater -t 5";`
    with dopd), or choose a policy that needs none.
    """

    id = "DRBD112"
    name = "policy-without-handler"
    severity = Severity.ERROR

    @_once
    def check_file(self, model, ctx):
        for res in model.resources:
            for option, values, handlers in _HANDLER_CALLS:
                opt = _opt(res, option)
                if _value(opt) not in values or any(_handler(res, h) is not None for h in handlers):
                    continue
                frozen = "; without it I/O freezes until `drbdadm resume-io`" if opt.value == "resource-and-stonith" else ""
                yield Finding(opt.values[0].span,
                              f"`{option} {opt.value}` in {_label(res)} calls the `{handlers[0]}` handler, "
                              f"but none is defined",
                              hint=f"add `{handlers[0]}` to the handlers section{frozen}")


_DISCARD_0PRI = frozenset({"discard-younger-primary", "discard-older-primary", "discard-least-changes",
                           "discard-local", "discard-remote"})


def _discards(name: str, word: str | None) -> bool:
    if word is None:
        return False
    if name == "after-sb-0pri":
        return word in _DISCARD_0PRI or word.startswith("discard-node-")
    return word == "violently-as0p" or (name == "rr-conflict" and word == "violently")


class DiscardingSplitBrainPolicy(_FileRule):
    """An automatic split-brain policy that silently throws one node's changes away.

    ## What it checks
    `after-sb-0pri` `discard-younger-primary`/`discard-older-primary`/`discard-least-changes`/
    `discard-local`/`discard-remote`/`discard-node-*`; `after-sb-1pri discard-secondary` or
    `violently-as0p`; `call-pri-lost-after-sb` (1pri or 2pri) when 0pri discards and a
    `pri-lost-after-sb` handler exists to carry it out; `after-sb-2pri violently-as0p`;
    `rr-conflict violently`. `after-sb-1pri discard-secondary` together with
    `after-sb-0pri discard-zero-changes` (LINBIT's suggested automatic set) is reported as info.

    ## Why it matters
    After a split brain both nodes wrote: on a PBX the CDRs, voicemail and configuration
    changes of the "losing" node are overwritten by the resync with no prompt and no copy.
    `violently-as0p` "is DANGEROUS and MAY CRASH YOUR MACHINE if you have an FS mounted on the
    primary node" (drbd.conf(5) "after-sb-0pri/1pri/2pri"; DRBD User's Guide 8.3 "Automatic
    split brain recovery policies").

    ## Example
    ```
    net {
      after-sb-0pri discard-younger-primary;
      after-sb-1pri discard-secondary;
    }
    ```

    ## Fix
    `after-sb-0pri discard-zero-changes; after-sb-1pri discard-secondary; after-sb-2pri
    disconnect;` (or `disconnect` everywhere and resolve by hand), plus a `split-brain`
    notification handler.
    """

    id = "DRBD113"
    name = "discarding-split-brain-policy"
    severity = Severity.WARNING

    @_once
    def check_file(self, model, ctx):
        for res in _units(model, complete=False):
            net = res.net
            zero = _value(net.get("after-sb-0pri"))
            discarding_0pri = _discards("after-sb-0pri", zero)
            for name in ("after-sb-0pri", "after-sb-1pri", "after-sb-2pri", "rr-conflict"):
                opt = net.get(name)
                word = _value(opt)
                if word is None:
                    continue
                finding = self._judge(res, name, word, zero, discarding_0pri)
                if finding:
                    message, severity = finding
                    yield Finding(opt.values[0].span, f"{_label(res)}: `{name} {word}` {message}", severity=severity,
                                  hint="after-sb-0pri discard-zero-changes; after-sb-1pri discard-secondary; "
                                       "after-sb-2pri disconnect; and a split-brain notify handler")

    @staticmethod
    def _judge(res, name, word, zero, discarding_0pri):
        if word in ("violently-as0p", "violently"):
            return "may crash a node with a mounted file system and discards the other node's changes", None
        if name == "after-sb-0pri" and discarding_0pri:
            return "discards the changes of one node after a split brain without asking", None
        if name == "after-sb-1pri" and word == "discard-secondary":
            if zero == "discard-zero-changes":
                return "discards what the secondary wrote during a split brain", Severity.INFO
            return "discards what the secondary wrote during a split brain without asking", None
        if (word == "call-pri-lost-after-sb" and discarding_0pri
                and _handler(res, "pri-lost-after-sb") is not None):
            return f"reboots the primary chosen by `after-sb-0pri {zero}` and discards its changes", None
        return None


class NoSplitBrainNotification(_FileRule):
    """No `split-brain` handler: nobody is told about a split brain.

    ## What it checks
    A resource whose `handlers` (own or from `common`) have no `split-brain` entry.

    ## Why it matters
    A split brain shows only as `cs:StandAlone` in /proc/drbd; the nodes keep diverging until
    someone looks, and every hour adds data that must be thrown away on one side
    (drbd.conf(5) "split-brain … should alert someone on duty"; DRBD User's Guide 8.3
    "Manual split brain recovery").

    ## Example
    ```
    resource r0 { ... }      # no handlers { split-brain ...; }
    ```

    ## Fix
    `handlers { split-brain "/usr/lib/drbd/notify-split-brain.sh root"; }`.
    """

    id = "DRBD114"
    name = "no-split-brain-notification"
    severity = Severity.INFO

    def check_file(self, model, ctx):
        for res in model.resources:
            if _handler(res, "split-brain") is None:
                yield Finding(res.name_span, f"resource `{res.name}` has no `split-brain` handler: a split brain "
                                             f"would go unnoticed",
                              hint='handlers { split-brain "/usr/lib/drbd/notify-split-brain.sh root"; }')


_LOCAL_FS = frozenset({"ext2", "ext3", "ext4", "xfs", "reiserfs", "btrfs", "jfs", "vfat"})


def _resource_devices(res: Resource, node) -> set[str]:
    """The /dev/drbdN of ``res`` on ``node`` (all hosts' when the node's name is unknown)."""
    name = node.nodename or node.name
    hosts = [h for h in res.hosts if name in h.names] or list(res.hosts)
    return {v.device for h in hosts for v in h.volumes if v.device} | {
        f"/dev/drbd{v.minor}" for h in hosts for v in h.volumes if v.minor is not None}


def _drbd_filesystems(node, res: Resource):
    """haresources ``Filesystem::DEV::MOUNT::TYPE`` resources on a device of ``res``."""
    devices = _resource_devices(res, node)
    for hres in node.haresources.resources:
        if hres.agent == "Filesystem" and len(hres.args) >= 3 and hres.args[0] in devices:
            yield hres


class DualPrimaryLocalFilesystem(_HeartbeatNodeRule):
    """Dual-primary DRBD under an ordinary (non-cluster) file system.

    ## What it checks
    `allow-two-primaries` (or `become-primary-on both`) in a resource whose device Heartbeat
    mounts (haresources `Filesystem::/dev/drbdN::MOUNT::TYPE`) as ext2/ext3/ext4/xfs/reiserfs/
    btrfs.

    ## Why it matters
    With two primaries both kernels may mount the device; a local file system mounted twice is
    corrupted within minutes ("If you use this option with any other file system, you are going
    to crash your nodes and to corrupt your data!", drbd.conf(5) "allow-two-primaries"; DRBD
    User's Guide "single-primary mode … any conventional file system (ext3, ext4, XFS etc.)").

    ## Example
    ```
    net { allow-two-primaries; }
    # haresources: node1 drbddisk::r0 Filesystem::/dev/drbd0::/replica::ext3 ...
    ```

    ## Fix
    Remove `allow-two-primaries`: Heartbeat failover needs single-primary mode.
    """

    id = "DRBD115"
    name = "dual-primary-local-filesystem"
    severity = Severity.ERROR

    @_once
    def check_node(self, node, ctx):
        for res in node.drbd.resources:
            opt = res.net.get("allow-two-primaries")
            become = res.startup.get("become-primary-on")
            if opt is not None and opt.normalised is True:
                cause = opt
            elif become is not None and "both" in (become.normalised or ()):
                cause = become
            else:
                continue
            for fs in _drbd_filesystems(node, res):
                fstype = fs.args[2]
                if fstype.lower() in _LOCAL_FS:
                    yield Finding(cause.name_span, f"resource `{res.name}` may have two primaries, but haresources "
                                                   f"mounts {fs.args[0]} as {fstype} (not a cluster file system)",
                                  related=(fs,), hint="remove allow-two-primaries; Heartbeat fails over single-primary DRBD")


def _drbddisk_resources(node) -> dict:
    """haresources ``drbddisk::RES`` resources by DRBD resource name (``*``: bare ``drbddisk``,
    which Heartbeat runs for every resource)."""
    managed = {}
    for hres in node.haresources.resources:
        if hres.agent == "drbddisk":
            managed.setdefault(hres.args[0] if hres.args else "*", hres)
    return managed


class BecomePrimaryWithHeartbeat(_HeartbeatNodeRule):
    """`become-primary-on` while Heartbeat's `drbddisk` decides which node is primary.

    ## What it checks
    `startup { become-primary-on …; }` in a resource that haresources also promotes with
    `drbddisk` (`drbddisk::RES`, or bare `drbddisk` for all resources).

    ## Why it matters
    The drbd init script promotes the named node at boot, before and regardless of Heartbeat:
    after a failover the old primary reboots and becomes primary again next to the new one —
    a split brain (drbd.conf(5) "become-primary-on": "Usually one delegates the role assignment
    to a cluster manager (e.g. heartbeat)").

    ## Example
    ```
    startup { become-primary-on voipserver.drbd; }
    # haresources: voipserver.drbd drbddisk::r0 ...
    ```

    ## Fix
    Remove `become-primary-on`; let Heartbeat promote.
    """

    id = "DRBD116"
    name = "become-primary-with-heartbeat"
    severity = Severity.WARNING

    @_once
    def check_node(self, node, ctx):
        managed = _drbddisk_resources(node)
        if not managed:
            return
        for res in node.drbd.resources:
            become = res.startup.get("become-primary-on")
            drbddisk = managed.get(res.name) or managed.get("*")
            if become is None or drbddisk is None:
                continue
            yield Finding(become.name_span, f"resource `{res.name}` has `become-primary-on {become.text}` while Heartbeat "
                                            f"promotes it with `{drbddisk.text}`",
                          related=(drbddisk,), hint="remove become-primary-on; Heartbeat decides the primary")


# ---------------------------------------------------------------------------- DRBD117-119


class NoPeerAuthentication(_FileRule):
    """No peer authentication: `cram-hmac-alg` or `shared-secret` missing.

    ## What it checks
    A resource (with `common`) without `cram-hmac-alg`, or with it but without `shared-secret`,
    or with a secret but no algorithm (the secret is then ignored).

    ## Why it matters
    Any host that reaches the replication port can connect as the peer and receive or
    overwrite the replicated data ("You are strongly encouraged to use peer authentication";
    "peer authentication is disabled as long as no cram-hmac-alg … is specified",
    drbd.conf(5)).

    ## Example
    ```
    net { after-sb-0pri disconnect; }     # no cram-hmac-alg / shared-secret
    ```

    ## Fix
    `cram-hmac-alg sha1; shared-secret "<random, up to 64 characters>";` identical on both
    nodes.
    """

    id = "DRBD117"
    name = "no-peer-authentication"
    severity = Severity.WARNING

    def check_file(self, model, ctx):
        for res in model.resources:
            alg, secret = res.net.get("cram-hmac-alg"), res.net.get("shared-secret")
            if alg is not None and secret is not None:
                continue
            if alg is None and secret is None:
                node, message = res.name_span, f"resource `{res.name}` has no peer authentication (no `cram-hmac-alg` and `shared-secret`)"
            elif alg is None:
                node, message = secret.name_span, f"resource `{res.name}` has a `shared-secret` but no `cram-hmac-alg`: the secret is not used"
            else:
                node, message = alg.name_span, f"resource `{res.name}` sets `cram-hmac-alg` but no `shared-secret`"
            yield Finding(node, message, hint='cram-hmac-alg sha1; shared-secret "<random secret>"; on both nodes')


_WEAK_HMAC = frozenset({"md4", "md5", "crc32", "crc32c"})
# Secrets printed in drbd.conf(5), the DRBD guides and the Elastix/CentOS HA HOWTOs.
SAMPLE_SECRETS = ("FooFunFactory", "secret", "MySecret", "password", "CentOSru!3z", "mysecret", "Secret",
                  "my-secret", "sharedsecret", "secret-key")
# Values found in every list of guessed passwords.
GUESSABLE_SECRETS = ("123456", "12345678", "changeme", "drbd", "test", "passw0rd", "admin", "root")


def _secret_problem(secret: str, min_length: int, authkeys) -> str | None:
    if any(same_secret(secret, known) for known in SAMPLE_SECRETS):
        return "is a sample value printed in documentation/HOWTOs"
    if any(same_secret(secret, known) for known in GUESSABLE_SECRETS):
        return "is a well-known guessable value"
    if authkeys is not None and any(k.secret is not None and k.secret == secret for k in authkeys.keys):
        return "is the same as a Heartbeat authkeys key"
    if not is_marker(secret) and len(secret) < min_length:
        return f"is shorter than {min_length} characters"
    return None


class WeakPeerAuthentication(_FileRule):
    """A weak HMAC algorithm or a guessable `shared-secret`.

    ## What it checks
    `cram-hmac-alg` md4/md5/crc32/crc32c; a `shared-secret` that is a value printed in
    documentation and HOWTOs (drbd.conf(5)'s example, the DRBD guides', the Elastix HOWTO's)
    or found in every list of guessed passwords, shorter than 8 characters (option
    `min_length`), or equal to a Heartbeat authkeys key. Works on collected bundles too (the
    secret markers are compared, never the secret). The values themselves are not printed.

    ## Why it matters
    Peer authentication only helps if the secret cannot be guessed: a published sample secret
    lets anyone on the replication network connect as the peer (drbd.conf(5) 8.4 example
    `shared-secret "FooFunFactory"`; "cram-hmac-alg … You are strongly encouraged to use peer
    authentication").

    ## Example
    ```
    net { cram-hmac-alg md5; shared-secret "FooFunFactory"; }   # drbd.conf(5)'s example
    ```

    ## Fix
    `cram-hmac-alg sha1;` (8.3 kernels) or `sha256`, and a random secret
    (`openssl rand -base64 24`), the same on both nodes.
    """

    id = "DRBD118"
    name = "weak-peer-authentication"
    severity = Severity.WARNING

    @_once
    def check_file(self, model, ctx):
        min_length = int(ctx.option("min_length", 8))
        authkeys = getattr(ctx.node, "authkeys", None)
        for res in _units(model, complete=False):
            alg = res.net.get("cram-hmac-alg")
            if alg is not None and (alg.value or "").lower() in _WEAK_HMAC:
                yield Finding(alg.values[0].span, f"{_label(res)} authenticates the peer with `{alg.value}`, which is weak",
                              hint="use sha1 (8.3 kernels) or sha256")
            secret = res.net.get("shared-secret")
            if secret is None or not secret.values:
                continue
            problem = _secret_problem(secret.values[0].text, min_length, authkeys)
            if problem:
                yield Finding(secret.values[0].span, f"the `shared-secret` of {_label(res)} {problem}",
                              hint="generate a random secret (e.g. `openssl rand -base64 24`) and use it on both nodes")


_SECRET_MAX = 63  # SHARED_SECRET_MAX (64) less the terminating NUL


class SharedSecretTooLong(_FileRule):
    """A `shared-secret` longer than DRBD can take (63 characters).

    ## What it checks
    The length of `shared-secret`: at most 63 characters (not checkable on a collected bundle,
    where it is a marker).

    ## Why it matters
    drbd.conf(5) says "up to 64 characters", but the 64 bytes of `SHARED_SECRET_MAX` include the
    terminating NUL: drbdadm 9 stops with "Value is too long. max len: 63", and older versions
    fail when the resource connects, so the nodes never replicate (drbd-utils 9
    `SHARED_SECRET_MAX`, tried with drbd-utils 9.22).

    ## Example
    ```
    shared-secret "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    ```

    ## Fix
    Use a random secret of at most 63 characters.
    """

    id = "DRBD119"
    name = "shared-secret-too-long"
    severity = Severity.ERROR

    @_once
    def check_file(self, model, ctx):
        for res in _units(model, complete=False):
            secret = res.net.get("shared-secret")
            if secret is None or not secret.values or is_marker(secret.values[0].text):
                continue
            length = len(secret.values[0].text)
            if length > _SECRET_MAX:
                yield Finding(secret.values[0].span, f"the `shared-secret` of {_label(res)} has {length} characters; "
                                                     f"DRBD accepts at most {_SECRET_MAX}",
                              hint=f"use a random secret of at most {_SECRET_MAX} characters")


# ---------------------------------------------------------------------------- DRBD120-124


class AsyncProtocol(_FileRule):
    """Protocol A or B on a two-node failover pair.

    ## What it checks
    `protocol` other than C in a resource with two `on` hosts, no `proxy` section and no
    stacked host (asynchronous replication to a third site is what A is for).

    ## Why it matters
    With A a write counts as done once it is in the local TCP send buffer (B: in the peer's
    memory); when the primary crashes the last writes are lost and the secondary takes over
    with older data — lost MySQL transactions and voicemail (drbd.conf(5) "protocol"; DRBD
    User's Guide 8.3 "Replication modes").

    ## Example
    ```
    resource r0 { protocol A; ... }
    ```

    ## Fix
    `protocol C;` (A only for long-distance replication, ideally with DRBD Proxy).
    """

    id = "DRBD120"
    name = "async-protocol"
    severity = Severity.WARNING

    @_once
    def check_file(self, model, ctx):
        for res in _units(model, complete=False):
            value = res.protocol_value
            if value not in ("A", "B") or not self._failover_pair(res):
                continue
            yield Finding(res.protocol.values[0].span if res.protocol.values else res.protocol,
                          f"{_label(res)} replicates with protocol {value}: writes acknowledged before they reach the peer "
                          f"are lost when the primary fails",
                          hint="use `protocol C;` for a failover pair")

    @staticmethod
    def _failover_pair(res) -> bool:
        if res.merged("proxy").options or any(h.keyword == "stacked-on-top-of" or h.section.section("proxy") for h in res.hosts):
            return False
        return not res.hosts or len([h for h in res.hosts if h.keyword == "on"]) == 2


_GBIT_BYTES = 1_000_000_000 // 8 * 0.88  # what 1 Gb/s Ethernet carries after framing/TCP: ~110 MB/s


def _fixed_rate(res: Resource, version: str | None):
    """The resync rate option when it is a fixed rate (no dynamic controller), else None."""
    rate = res.effective("disk", "resync-rate")
    plan = _number(res.effective("disk", "c-plan-ahead"))
    if plan is None:
        plan = 0 if version in (kw.V83, None) else 20
    return rate, plan == 0


class ResyncRateTooHigh(_FileRule):
    """A fixed resync rate that takes most of the replication link.

    ## What it checks
    A fixed `rate` (8.3 `syncer`) or `resync-rate` (8.4+ with `c-plan-ahead 0`) above the share
    of the replication link that resync should get. The link speed comes from the option
    `link_mbit` (e.g. `[options.DRBD121] link_mbit = 10000`); when it is not given, a 1 Gb/s link
    (~110 MB/s) is assumed — what these two-node pairs use — and only a rate above half of it is
    reported. Also a rate written without a unit and below 1000 (`rate 100` means 100 KiB/s,
    not 100 MB/s).

    ## Why it matters
    Resync shares the link with replication of new writes: with protocol C every application
    write waits for the peer, so a resync that fills the link stalls MySQL and Asterisk ("A good
    rule of thumb for this value is to use about 30% of the available replication bandwidth …
    rate setting is given in bytes, not bits", DRBD User's Guide 8.3 "Configuring the rate of
    synchronization").

    ## Example
    ```
    syncer { rate 100M; }     # ~95% of a 1 Gb/s link
    ```

    ## Fix
    About 30% of the link: `rate 33M;` on 1 Gb/s Ethernet (or the variable-rate controller of
    8.4).
    """

    id = "DRBD121"
    name = "resync-rate-too-high"
    severity = Severity.WARNING

    @_once
    def check_file(self, model, ctx):
        version = _version(model, ctx)
        link_mbit = ctx.option("link_mbit")
        link = link_mbit * 1_000_000 / 8 * 0.88 if link_mbit else _GBIT_BYTES
        limit = link * (0.3 if link_mbit else 0.5)
        for res in _units(model, complete=False):
            rate, fixed = _fixed_rate(res, version)
            value = _number(rate)
            if rate is None or value is None or not rate.values:
                continue
            text = rate.values[0].text
            if text.isdigit() and int(text) < 1000:
                yield Finding(rate.values[0].span, f"`{rate.name} {text}` means {text} KiB/s (no unit): "
                                                   f"did you mean {text}M?",
                              hint=f"write the unit: `{rate.name} {text}M;` or `{text}K`")
            elif fixed and value > limit:
                share = value / link * 100
                speed = f"{link_mbit} Mb/s link" if link_mbit else "1 Gb/s link (assumed; set option link_mbit)"
                advice = _bytes_text(int(link * 0.3) // 1048576 * 1048576)
                yield Finding(rate.values[0].span,
                              f"`{rate.name} {text}` is ~{share:.0f}% of a {speed}: resync would starve replication "
                              f"of new writes", hint=f"about 30% of the link, e.g. `{rate.name} {advice};`")


class ResyncRateDefault(_FileRule):
    """The 8.3 default resync rate (250 KiB/s) is in force.

    ## What it checks
    A DRBD 8.3 resource without `rate` in `syncer` (and without the variable-rate controller
    `c-plan-ahead`). When the node's partition sizes were captured, the message says how long
    a full sync of the backing device takes.

    ## Why it matters
    At 250 KiB/s the first sync of a 400 GB /replica partition takes almost three weeks, and so
    does every full resync; the standby stays Inconsistent — useless for failover — the whole
    time (drbd.conf(5) 8.3 "rate … The default is 250 KB/sec").

    ## Example
    ```
    resource r0 { ... }      # no syncer { rate ...; }
    ```

    ## Fix
    `syncer { rate 33M; }` (about 30% of a 1 Gb/s replication link).
    """

    id = "DRBD122"
    name = "resync-rate-default"
    severity = Severity.INFO

    def check_file(self, model, ctx):
        if _version(model, ctx) != kw.V83:
            return
        parts = getattr(getattr(ctx.node, "facts", None), "partitions", None)
        for res in model.resources:
            rate, fixed = _fixed_rate(res, kw.V83)
            if rate is not None or not fixed:
                continue
            size = self._largest_disk(res, parts)
            took = ""
            if size:
                days = size / (250 * 1024) / 86400
                took = f"; a full sync of the {size / 1e9:.0f} GB backing disk would take ~{days:.1f} days"
            yield Finding(res.name_span, f"resource `{res.name}` resyncs at the 8.3 default of 250 KiB/s{took}",
                          hint="syncer { rate 33M; }  (about 30% of the replication link)")

    @staticmethod
    def _largest_disk(res, parts) -> int | None:
        if not parts:
            return None
        sizes = [parts[v.disk.rsplit("/", 1)[-1]].size_bytes for h in res.hosts for v in h.volumes
                 if v.disk and v.disk.rsplit("/", 1)[-1] in parts]
        return max(sizes) if sizes else None


def _setting(res, section, name, version):
    """(value in the option's unit, option or None) with the version's default."""
    opt = res.effective(section, name)
    value = _number(opt)
    if value is None:
        definition = kw.keyword(section, name) or kw.keyword("net", name)
        rng = definition.range_for(version) if definition else None
        value = rng[2] if rng else None
        opt = None
    return value, opt


class TimeoutRelations(_FileRule):
    """Timeouts that contradict each other.

    ## What it checks
    `timeout` (tenths of a second) below `connect-int`×10 and `ping-int`×10; `ping-timeout`
    below `timeout`; `degr-wfc-timeout` not above `wfc-timeout` when `wfc-timeout` is not 0;
    `outdated-wfc-timeout` not above `degr-wfc-timeout`. Defaults count for options not written;
    only relations involving at least one written value are reported.

    ## Why it matters
    "This must be lower than connect-int and ping-int" (drbd.conf(5) "timeout"): otherwise a
    dead peer is noticed late or a live one declared dead. drbdsetup silently replaces a
    `degr-wfc-timeout` longer than `wfc-timeout` ("degr-wfc-timeout has to be shorter than
    wfc-timeout … implicitly set to wfc-timeout", LINBIT/linstor-server#423), so the written
    value never applies.

    ## Example
    ```
    startup { wfc-timeout 10; degr-wfc-timeout 30; }    # 30 is silently cut to 10
    ```

    ## Fix
    Keep the defaults, or make the shorter timeout the shorter one (`wfc-timeout 30;
    degr-wfc-timeout 10;`).
    """

    id = "DRBD123"
    name = "timeout-relations"
    severity = Severity.WARNING

    @_once
    def check_file(self, model, ctx):
        version = _version(model, ctx)
        for res in _units(model, complete=False):
            get = lambda section, name: _setting(res, section, name, version)  # noqa: E731
            timeout = get("net", "timeout")
            for other in ("connect-int", "ping-int"):
                yield from self._pair(timeout, get("net", other), 10, "`timeout` (in tenths of a second) must be lower "
                                      f"than `{other}`")
            yield from self._pair(get("net", "ping-timeout"), timeout, 1, "`ping-timeout` must be lower than `timeout`")
            wfc = get("startup", "wfc-timeout")
            degr = get("startup", "degr-wfc-timeout")
            if wfc[0]:
                yield from self._pair(degr, wfc, 1, "`degr-wfc-timeout` longer than `wfc-timeout` is cut to it by "
                                      "drbdsetup", strict=False)
            outdated = get("startup", "outdated-wfc-timeout")
            if degr[0] and outdated[1] is not None:
                yield from self._pair(outdated, degr, 1, "`outdated-wfc-timeout` should not exceed `degr-wfc-timeout`",
                                      strict=False)

    @staticmethod
    def _pair(low, high, factor, message, strict=True):
        """``low`` must be below ``high``×factor (or at most, when not ``strict``)."""
        (lv, lo), (hv, ho) = low, high
        if lv is None or hv is None or (lo is None and ho is None):
            return
        bad = lv >= hv * factor if strict else lv > hv * factor
        if bad:
            where = lo or ho
            shown = " and ".join(f"`{o.name} {o.text}`" for o in (lo, ho) if o is not None)
            yield Finding(where.values[0].span if where.values else where, f"{message} ({shown})",
                          related=tuple(o for o in (lo, ho) if o is not None and o is not where),
                          hint="keep the defaults or swap the values")


class WaitForeverAtBoot(_HeartbeatNodeRule):
    """`wfc-timeout 0` on a Heartbeat node: booting waits forever for the peer.

    ## What it checks
    On a node whose haresources promotes DRBD with `drbddisk`, DRBD 8.3/8.4 resources whose
    `wfc-timeout` and `degr-wfc-timeout` are both 0 (or not set: 0 is the default).

    ## Why it matters
    "The init script drbd(8) blocks the boot process until the DRBD resources are connected"
    (drbd.conf(5) "wfc-timeout"): when the peer is dead, a rebooted node never finishes booting
    and Heartbeat, which starts after drbd, never runs on it — the cluster cannot take over.
    (Pacemaker clusters do not use the init script; they are not checked.)

    ## Example
    ```
    startup { wfc-timeout 0; }
    # haresources: voipserver.drbd drbddisk::r0 ...
    ```

    ## Fix
    `startup { wfc-timeout 120; degr-wfc-timeout 120; }` — Heartbeat decides afterwards.
    """

    id = "DRBD124"
    name = "wait-forever-at-boot"
    severity = Severity.INFO

    @_once
    def check_node(self, node, ctx):
        version = _version(node.drbd, ctx)
        managed = _drbddisk_resources(node)
        if version == kw.V9 or not managed:
            return
        for res in node.drbd.resources:
            if res.name not in managed and "*" not in managed:
                continue
            wfc, wfc_opt = _setting(res, "startup", "wfc-timeout", version)
            degr, _degr_opt = _setting(res, "startup", "degr-wfc-timeout", version)
            if wfc == 0 and degr == 0:
                where = wfc_opt.values[0].span if wfc_opt is not None and wfc_opt.values else res.name_span
                yield Finding(where, f"resource `{res.name}`: `wfc-timeout` is 0, so a boot without the peer waits "
                                     f"forever and Heartbeat never starts",
                              hint="startup { wfc-timeout 120; degr-wfc-timeout 120; }")


# ---------------------------------------------------------------------------- DRBD125-128


_BBU = re.compile(r"\b(bbu|bbwc|fbwc|battery|flash[- ]backed|nvram|non-volatile)\b", re.IGNORECASE)


class UnsafeWriteOrdering(_FileRule):
    """Write-ordering safeguards switched off.

    ## What it checks
    `no-disk-drain` (8.3) / `disk-drain no`; `no-disk-flushes` together with `no-md-flushes`
    (or `disk-flushes no; md-flushes no;`) unless a comment in the configuration mentions a
    battery/flash-backed write cache (BBU, BBWC, FBWC, NVRAM).

    ## Why it matters
    "Do not use no-disk-drain … may result in write-reordering … data corruption"; without
    flushes a volatile disk cache loses acknowledged writes on power failure, on both nodes
    at once when both lose power (drbd.conf(5) "no-disk-barrier, no-disk-flushes,
    no-disk-drain").

    ## Example
    ```
    disk { no-disk-flushes; no-md-flushes; }
    ```

    ## Fix
    Remove them, unless the controller has a battery-backed write cache (say so in a comment).
    """

    id = "DRBD125"
    name = "unsafe-write-ordering"
    severity = Severity.WARNING

    @_once
    def check_file(self, model, ctx):
        battery = any(_BBU.search(c.text) for c in model.comments)
        for res in _units(model, complete=False):
            drain = res.effective("disk", "disk-drain")
            if drain is not None and drain.normalised is False:
                written = f"{drain.name} {drain.text}".strip()
                yield Finding(drain.name_span, f"{_label(res)} turns off disk drain (`{written}`): writes may be "
                                               f"reordered and data corrupted", hint="remove it")
            flushes = res.effective("disk", "disk-flushes")
            md = res.effective("disk", "md-flushes")
            if (not battery and flushes is not None and md is not None and flushes.normalised is False
                    and md.normalised is False):
                yield Finding(flushes.name_span, f"{_label(res)} turns off disk and meta-data flushes: a power loss "
                                                 f"loses acknowledged writes unless the write cache is battery-backed",
                              related=(md,), hint="remove them, or note the battery-backed cache in a comment")


class LeftoverRecoveryOption(_FileRule):
    """`discard-my-data` or `data-integrity-alg` left in the configuration.

    ## What it checks
    `discard-my-data` in a `net` section; `data-integrity-alg` anywhere.

    ## Why it matters
    `discard-my-data` makes this node throw its data away on every connect (it is meant for one
    `drbdadm -- --discard-my-data connect` after a split brain); `data-integrity-alg` costs CPU
    on every write and disconnects and resyncs on false positives — "We suggest to use the
    data-integrity-alg only during a pre-production phase" (drbd.conf(5) "NOTES ON DATA
    INTEGRITY").

    ## Example
    ```
    net { discard-my-data; }
    ```

    ## Fix
    Remove it; for split-brain recovery use the command-line option once.
    """

    id = "DRBD126"
    name = "leftover-recovery-option"
    severity = Severity.WARNING

    def check_file(self, model, ctx):
        # From 8.4 on drbdadm rejects `discard-my-data` in the file: DRBD100 reports that.
        accepted = _version(model, ctx) in (kw.V83, None)
        for opt, _definition in _all_options(model):
            if opt.section != "net":
                continue
            if opt.name == "discard-my-data" and opt.normalised is not False and accepted:
                yield Finding(opt.name_span, "`discard-my-data` in the configuration discards this node's data on "
                                             "every connect", hint="remove it; use `drbdadm -- --discard-my-data connect` once")
            elif opt.name == "data-integrity-alg":
                yield Finding(opt.name_span, f"`data-integrity-alg {opt.text}` is meant for testing: it costs CPU and "
                                             f"disconnects on false positives", hint="remove it in production")


class PassOnIoError(_FileRule):
    """`on-io-error pass_on`: a failing disk keeps being used (the 8.3 default).

    ## What it checks
    `on-io-error pass_on` written, or no `on-io-error` at all in DRBD 8.3 (where `pass_on` is
    the default).

    ## Why it matters
    With `pass_on` the primary keeps serving from a disk that returns errors and passes them
    to the file system, instead of detaching it and continuing from the peer's good copy;
    `detach` is the recommended setting and the 8.4 default (drbd.conf(5) "on-io-error";
    drbd-utils 8.4 `DRBD_ON_IO_ERROR_DEF EP_DETACH`).

    ## Example
    ```
    disk { on-io-error pass_on; }
    ```

    ## Fix
    `disk { on-io-error detach; }`.
    """

    id = "DRBD127"
    name = "pass-on-io-error"
    severity = Severity.INFO

    @_once
    def check_file(self, model, ctx):
        version = _version(model, ctx)
        for res in _units(model, complete=False):
            opt = res.disk.get("on-io-error")
            if opt is not None and opt.value == "pass_on":
                yield Finding(opt.values[0].span, f"{_label(res)} passes disk errors on instead of detaching the disk",
                              hint="disk { on-io-error detach; }")
            elif opt is None and version == kw.V83 and res.hosts:
                yield Finding(res.name_span, f"resource `{res.name}` has no `on-io-error`: DRBD 8.3 defaults to pass_on",
                              hint="disk { on-io-error detach; }")


class UsageCountAsk(_FileRule):
    """`usage-count ask`, or no `usage-count` (the default is ask).

    ## What it checks
    `global { usage-count ask; }`, or a complete configuration (one that has a `global`
    section, or whose entry point is drbd.conf) without `usage-count`.

    ## Why it matters
    drbdadm then asks on the terminal whether to report to LINBIT's usage counter; an upgrade or
    a first run from a script can wait for an answer nobody gives (drbd.conf(5)
    "usage-count").

    ## Example
    ```
    global { usage-count ask; }
    ```

    ## Fix
    `global { usage-count no; }` (or `yes`).
    """

    id = "DRBD128"
    name = "usage-count-ask"
    severity = Severity.INFO

    def check_file(self, model, ctx):
        opt = model.global_option("usage-count")
        if opt is not None:
            if opt.value == "ask":
                yield Finding(opt.values[0].span, "`usage-count ask` makes drbdadm prompt on the terminal",
                              hint="usage-count no;")
            return
        if model.global_ is not None:
            yield Finding(model.global_.keyword_span, "no `usage-count` in `global`: drbdadm asks (the default)",
                          hint="global { usage-count no; }")
        elif model.resources and model.files and model.files[0].rsplit("/", 1)[-1] == "drbd.conf" and not model.includes:
            first = model.sections[0] if model.sections else None
            yield Finding(first.keyword_span if first else None,
                          "no `global { usage-count …; }`: drbdadm asks (the default)",
                          hint="global { usage-count no; }")


# ---------------------------------------------------------------------------- DRBD129-130


class SyntaxVersionMismatch(Rule):
    """drbd.conf written for another DRBD version than the node runs.

    ## What it checks
    The syntax of drbd.conf against the DRBD module in /proc/drbd: a statement the node's
    drbdadm does not know → error — 8.4 or 9 keywords (`resync-rate`, `volume`, `options`,
    `disk-flushes no`…) on an 8.3 node, 9 syntax (`node-id`, `connection`) on an 8.4 node,
    8.3's `discard-my-data` on 8.4, `max-bio-bvecs` on 9; `syncer { rate }` (and the `c-*`
    controller options) on a DRBD 9 node → error (drbdadm 9 rejects them); other 8.3 syntax on
    an 8.4/9 node → warning (drbdadm converts it, with changed meaning: the default
    `c-plan-ahead 20` makes `resync-rate` only a starting value).

    ## Why it matters
    After an upgrade (e.g. Elastix 2.x on CentOS 5 drbd83 → CentOS 6 drbd84) the old file is
    either rejected — nothing starts — or silently means something else (drbd-utils 8.4
    `check_and_change_deprecated_alias`, `parse_options_syncer`).

    ## Example
    ```
    syncer { rate 100M; }     # on a node whose /proc/drbd says version: 8.4.11
    ```

    ## Fix
    Rewrite the file for the installed version (drbd.conf(5) of that version lists the renames).
    """

    id = "DRBD129"
    name = "syntax-version-mismatch"
    severity = Severity.WARNING
    scope = "node"
    needs = ("drbd", "procdrbd")

    def check_node(self, node, ctx):
        model, module = node.drbd, _module_major(node)
        if model.version is None or module not in kw.VERSIONS:
            return
        proc = node.facts.procdrbd
        related = (proc.span,) if proc.span else ()
        runs = f"the node runs DRBD {proc.version}"
        gone_in_9 = next((opt for opt, d in _all_options(model) if _gone_from_syncer_in_9(opt, d)), None)
        unknown = _first_unknown_to(model, module)
        if unknown is not None:
            yield Finding(_head(unknown), f"`{_word(unknown)}` is not DRBD {module} syntax (the file is written for DRBD "
                                          f"{model.version}) but {runs}: its drbdadm rejects the file",
                          severity=Severity.ERROR, related=related,
                          hint=f"write the configuration in DRBD {module} syntax")
        elif module == kw.V9 and gone_in_9 is not None:
            yield Finding(gone_in_9.name_span, f"`syncer {{ {gone_in_9.name} }}` is DRBD 8 syntax but {runs}: drbdadm 9 "
                                               f"rejects it", severity=Severity.ERROR, related=related,
                          hint="move it to `disk` (`resync-rate`, `c-*`)")
        elif model.version == kw.V83 and module != kw.V83:
            where = _first_83_syntax(model)
            rate = next((o for o, _d in _all_options(model) if o.section == "syncer" and o.name == "rate"), None)
            change = (", and `rate` becomes only the starting value of the dynamic resync controller "
                      "(`c-plan-ahead` defaults to 20)") if rate is not None else ""
            yield Finding(_head(where), f"`{_word(where)}` is DRBD 8.3 syntax but {runs}: drbdadm converts it{change}",
                          related=related, hint=f"rewrite the configuration in DRBD {module} syntax")


def _head(node):
    """The keyword of a statement or block: where a finding about its syntax points."""
    return getattr(node, "name_span", None) or node.keyword_span


def _word(node) -> str:
    return getattr(node, "name", None) or getattr(node, "keyword", "")


def _first_unknown_to(model, module):
    """The first statement or block the DRBD ``module`` version does not know."""
    for opt, definition in _all_options(model):
        versions = _versions(opt, definition)
        if versions is not None and module not in versions:
            return opt
    for top in model.sections:
        for parent in top.walk():
            for sec in parent.sections:
                allowed = kw.section_versions(parent.keyword, sec.keyword)
                if allowed is not None and module not in allowed:
                    return sec
    return None


def _first_83_syntax(model):
    """Where a file shows 8.3 syntax: a `syncer` section, an 8.3-only statement, `protocol` at
    resource level."""
    for top in model.sections:
        for sec in top.walk():
            if sec.keyword == "syncer":
                return sec
    for opt, definition in _all_options(model):
        if definition is not None and definition.versions == frozenset({kw.V83}) or (
                opt.name == "protocol" and opt.section == "resource"):
            return opt
    return model.sections[0]


class HandlerProgramMissing(Rule):
    """A handler whose program is missing or not executable on the node.

    ## What it checks
    The program (first word of each command) of every `handlers` entry, when the node's
    `facts/stat` lists it: "cannot stat" (it does not exist) or no execute bit. Programs the
    captured facts do not mention are not judged.

    ## Why it matters
    Handlers run exactly when something has gone wrong — fencing, split brain, I/O errors —
    and a missing program fails silently then: with `resource-and-stonith` I/O stays frozen.
    The path differs between distributions and architectures ("your distribution may place
    the drbd-peer-outdater binary in /usr/lib64/heartbeat", DRBD User's Guide 8.3 "Using
    Heartbeat with dopd").

    ## Example
    ```
    fence-peer "/usr/lib/heartbeat/drbd-peer-outdater -t 5";   # x86_64: /usr/lib64/heartbeat
    ```

    ## Fix
    Use the path where the program is installed on both nodes (`rpm -ql heartbeat | grep
    outdater`), and make scripts executable.
    """

    id = "DRBD130"
    name = "handler-program-missing"
    severity = Severity.WARNING
    scope = "node"
    needs = ("drbd", "stat")

    @_once
    def check_node(self, node, ctx):
        listing = node.facts.sources.get("stat")
        missing = set(getattr(getattr(listing, "model", None), "missing", ()) or ())
        for res in node.drbd.resources:
            for opt in res.handlers.options:
                for program in _handler_programs(opt):
                    entry = node.facts.stat.get(program)
                    if program in missing:
                        yield Finding(opt.values[0].span, f"the `{opt.name}` handler runs {program}, which does not "
                                                          f"exist on {node.name}", hint=_program_hint(program))
                    elif entry is not None and not entry.mode & 0o111:
                        yield Finding(opt.values[0].span, f"the `{opt.name}` handler runs {program}, which is not "
                                                          f"executable on {node.name} (mode {entry.mode:o})",
                                      related=(entry,), hint=f"chmod 755 {program}")


def _handler_programs(opt) -> list[str]:
    """The absolute program paths a handler command runs (``a; b && c`` → a, b, c)."""
    if not opt.values:
        return []
    commands = re.split(r"[;&|]+", opt.values[0].text)
    words = [c.split()[0] for c in commands if c.split()]
    return [w for w in words if w.startswith("/") and not w.startswith("/proc/")]


def _program_hint(program: str) -> str:
    if "/lib/heartbeat/" in program:
        return f"on x86_64 it is usually {program.replace('/lib/', '/lib64/', 1)}"
    return "install it or correct the path"


RULES = [
    KeywordOfOtherVersion, ValueOutOfRange, InvalidEnumValue, MissingProtocol, HostSectionIncomplete,
    MetaDiskForm, DeviceMinorConflict, AddressConflict, DuplicateSection, DiscardNodeUnknown,
    CallPriLostWithoutHandler, PolicyWithoutHandler, DiscardingSplitBrainPolicy, NoSplitBrainNotification,
    DualPrimaryLocalFilesystem, BecomePrimaryWithHeartbeat, NoPeerAuthentication, WeakPeerAuthentication,
    SharedSecretTooLong, AsyncProtocol, ResyncRateTooHigh, ResyncRateDefault, TimeoutRelations,
    WaitForeverAtBoot, UnsafeWriteOrdering, LeftoverRecoveryOption, PassOnIoError, UsageCountAsk,
    SyntaxVersionMismatch, HandlerProgramMissing,
]
