"""DRBD keywords per section and version, as data (source: /work/shared/KEYWORDS.md §2-3, read
from drbd-utils' scanners/parsers and drbd_limits.h). The parser uses them for "unknown
keyword" diagnostics and for normalising values; the DRBD100-102 rules use them for version,
range and enum checks.

* ``SECTIONS[parent]`` → ``{child_block_keyword: versions}``: which blocks may appear where
  (``"top"`` is the file level).
* ``KEYWORDS[section]`` → ``{option_name: Keyword}``: the statements of each block.
* ``ENUMS[name]`` → allowed values (per version where they differ: ``enum_values(name, version)``).

Versions are the strings ``"8.3"``, ``"8.4"``, ``"9"``. Ranges are in the option's written
scale (``rate 1..4194304`` KiB/s); :meth:`Keyword.bounds` converts them to the unit of
``Option.normalised``.
"""

from __future__ import annotations

from elastix_halint.model.record import Record, field


V83, V84, V9 = "8.3", "8.4", "9"
VERSIONS = (V83, V84, V9)
ALL = frozenset(VERSIONS)
NEW = frozenset({V84, V9})  # 8.4 and later
ONLY9 = frozenset({V9})
OLD = frozenset({V83, V84})  # gone in 9

# Bytes per unit of a default scale / a suffix (drbdadm m_strtoll).
SCALE_BYTES = {"1": 1, "s": 512, "k": 1024, "K": 1024, "M": 1024**2, "G": 1024**3}
SUFFIXES = ("K", "M", "G", "s")


class Keyword(Record):
    """One option. ``type``: ``int`` (a number in ``unit``), ``size`` (bytes), ``rate``
    (bytes/s), ``bool`` (8.3 flag, 8.4+ yes/no), ``flag`` (bare keyword), ``enum``, ``string``,
    ``cmd`` (handler command), ``name``/``names`` (resource or host names), ``address``,
    ``device``, ``disk``, ``meta-disk``, ``hex``.

    ``scale`` is the default scale of a bare number (``"k"``: ``rate 100`` = 100 KiB/s,
    ``"s"``: sectors, ``"1"``); ``unit`` names the unit of ``Option.normalised``.
    ``ranges`` maps a version to ``(min, max, default)`` in the written scale."""

    name: str
    versions: frozenset
    type: str
    scale: str = "1"
    unit: str | None = None
    ranges: dict = field(default_factory=dict)
    canonical: tuple[str, str] | None = None  # (section, name) it means in 8.4+
    note: str = ""

    def range_for(self, version: str | None) -> tuple | None:
        if not self.ranges:
            return None
        if version in self.ranges:
            return self.ranges[version]
        return next(iter(self.ranges.values()))

    def bounds(self, version: str | None) -> tuple[int, int] | None:
        """``(min, max)`` in the unit of ``Option.normalised`` (bytes for sizes and rates)."""
        rng = self.range_for(version)
        if rng is None:
            return None
        factor = SCALE_BYTES[self.scale] if self.type in ("size", "rate") else 1
        return rng[0] * factor, rng[1] * factor


def _kw(table: dict, names: str, versions, type_: str, **kw) -> None:
    for name in names.split():
        table[name] = Keyword(name, frozenset(versions), type_, **kw)


def _r(*triples) -> dict:
    """``_r((versions, lo, hi, default), ...)`` → ranges per version."""
    out = {}
    for versions, lo, hi, default in triples:
        for v in versions:
            out[v] = (lo, hi, default)
    return out


# ---- enum value tables (§3.2, §3.3, §3.8) -------------------------------------------------
AFTER_SB_0PRI = ("disconnect", "discard-younger-primary", "discard-older-primary", "discard-zero-changes",
                 "discard-least-changes", "discard-local", "discard-remote")  # + discard-node-NAME
AFTER_SB_1PRI = ("disconnect", "consensus", "violently-as0p", "discard-secondary", "call-pri-lost-after-sb")
AFTER_SB_2PRI = ("disconnect", "violently-as0p", "call-pri-lost-after-sb")
RR_CONFLICT = ("disconnect", "violently", "call-pri-lost")
RR_CONFLICT_9 = RR_CONFLICT + ("retry-connect", "auto-discard")
ON_IO_ERROR = ("pass_on", "call-local-io-error", "detach")
FENCING = ("dont-care", "resource-only", "resource-and-stonith")
PROTOCOLS = ("A", "B", "C")
USAGE_COUNT = ("yes", "no", "ask")
ON_CONGESTION = ("block", "pull-ahead", "disconnect")
ON_NO_DATA = ("io-error", "suspend-io")
READ_BALANCING = ("prefer-local", "prefer-remote", "round-robin", "least-pending", "when-congested-remote",
                  "32K-striping", "64K-striping", "128K-striping", "256K-striping", "512K-striping", "1M-striping")
BOOL_WORDS = {"yes": True, "no": False}
ADDRESS_FAMILIES = ("ipv4", "ipv6", "ssocks", "sdp", "sci")
# Kernel digest names seen in drbd.conf (cram-hmac-alg, verify-alg, csums-alg, data-integrity-alg).
DIGESTS = ("md4", "md5", "sha1", "sha224", "sha256", "sha384", "sha512", "crc32", "crc32c", "rmd160",
           "wp256", "wp384", "wp512", "tgr128", "tgr160", "tgr192", "xxhash64", "sha3-256", "sha3-512",
           "blake2b-256", "blake2b-512", "hmac(sha1)", "hmac(sha256)")

ENUMS: dict[str, tuple[str, ...]] = {
    "after-sb-0pri": AFTER_SB_0PRI,
    "after-sb-1pri": AFTER_SB_1PRI,
    "after-sb-2pri": AFTER_SB_2PRI,
    "rr-conflict": RR_CONFLICT,
    "on-io-error": ON_IO_ERROR,
    "fencing": FENCING,
    "protocol": PROTOCOLS,
    "usage-count": USAGE_COUNT,
    "on-congestion": ON_CONGESTION,
    "on-no-data-accessible": ON_NO_DATA,
    "read-balancing": READ_BALANCING,
    "on-no-quorum": ON_NO_DATA,
    "on-suspended-primary-outdated": ("disconnect", "force-secondary"),
    "quorum": ("off", "majority", "all"),  # or 1..31
    "quorum-minimum-redundancy": ("off", "majority", "all"),
}
ENUMS_9 = {"rr-conflict": RR_CONFLICT_9}


def enum_values(name: str, version: str | None = None) -> tuple[str, ...]:
    if version == V9 and name in ENUMS_9:
        return ENUMS_9[name]
    return ENUMS.get(name, ())


# ---- statements per section ------------------------------------------------------------------
KEYWORDS: dict[str, dict[str, Keyword]] = {}

_top: dict = {}
_kw(_top, "include", ALL, "string")
_kw(_top, "require-drbd-module-version-eq require-drbd-module-version-ne require-drbd-module-version-gt "
    "require-drbd-module-version-ge require-drbd-module-version-lt require-drbd-module-version-le", ONLY9, "string")
KEYWORDS["top"] = _top

_global: dict = {}
_kw(_global, "minor-count", ALL, "int", unit="count", ranges=_r((ALL, 1, 255, 32)))
_kw(_global, "dialog-refresh", ALL, "int", unit="s", ranges=_r((ALL, 0, 600, 1)))
_kw(_global, "disable-ip-verification", ALL, "flag")
_kw(_global, "usage-count", ALL, "enum")
_kw(_global, "udev-always-use-vnr", NEW, "flag")
_kw(_global, "cmd-timeout-short cmd-timeout-medium cmd-timeout-long", NEW, "int", unit="s")
KEYWORDS["global"] = _global

_disk: dict = {}
_kw(_disk, "on-io-error", ALL, "enum")
_kw(_disk, "fencing", ALL, "enum", note="moved to net in 9")
_kw(_disk, "size", ALL, "size", scale="s", unit="bytes")
_kw(_disk, "max-bio-bvecs", OLD, "int", unit="count", ranges=_r((OLD, 0, 128, 0)))
_kw(_disk, "disk-timeout", ALL, "int", unit="0.1s", ranges=_r((ALL, 0, 6000, 0)))
_kw(_disk, "use-bmbv", OLD, "flag")
# 8.3 flags; drbdadm 8.4 and 9 still accept them and convert (``no-disk-flushes`` → ``disk-flushes no``).
for _neg in ("disk-barrier", "disk-flushes", "disk-drain", "md-flushes"):
    _kw(_disk, "no-" + _neg, ALL, "flag", canonical=("disk", _neg))
_kw(_disk, "disk-barrier disk-flushes disk-drain md-flushes al-updates discard-zeroes-if-aligned disable-write-same",
    NEW, "bool")
_kw(_disk, "resync-rate", NEW, "rate", scale="k", unit="bytes/s", ranges=_r(({V84}, 1, 4194304, 250), (ONLY9, 1, 8388608, 250)))
_kw(_disk, "rate", NEW, "rate", scale="k", unit="bytes/s", ranges=_r((NEW, 1, 4194304, 250)), canonical=("disk", "resync-rate"))
_kw(_disk, "resync-after", NEW, "name")
_kw(_disk, "after", NEW, "name", canonical=("disk", "resync-after"))
_kw(_disk, "al-extents", NEW, "int", unit="count", ranges=_r((NEW, 67, 65534, 1237)))
_kw(_disk, "rs-discard-granularity", NEW, "size", unit="bytes", ranges=_r((NEW, 0, 1048576, 0)))
_kw(_disk, "read-balancing", NEW, "enum")
_kw(_disk, "c-plan-ahead", NEW, "int", unit="0.1s", ranges=_r((NEW, 0, 300, 20)))
_kw(_disk, "c-delay-target", NEW, "int", unit="0.1s", ranges=_r((NEW, 1, 100, 10)))
_kw(_disk, "c-fill-target", NEW, "size", scale="s", unit="bytes", ranges=_r((NEW, 0, 1048576, 100)))
_kw(_disk, "c-max-rate", NEW, "rate", scale="k", unit="bytes/s", ranges=_r(({V84}, 250, 4194304, 102400), (ONLY9, 0, 4194304, 102400)))
_kw(_disk, "c-min-rate", NEW, "rate", scale="k", unit="bytes/s", ranges=_r((NEW, 0, 4194304, 250)))
_kw(_disk, "bitmap", ONLY9, "bool")
KEYWORDS["disk"] = _disk

_net: dict = {}
_kw(_net, "protocol", NEW, "enum")
_kw(_net, "timeout", ALL, "int", unit="0.1s", ranges=_r((ALL, 1, 600, 60)))
_kw(_net, "connect-int ping-int", ALL, "int", unit="s", ranges=_r((ALL, 1, 120, 10)))
_kw(_net, "ping-timeout", ALL, "int", unit="0.1s", ranges=_r(({V83}, 1, 100, 5), (NEW, 1, 300, 5)))
_kw(_net, "max-buffers", ALL, "int", unit="pages", ranges=_r((ALL, 32, 131072, 2048)))
_kw(_net, "max-epoch-size", ALL, "int", unit="count", ranges=_r((ALL, 1, 20000, 2048)))
_kw(_net, "unplug-watermark", OLD, "int", unit="count", ranges=_r((OLD, 1, 131072, 128)))
_kw(_net, "sndbuf-size rcvbuf-size", ALL, "size", unit="bytes",
    ranges=_r((OLD, 0, 10 * 1024 * 1024, 0), (ONLY9, 0, 128 * 1024 * 1024, 0)))
_kw(_net, "ko-count", ALL, "int", unit="count", ranges=_r(({V83}, 0, 200, 0), (NEW, 0, 200, 7)))
_kw(_net, "allow-two-primaries always-asbp", ALL, "bool")
_kw(_net, "cram-hmac-alg data-integrity-alg", ALL, "string")
_kw(_net, "shared-secret", ALL, "string")
_kw(_net, "after-sb-0pri after-sb-1pri after-sb-2pri rr-conflict", ALL, "enum")
_kw(_net, "no-tcp-cork", ALL, "flag", canonical=("net", "tcp-cork"))
_kw(_net, "tcp-cork csums-after-crash-only", NEW, "bool")
_kw(_net, "on-congestion", ALL, "enum")
_kw(_net, "congestion-fill", ALL, "size", scale="s", unit="bytes")
_kw(_net, "congestion-extents", ALL, "int", unit="count", ranges=_r(({V83}, 7, 3833, 127), (NEW, 67, 65534, 1237)),
    note="the al-extents range")
_kw(_net, "discard-my-data", {V83}, "flag", note="8.4 and 9 take it only on the command line")
_kw(_net, "csums-alg verify-alg", NEW, "string")
_kw(_net, "use-rle", NEW, "bool")
_kw(_net, "socket-check-timeout", NEW, "int", unit="0.1s", ranges=_r((NEW, 0, 300, 0)))
_kw(_net, "fencing", ONLY9, "enum")
_kw(_net, "allow-remote-read load-balance-paths tls", ONLY9, "bool")
_kw(_net, "transport tls-keyring tls-privkey tls-certificate", ONLY9, "string")
_kw(_net, "rdma-ctrl-rcvbuf-size rdma-ctrl-sndbuf-size", ONLY9, "size", unit="bytes")
KEYWORDS["net"] = _net

_syncer: dict = {}
# drbdadm 9 keeps only after, al-extents, use-rle, cpu-mask, verify-alg, csums-alg and
# on-no-data-accessible in ``syncer``: rate and the c-* options there are 8.3/8.4 only.
_kw(_syncer, "rate", OLD, "rate", scale="k", unit="bytes/s", ranges=_r((ALL, 1, 4194304, 250)), canonical=("disk", "resync-rate"))
_kw(_syncer, "after", ALL, "name", canonical=("disk", "resync-after"))
_kw(_syncer, "al-extents", ALL, "int", unit="count", ranges=_r(({V83}, 7, 3833, 127), (NEW, 67, 65534, 1237)),
    canonical=("disk", "al-extents"))
_kw(_syncer, "use-rle", ALL, "bool", canonical=("net", "use-rle"))
_kw(_syncer, "cpu-mask", ALL, "hex", canonical=("options", "cpu-mask"))
_kw(_syncer, "verify-alg", ALL, "string", canonical=("net", "verify-alg"))
_kw(_syncer, "csums-alg", ALL, "string", canonical=("net", "csums-alg"))
for _c in ("c-plan-ahead", "c-delay-target", "c-fill-target", "c-max-rate", "c-min-rate"):
    _k = _disk[_c]
    _syncer[_c] = Keyword(_c, OLD, _k.type, _k.scale, _k.unit, _k.ranges, ("disk", _c))
_kw(_syncer, "on-no-data-accessible", ALL, "enum", canonical=("options", "on-no-data-accessible"))
_kw(_syncer, "delay-probe-volume delay-probe-interval throttle-threshold hold-off-threshold", {V83}, "int",
    note="deprecated, parsed and ignored")
KEYWORDS["syncer"] = _syncer

_startup: dict = {}
_kw(_startup, "wfc-timeout degr-wfc-timeout outdated-wfc-timeout", ALL, "int", unit="s", ranges=_r((ALL, 0, 300000, 0)))
_kw(_startup, "wait-after-sb stacked-timeouts", ALL, "bool")
_kw(_startup, "become-primary-on", ALL, "names")
KEYWORDS["startup"] = _startup

_options: dict = {}
_kw(_options, "cpu-mask", NEW, "hex")
_kw(_options, "on-no-data-accessible", NEW, "enum")
_kw(_options, "auto-promote drbd8-api-compatibility", ONLY9, "bool")
_kw(_options, "auto-promote-timeout twopc-timeout twopc-retry-timeout", ONLY9, "int", unit="0.1s")
_kw(_options, "peer-ack-window", ONLY9, "size", scale="s", unit="bytes")
_kw(_options, "peer-ack-delay", ONLY9, "int", unit="ms")
_kw(_options, "max-io-depth", ONLY9, "int", unit="count")
_kw(_options, "quorum quorum-minimum-redundancy on-no-quorum on-suspended-primary-outdated", ONLY9, "enum")
KEYWORDS["options"] = _options

_handlers: dict = {}
_kw(_handlers, "pri-on-incon-degr pri-lost-after-sb pri-lost fence-peer local-io-error initial-split-brain "
    "split-brain before-resync-target after-resync-target before-resync-source out-of-sync", ALL, "cmd")
_kw(_handlers, "outdate-peer", ALL, "cmd", canonical=("handlers", "fence-peer"))
_kw(_handlers, "unfence-peer", NEW, "cmd")
_kw(_handlers, "quorum-lost disconnected", ONLY9, "cmd")
KEYWORDS["handlers"] = _handlers

_host: dict = {}
_kw(_host, "device", ALL, "device")
_kw(_host, "disk", ALL, "disk")
_kw(_host, "address", ALL, "address")
_kw(_host, "meta-disk", ALL, "meta-disk")
_kw(_host, "flexible-meta-disk", ALL, "meta-disk", note="9: lexer only")
_kw(_host, "node-id", ONLY9, "int", unit="count", ranges=_r((ONLY9, 0, 31, None)))
for _host_kw in ("on", "_this_host", "_remote_host", "floating", "stacked-on-top-of"):
    KEYWORDS[_host_kw] = _host

_resource: dict = {}
_kw(_resource, "protocol", ALL, "enum", canonical=("net", "protocol"))
_kw(_resource, "device", ALL, "device")
_kw(_resource, "disk", ALL, "disk")
_kw(_resource, "meta-disk flexible-meta-disk", ALL, "meta-disk")
_kw(_resource, "floating", ALL, "address")  # floating ADDR; without a body
_kw(_resource, "ignore-on", OLD, "names")
_kw(_resource, "template-file", ONLY9, "string")
KEYWORDS["resource"] = _resource

_common: dict = {}
_kw(_common, "protocol", ALL, "enum", canonical=("net", "protocol"))
KEYWORDS["common"] = _common

_volume: dict = {}
_kw(_volume, "device", NEW, "device")
_kw(_volume, "disk", NEW, "disk")
_kw(_volume, "meta-disk", NEW, "meta-disk")
_kw(_volume, "flexible-meta-disk", {V84}, "meta-disk")
_kw(_volume, "tiebreaker", ONLY9, "bool", note="newer than drbd-utils 9.22")
KEYWORDS["volume"] = _volume

_proxy: dict = {}
_kw(_proxy, "memlimit", ALL, "size", unit="bytes")
_kw(_proxy, "read-loops", ALL, "int", unit="count")
_kw(_proxy, "compression", ALL, "string")
_kw(_proxy, "bwlimit", NEW, "rate", unit="bytes/s")
_kw(_proxy, "inside outside", ALL, "address")
KEYWORDS["proxy"] = _proxy
KEYWORDS["plugin"] = {}  # free-form proxy plugin lines

_connection: dict = {}
_kw(_connection, "host", ONLY9, "names", note="host NAME [address [AF] ADDR:PORT [via outside-address ADDR:PORT]] [port N]")
_kw(_connection, "_peer_node_id", ONLY9, "int", unit="count")
KEYWORDS["connection"] = _connection
KEYWORDS["path"] = {"host": _connection["host"]}
KEYWORDS["connection-mesh"] = {"hosts": Keyword("hosts", ONLY9, "names")}


def _versions_from_the_binaries() -> None:
    """Which drbdadm takes which option where is what the binaries answered
    (model/drbdadm_values.py, contrib/drbdadm_probe.py), not what the tables above were typed
    with: each setting option's ``versions`` become the probed ones, and an option only the
    binaries know (drbdadm 9 takes every net/disk/options option in ``syncer``, 8.4 its
    deprecated ``delay-probe-*`` anywhere) is added with the type the probe saw."""
    from elastix_halint.model.drbdadm_values import DRBDADM_VALUES

    kinds = {"number": "int", "enum_num": "enum", "bool": "bool", "flag": "flag", "enum": "enum"}
    homes = ("net", "disk", "options")
    for section in ("global", "net", "disk", "syncer", "startup", "handlers", "options", "proxy"):
        table = KEYWORDS.setdefault(section, {})
        names = set(table) | {n for v in VERSIONS for n in DRBDADM_VALUES[v].get(section, {})}
        for name in names:
            probed = frozenset(v for v in VERSIONS if name in DRBDADM_VALUES[v].get(section, {})
                               or (section == "disk" and name in DRBDADM_VALUES[v].get("peer-disk", {})))
            known = table.get(name)
            if known is not None:
                if name in _STRUCTURAL or (name == "become-primary-on" and V83 in known.versions):
                    continue  # not options of a setting block, or judged by host names (see parsing/drbdadm)
                table[name] = Keyword(known.name, probed, known.type, known.scale, known.unit, known.ranges,
                                      known.canonical, known.note)
                continue
            rule = next(DRBDADM_VALUES[v][section][name] for v in VERSIONS if name in DRBDADM_VALUES[v].get(section, {}))
            # Only ``syncer`` hands its options over to net/disk/options; elsewhere (proxy,
            # startup…) an option stays where it is written.
            home = next((h for h in homes if h != section and name in KEYWORDS.get(h, {})), None)
            base = KEYWORDS[home][name] if home else None
            canonical = (base.canonical or (home, name)) if base and section == "syncer" else None
            table[name] = Keyword(name, probed, base.type if base else kinds.get(rule["kind"], "string"),
                                  base.scale if base else "1", base.unit if base else None,
                                  base.ranges if base else {}, canonical)


# ``proxy on … { inside; outside; }`` share the proxy table with the setting block.
_STRUCTURAL = frozenset({"inside", "outside"})
_versions_from_the_binaries()

# The name the rules catalogue uses for the statement tables.
KNOWN_KEYWORDS = KEYWORDS

# ---- blocks per parent ------------------------------------------------------------------------
_SETTINGS_83 = {"net": ALL, "disk": ALL, "syncer": ALL, "startup": ALL, "handlers": ALL, "proxy": ALL, "options": NEW}
SECTIONS: dict[str, dict[str, frozenset]] = {
    "top": {"global": ALL, "common": ALL, "resource": ALL},
    "global": {},
    "common": dict(_SETTINGS_83),
    "resource": dict(_SETTINGS_83, on=ALL, floating=ALL, **{"stacked-on-top-of": ALL, "_this_host": ALL,
                     "_remote_host": ALL, "volume": NEW, "connection": ONLY9, "connection-mesh": ONLY9}),
    "on": {"volume": NEW, "proxy": ALL, "disk": ONLY9, "options": NEW},
    "volume": {"disk": NEW},
    "proxy": {"on": ALL, "plugin": ALL, "options": ALL},
    "connection": {"net": ONLY9, "disk": ONLY9, "volume": ONLY9, "path": ONLY9, "host": ONLY9},
    "path": {},
    "connection-mesh": {"net": ONLY9},
}
for _host_kw in ("_this_host", "_remote_host", "floating", "stacked-on-top-of"):
    SECTIONS[_host_kw] = SECTIONS["on"]
for _leaf in ("net", "disk", "syncer", "startup", "handlers", "options", "plugin"):
    SECTIONS.setdefault(_leaf, {})

# Blocks whose statements are read with another block's table: ``proxy { options { memlimit 1G; } }``
# and DRBD 9's ``host A address … via proxy on A { inside …; outside …; }``.
TABLE_OF_BLOCK = {("proxy", "options"): "proxy", ("connection", "host"): "proxy", ("path", "host"): "proxy"}


def table_for(parent: str, block: str) -> str:
    """The name of the keyword table (and ``Option.section``) for block ``block`` in ``parent``."""
    return TABLE_OF_BLOCK.get((parent, block), block)


# Blocks whose statements are free-form (any keyword): proxy plugins.
FREE_FORM = frozenset({"plugin"})


def keyword(section: str, name: str) -> Keyword | None:
    """The definition of option ``name`` in block ``section`` (any version), or None."""
    return KEYWORDS.get(section, {}).get(name)


def option_names(section: str, version: str | None = None) -> tuple[str, ...]:
    table = KEYWORDS.get(section, {})
    return tuple(n for n, k in table.items() if version is None or version in k.versions)


def block_names(parent: str, version: str | None = None) -> tuple[str, ...]:
    table = SECTIONS.get(parent, {})
    return tuple(n for n, v in table.items() if version is None or version in v)


def section_versions(parent: str, name: str) -> frozenset | None:
    return SECTIONS.get(parent, {}).get(name)
