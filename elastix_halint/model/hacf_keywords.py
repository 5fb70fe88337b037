"""The ``ha.cf`` directive table (Heartbeat 2.x/3.0.x, KEYWORDS.md §4.2) as data.

Each entry says how Heartbeat reads the directive (``form``), what its values look like
(``value``), whether repeating it adds to it or the last one wins (``repeat``) and, for closed
value sets, the allowed words (``choices``). The parser validates values with it and the linter
uses it for HB100 (did-you-mean on unknown names).

``form``:
  ``option``    every blank-separated word after the name is applied on its own (``node a b``);
  ``wholeline`` the rest of the line is one value (``respawn USER CMD ARGS``);
  ``medium``    a communication or ping plugin that takes the rest of the line.
``value`` (how each word, or the whole line, is checked):
  ``name`` ``path`` ``text`` free text; ``time`` seconds, decimals or ``ms``; ``int``;
  ``bool`` per cl_str_to_boolean; ``choice`` one of ``choices``; ``bool+`` boolean or one of
  ``choices``; ``facility`` syslog facility; the media kinds name their own fields.
"""

from __future__ import annotations

from elastix_halint.model.record import Record


class DirectiveSpec(Record):
    name: str
    form: str  # option | wholeline | medium
    value: str
    repeat: bool  # True: every occurrence counts; False: the last one wins
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    default: str | None = None
    obsolete: bool = False


def _o(name, value, repeat=False, choices=(), minimum=None, maximum=None, default=None, obsolete=False):
    return DirectiveSpec(name, "option", value, repeat, tuple(choices), minimum, maximum, default, obsolete)


def _w(name, value="text"):
    return DirectiveSpec(name, "wholeline", value, True)


def _m(name, value):
    return DirectiveSpec(name, "medium", value, True)


BOOL_TRUE = ("true", "on", "yes", "y", "1")
BOOL_FALSE = ("false", "off", "no", "n", "0")

FACILITIES = (
    "auth", "authpriv", "cron", "daemon", "ftp", "kern", "lpr", "mail", "news", "syslog", "user", "uucp",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7", "none",
)

BAUD_RATES = ("9600", "19200", "38400", "57600", "115200", "230400", "460800")

# Media plugins that carry heartbeats between nodes (ping kinds only watch reachability).
COMM_MEDIA = ("bcast", "mcast", "mcast6", "ucast", "ucast6", "serial")
PING_MEDIA = ("ping", "ping_group", "hbaping")

TIME_DIRECTIVES = ("keepalive", "deadtime", "warntime", "initdead", "deadping", "conn_logd_time")

DIRECTIVES: tuple[DirectiveSpec, ...] = (
    _o("node", "name", repeat=True),
    _o("keepalive", "time", default="1000ms"),
    _o("deadtime", "time", default="30000ms"),
    _o("warntime", "time"),
    _o("initdead", "time"),
    _o("deadping", "time"),
    _o("conn_logd_time", "time", default="60"),
    _o("udpport", "int", minimum=1, maximum=65535, default="694"),
    _o("baud", "choice", choices=BAUD_RATES, default="19200", obsolete=True),
    _o("auto_failback", "bool+", choices=("legacy",), default="legacy"),
    _o("nice_failback", "bool", obsolete=True),
    _o("logfile", "path"),
    _o("debugfile", "path"),
    _o("logfacility", "facility"),
    _o("use_logd", "bool"),
    _o("debug", "int", minimum=0, maximum=255, default="0"),
    _o("crm", "bool+", choices=("respawn", "minimal", "manual", "ccm-only", "valgrind")),
    _o("pacemaker", "bool+", choices=("respawn", "minimal", "manual", "ccm-only", "valgrind")),
    _o("crm_daemon_dir", "path"),
    _o("crmd_spawns_pengine", "bool"),
    _o("watchdog", "path"),
    _o("realtime", "bool", default="true"),
    _o("rtprio", "int"),
    _o("hopfudge", "int", minimum=0, maximum=255, default="1"),
    _o("hbgenmethod", "choice", choices=("file", "time"), default="file"),
    _o("msgfmt", "choice", choices=("classic", "netstring"), default="classic"),
    _o("traditional_compression", "bool", default="no"),
    _o("compression", "choice", choices=("zlib", "bz2"), default="zlib"),
    _o("compression_threshold", "int", minimum=1, default="2"),
    _o("coredumps", "bool", default="true"),
    _o("coreroot", "path"),
    _o("autojoin", "choice", choices=("none", "other", "any"), default="none"),
    _o("uuidfrom", "choice", choices=("file", "nodename"), default="file"),
    _o("cluster", "name", default="linux-ha"),
    _o("quorum_server", "name"),
    _o("max_rexmit_delay", "int", minimum=1, default="250"),
    _o("memreserve", "int", minimum=0, default="6500"),
    _o("env", "text", repeat=True),
    _o("normalpoll", "bool", default="true"),
    _o("log_badpack", "bool", default="true"),
    _o("syslogmsgfmt", "bool"),
    _o("use_apphbd", "bool"),
    _o("record_config_changes", "bool", default="on"),
    _o("record_pengine_inputs", "bool", default="on"),
    _o("enable_config_writes", "bool", default="on"),
    _w("stonith"),
    _w("stonith_host"),
    _w("apiauth"),
    _w("respawn"),
    _w("failfast"),
    _m("bcast", "interfaces"),
    _m("mcast", "mcast"),
    _m("mcast6", "mcast"),
    _m("ucast", "ucast"),
    _m("ucast6", "ucast"),
    _m("serial", "devices"),
    _m("ping", "hosts"),
    _m("ping_group", "group"),
    _m("hbaping", "text"),
)

BY_NAME: dict[str, DirectiveSpec] = {spec.name: spec for spec in DIRECTIVES}
NAMES: tuple[str, ...] = tuple(BY_NAME)
