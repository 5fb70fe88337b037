"""What drbdadm 8.3, 8.4 and 9 say of a configuration: accepted, or rejected on which line.

halint's own parser (grammar, recovery, friendly messages) reads every version's syntax at
once; whether a given drbdadm takes the file is decided here, by following drbd-utils 9.22's
hand-written parsers (``drbdadm_parser.c``, ``drbdadm_postparse.c``, ``drbdadm_main.c`` of
``user/v83``, ``user/v84``, ``user/v9``) step by step on the tokens of its scanner
(:mod:`drbdadm_scan`): the same statements in the same places, the same "expected … but got"
stops, the checks of values (option tables probed from the binaries: model/drbdadm_values.py),
the uniqueness checks (an address, a minor, a disk used twice), the missing statements, the
volume sets, the DRBD 9 connections and node ids, and the includes (read at their place; an
``include`` of a file already read is skipped by 8.4 and 9).

drbdadm stops at the first "Parse error" and goes on after other errors, exiting with an
error in the end; the :class:`Verdict` names the first error, as drbdadm prints it first.
Where drbdadm depends on the machine it runs on, the emulation is drbdadm run for ``dump all``
without a terminal on a machine none of the host sections names — except drbdadm-83, which
refuses to run anywhere else, so it is emulated on the node named most often in the file (the
tests run it so, in a private namespace). ``require-drbd-module-version-*`` depends on the
loaded kernel module and is left unjudged (``Verdict.depends``).
"""

from __future__ import annotations

import os

from elastix_halint.model.record import Mutable, Record, field

from elastix_halint.model.drbdadm_values import DRBDADM_VALUES
from elastix_halint.parsing.drbdadm_scan import (EOF, ERR_DQ, ERR_LONG, ERR_LONG_DQ, INTEGER, IPADDR, IPADDR6, KMODVERS,
                                                 KW, OP, STRING, Tok, scan)

LIMIT = 2**64 - 1
_SHIFT = {"k": 10, "K": 10, "m": 20, "M": 20, "g": 30, "G": 30, "s": 9}
_SCALE_SHIFT = {"1": 0, "k": 10, "s": 9}
SYNTAX, VALUE, SEMANTIC, INCLUDE = "syntax", "value", "semantic", "include"


class Verdict(Record):
    """``ok``, or the first error: ``file`` and ``line`` as drbdadm prints them (``line`` None
    when drbdadm names no line), its ``message``, and its ``kind``: ``syntax`` (the scanner or
    parser stops), ``include`` (a file it cannot open), ``value`` (a value or range check),
    ``semantic`` (a conflict, a missing statement, volumes, connections). ``depends``: the
    verdict hangs on the machine (a module version requirement)."""

    version: str
    ok: bool
    file: str | None = None
    line: int | None = None
    message: str = ""
    kind: str = ""
    depends: bool = False
    column: int = 1
    # Where the statement really is, when drbdadm prints another place (it names the entry
    # file, not the included one, for a DRBD 9 connection's host it cannot resolve) or none
    # (``line`` None: the statement it read last).
    real_file: str | None = None
    real_line: int | None = None

    def to_json(self) -> dict:
        return {"ok": self.ok, "file": self.file, "line": self.line, "column": self.column, "message": self.message,
                "kind": self.kind or None, "depends_on_machine": self.depends, "real_file": self.real_file,
                "real_line": self.real_line}


class Verdicts:
    """The verdicts of drbdadm 8.3, 8.4 and 9 on one configuration, each worked out the first
    time it is asked for (a parse usually needs one; lint and JSON ask for more)."""

    VERSIONS = ("8.3", "8.4", "9")

    def __init__(self, judge):
        self._judge = judge  # version -> Verdict
        self._done: dict[str, Verdict] = {}

    def get(self, version: str) -> Verdict | None:
        if version not in self.VERSIONS:
            return None
        found = self._done.get(version)
        if found is None:
            found = self._done[version] = self._judge(version)
        return found

    def __iter__(self):
        return (self.get(v) for v in self.VERSIONS)

    def __len__(self) -> int:
        return len(self.VERSIONS)

    def __repr__(self) -> str:
        return f"Verdicts({', '.join(f'{v}={self._done[v].ok}' for v in self._done)})"


class _Stop(Exception):
    """drbdadm exits here."""


def new_strtoll(text: str, scale: str, suffixes: str = "kKmMgGs") -> int | None:
    """drbd-utils' ``new_strtoll``: ``sscanf("%llu%c%c")`` — blanks, a sign (a minus wraps
    around), digits (too many saturate), at most one unit letter — rounded up to ``scale``."""
    i, n = 0, len(text)
    while i < n and text[i] in " \t\n\v\f\r":
        i += 1
    sign = ""
    if i < n and text[i] in "+-":
        sign, i = text[i], i + 1
    j = i
    while j < n and text[j].isdigit() and text[j] < "\x80":
        j += 1
    if j == i or n - j > 1:
        return None
    value = min(int(text[i:j]), LIMIT)
    if sign == "-":
        value = (-value) % (LIMIT + 1)
    unit = text[j:]
    if not unit:
        return value
    if unit not in suffixes or unit not in _SHIFT:
        return None
    shift = _SHIFT[unit] - _SCALE_SHIFT[scale]
    if shift < 0:
        return (value + (1 << -shift) - 1) >> -shift
    return value << shift if value <= LIMIT >> shift else None


def _atoi(text: str) -> int:
    digits = ""
    for ch in text.lstrip(" \t"):
        if not ch.isdigit():
            break
        digits += ch
    return int(digits) if digits else 0


def minor_of_dev(device: str) -> int:
    """drbd-utils ``dt_minor_of_dev`` without a device node: digits, or /dev/drbdN; else -1."""
    tail = device
    if not device.isdigit():
        if device.startswith("/dev/drbd") and device[9:].isdigit():
            tail = device[9:]
        else:
            return -1
    value = int(tail)
    if value >= 2**63:
        return -1
    value &= 0xFFFFFFFF
    return value - 2**32 if value >= 2**31 else value


def addr_scope_local(addr: str) -> bool:
    """A loopback address (``inet_pton`` and ``IN_IS_ADDR_LOOPBACK``)."""
    if addr.startswith("127."):
        import ipaddress

        try:
            return ipaddress.ip_address(addr).is_loopback
        except ValueError:
            return False
    if ":" not in addr:
        return False
    import ipaddress

    try:
        return ipaddress.ip_address(addr).is_loopback
    except ValueError:
        return False


# --------------------------------------------------------------------------- the configuration


class Vol(Mutable):
    vnr: int = 0
    device: str | None = None
    minor: int = -1
    disk: str | None = None
    meta_disk: str | None = None
    meta_index: str | None = None
    implicit: bool = False
    parsed: bool = False  # 9: a device/disk/meta-disk statement was written for it
    line: int = 0


class Proxy(Mutable):
    on_hosts: list
    inside: tuple | None = None
    outside: tuple | None = None


class Host(Mutable):
    on_hosts: list
    line: int
    by_address: bool = False
    address: tuple | None = None  # (af, addr, port)
    node_id: str | None = None
    volumes: dict = field(default_factory=dict)  # vnr -> Vol
    proxy: Proxy | None = None
    lower_name: str | None = None
    lower: object | None = None
    require_minor: bool = False
    implicit: bool = False


class EndPoint(Mutable):
    name: str
    line: int
    keyword: str
    file: str = ""
    address: tuple | None = None
    port: str | None = None
    host: Host | None = None
    by_address: bool = False
    proxy: Proxy | None = None
    faked: bool = False


class Path(Mutable):
    line: int
    implicit: bool = False
    ends: list = field(default_factory=list)


class Conn(Mutable):
    line: int
    paths: list = field(default_factory=list)
    implicit: bool = False
    peer: Host | None = None
    peer_devices: list = field(default_factory=list)  # (vnr, line)


class Res(Mutable):
    name: str
    file: str
    line: int
    hosts: list = field(default_factory=list)
    volumes: dict = field(default_factory=dict)
    conns: list = field(default_factory=list)
    meshes: list = field(default_factory=list)  # (names, line)
    options: dict = field(default_factory=dict)  # section -> [(name, value)]
    become_primary_on: list = field(default_factory=list)
    me: Host | None = None
    peer: Host | None = None
    ignore: bool = False
    stacked_on_one: bool = False
    stacked: bool = False


# --------------------------------------------------------------------------- the emulation


class Emulator:
    """One drbdadm run (``dump all``) over a configuration.

    ``include(pattern, source)`` gives the files an ``include`` statement of ``source`` (a
    SourceFile) names, as ``[(real_path, source_or_None)]`` in drbdadm's glob order (None:
    cannot be opened); ``hostname``: the machine drbdadm runs on."""

    def __init__(self, version: str, include, hostname: str = ""):
        self.v = version
        self.values = DRBDADM_VALUES[version]
        self.include_files = include
        self.hostname = hostname
        self.first: tuple | None = None  # (file, line, message, kind, column)
        self.unplaced: tuple | None = None  # the first error drbdadm prints without a place
        self.uniq: dict[str, bool] = {}
        self.upr: dict[str, bool] = {}
        self.seen: set[str] = set()
        self.config: list[Res] = []
        self.common: Res | None = None
        self.templates: list = []
        self.c_section_start = 0
        self.fline = 0
        self.line = 0
        self.tokens: list[Tok] = []
        self.pos = 0
        self.tok: Tok | None = None
        self.file = ""
        self.depth = 0
        self.depends = False
        self.minor_count = 0

    # -- results -------------------------------------------------------------------------------
    def error(self, line: int | None, message: str, kind: str = SEMANTIC, file: str | None = None,
              real: tuple | None = None) -> None:
        """An error after which drbdadm goes on (``config_valid = 0``). The verdict names the
        first error drbdadm prints with a place; one without (``unknown protocol``, ``X is not a
        valid number``) only when no other follows."""
        if line is None:
            if self.unplaced is None:
                # drbdadm prints no place; the statement it read last is still the place to show.
                tok = self.tok
                here = (self.file, tok.line) if tok is not None and file is None else (None, None)
                column = tok.column if tok is not None and file is None else 1
                self.unplaced = (file if file is not None else self.file, None, message, kind, column, here)
            return
        if self.first is None:
            tok = self.tok
            column = tok.column if tok is not None and tok.line == line and file is None else 1
            self.first = (file if file is not None else self.file, line, message, kind, column, real)

    @property
    def valid(self) -> bool:
        """drbdadm's ``config_valid``: no error so far."""
        return self.first is None and self.unplaced is None

    def stop(self, line: int | None, message: str, kind: str = SYNTAX, file: str | None = None):
        self.error(line, message, kind, file)
        raise _Stop()

    def run(self, source) -> Verdict:
        try:
            self.read_file(source, source.real_path or source.path)
            # After parsing, drbdadm's "current file and line" are the entry file's end.
            self.file, self.line = source.path, source.text.count("\n") + 1
            if self.valid:
                self.post_parse()
            if self.valid:
                self.validate()
        except _Stop:
            pass
        except RecursionError:
            self.error(None, "includes nested too deeply", INCLUDE)
        if self.valid:
            return Verdict(self.v, True, depends=self.depends)
        file, line, message, kind, column, real = self.first or self.unplaced
        real = real if real is not None and real != (file, line) else (None, None)
        return Verdict(self.v, False, file, line, message, kind, self.depends, column, *real)

    # -- the scanner ---------------------------------------------------------------------------
    def read_file(self, source, real: str) -> None:
        saved = (self.tokens, self.pos, self.tok, self.file, self.line)
        self.tokens, self.pos, self.tok, self.file, self.line = scan(source.text, self.v), 0, None, source.path, 1
        self.seen.add(os.path.realpath(real))
        self.depth += 1
        try:
            if self.depth > 64:
                self.stop(None, "includes nested too deeply", INCLUDE)
            self.my_parse(source)
        finally:
            self.depth -= 1
            self.tokens, self.pos, self.tok, self.file, self.line = saved

    def lex(self) -> Tok:
        tok = self.tokens[self.pos]
        if tok.kind != EOF:
            self.pos += 1
        self.tok = tok
        self.line = tok.line
        return tok

    @staticmethod
    def kw(tok: Tok, word: str) -> bool:
        return tok.kind == KW and tok.text == word

    @staticmethod
    def op(tok: Tok, ch: str) -> bool:
        return tok.kind == OP and tok.text == ch

    def expected(self, what: str):
        self.stop(self.line, f"Parse error: '{what}' expected, but got '{self.tok.raw[:20]}'")

    def string_error(self, tok: Tok) -> None:
        messages = {ERR_LONG: "Token too long", ERR_LONG_DQ: "Double quoted string too long",
                    ERR_DQ: "Unterminated double quoted string"}
        if tok.kind in messages:
            self.stop(self.line, f"{messages[tok.kind]} >>>{tok.raw[:20]}...<<<")

    def exp_op(self, ch: str) -> Tok:
        tok = self.lex()
        if not self.op(tok, ch):
            self.expected(ch)
        return tok

    def exp(self, kind: str, word: str | None = None) -> Tok:
        tok = self.lex()
        if tok.kind != kind or (word is not None and tok.text != word):
            if kind == STRING:
                self.string_error(tok)
            self.expected(word or kind)
        return tok

    # -- uniqueness ----------------------------------------------------------------------------
    def check(self, table: dict, what: str, key: str, line: int | None = None, file: str | None = None) -> bool:
        if key in table:
            self.error(self.fline if line is None else line, f"conflicting use of {what} '{key}'", SEMANTIC, file)
            return False
        table[key] = True
        return True

    def check_uniq(self, what: str, key: str, line: int | None = None, file: str | None = None) -> bool:
        return self.check(self.uniq, what, key, line, file)

    def check_upr(self, what: str, key: str) -> bool:
        return self.check(self.upr, what, key)

    # -- top level -----------------------------------------------------------------------------
    def my_parse(self, source) -> None:
        while True:
            tok = self.lex()
            self.fline = self.line
            if self.kw(tok, "global"):
                self.parse_global()
            elif self.kw(tok, "common"):
                self.exp_op("{")
                self.common = self.parse_resource("common", none_host=True)
            elif self.kw(tok, "resource"):
                name = self.exp(STRING).text
                if not name:
                    self.stop(None, "Resource name is empty.")
                if any(ord(ch) < 32 or ch == "\x7f" for ch in name):
                    self.stop(None, "Resource name is invalid - please don't use control characters.")
                self.exp_op("{")
                self.config.append(self.parse_resource(name))
            elif self.kw(tok, "skip"):
                self.parse_skip()
            elif self.kw(tok, "include"):
                pattern = self.exp(STRING).text
                self.exp_op(";")
                self.include_stmt(pattern, source)
            elif tok.kind == KW and tok.text.startswith("require-drbd-module-version-"):
                self.exp(KMODVERS)
                self.exp_op(";")
                self.depends = True  # drbdadm compares with the loaded module
            elif tok.kind == EOF:
                return
            else:
                self.expected("global | common | resource | skip | include")

    def include_stmt(self, pattern: str, source) -> None:
        line = self.line
        targets = self.include_files(pattern, source)
        if not targets and not any(ch in pattern for ch in "?*["):
            self.error(line, f"Failed to open include file '{pattern}'.", INCLUDE)
        for target, included in targets:
            if self.v != "8.3" and os.path.realpath(target) in self.seen:
                continue  # was_file_already_seen
            if included is None:
                self.error(line, f"Failed to open include file '{target}'.", INCLUDE)
                continue
            self.read_file(included, target)

    def parse_global(self) -> None:
        self.fline = self.line
        self.check_uniq("global section", "global")
        self.exp_op("{")
        table = self.values.get("global", {})
        while True:
            tok = self.lex()
            self.fline = self.line
            if self.op(tok, "}"):
                return
            rule = table.get(tok.text) if tok.kind == KW else None
            if rule is None:
                self.expected("dialog-refresh | minor-count | disable-ip-verification")
            if rule["kind"] == "enum":  # usage-count: yes | no | ask, keywords
                value = self.lex()
                if value.kind != KW or value.text not in rule["values"]:
                    self.expected("yes | no | ask")
            elif rule["kind"] == "number":
                value = self.exp(INTEGER)
                if self.range_check(rule, tok.text, value.text) and tok.text == "minor-count":
                    self.minor_count = _atoi(value.text)
            self.exp_op(";")

    def parse_skip(self) -> None:
        self.fline = self.line
        if self.v == "9":
            level = 0
            while True:
                tok = self.lex()
                if tok.kind == EOF:
                    self.stop(self.fline, "reached eof while parsing this skip block.")
                if self.op(tok, "{"):
                    level += 1
                elif self.op(tok, "}"):
                    level -= 1
                    if level == 0:
                        return
        tok = self.lex()
        if tok.kind == STRING:
            self.exp_op("{")
        elif not self.op(tok, "{"):
            self.string_error(tok)
            self.expected("[ some_text ] {")
        level = 1
        while level:
            tok = self.lex()
            if self.op(tok, "{"):
                level += 1
            elif self.op(tok, "}"):
                level -= 1
            elif tok.kind == EOF:
                self.stop(self.fline, "reached eof while parsing this skip block.")

    # -- option sections -----------------------------------------------------------------------
    def range_check(self, rule: dict, name: str, text: str) -> bool:
        """A number checked the way the version does: 8.x exits on a non-number (exit 20, no
        line printed); 9 and the ranges report it and go on."""
        scale = rule.get("scale", "1")
        value = new_strtoll(text, scale, rule.get("suffixes", "kKmMgGs"))
        if value is None:
            if self.v == "9":
                self.error(self.line, f"Parse error: while parsing value ('{text[:20]}') for {name}. Value is not a number.",
                           VALUE)
                return False
            self.stop(None, f"{text} is not a valid number", VALUE)
        if rule["kind"] == "enum_num":
            value &= 0xFFFFFFFF
            value = value - 2**32 if value >= 2**31 else value
        if not rule["min"] <= value <= rule["max"]:
            self.error(self.fline if self.v != "9" else self.line,
                       f"{name} {text} => {value} out of range [{rule['min']}..{rule['max']}]", VALUE)
            return False
        return True

    def option_name(self, tok: Tok) -> tuple[str | None, bool]:
        """(option name, written with ``no-``) of a statement's first token."""
        if self.v == "9":
            text = tok.text if tok.kind == STRING else tok.raw
            if text.startswith("no-"):
                return text[3:], True
            return text, False
        return (tok.text if tok.kind == KW else None), False

    def parse_options(self, section: str, res: Res | None = None) -> None:
        """A setting section after its ``{`` (net, disk, syncer, startup, handlers, options,
        proxy): each option by its probed rule, the delegates of the version."""
        self.c_section_start = self.line
        self.fline = self.line
        table = self.values.get(section, {})
        while True:
            tok = self.lex()
            if self.v != "9" or section == "syncer":  # drbdadm 9's __parse_options keeps fline
                self.fline = self.line
            if self.op(tok, "}"):
                return
            if tok.kind == EOF and self.v != "9":
                self.expected("an option")
            name, no_prefix = self.option_name(tok)
            if section == "proxy" and (name == "plugin" or (self.v == "9" and name not in table)):
                self.parse_plugin()  # drbdadm 9 hands every word it does not know to the plugin reader
                continue
            if section == "startup" and name == "become-primary-on" and self.v != "9":
                names = self.parse_hosts(";")  # startup_delegate: host names up to ``;``
                if res is not None:
                    res.become_primary_on = names
                continue
            if self.v == "9" and section == "disk" and name not in table:
                name = None
            rule = table.get(name) if name else None
            if rule is None or (no_prefix and self.v == "9" and name in ("become-primary-on", "stacked-timeouts")):
                self.expected("an option keyword")
            self.option_value(rule, name, no_prefix, res, section)

    def option_value(self, rule: dict, name: str, no_prefix: bool, res: Res | None, section: str) -> None:
        kind = rule["kind"]
        if self.v == "9" and kind not in ("tokens",):
            tok = self.lex()
            if self.op(tok, ";"):
                self.add_option(res, section, name, "no" if no_prefix else "yes")
                return
            text = tok.text if tok.kind == STRING else tok.raw
            self.check_value_9(rule, name, text)
            self.add_option(res, section, name, text)
            self.exp_op(";")
            return
        if kind == "tokens":
            while not self.op(self.lex(), ";"):
                if self.tok.kind == EOF:
                    self.expected(";")
            return
        if kind == "flag":
            self.exp_op(";")
            self.add_option(res, section, name, None)
            return
        if kind == "bool":
            tok = self.lex()
            if self.op(tok, ";"):
                self.add_option(res, section, name, "yes")
                return
            if section == "syncer" and self.v == "8.4":  # parse_options_syncer: anything else is "yes"
                if not (self.kw(tok, "yes") or self.kw(tok, "no")):
                    if not self.op(tok, ";"):
                        self.expected(";")
                    return
            elif not (self.kw(tok, "yes") or self.kw(tok, "no")):
                self.expected("yes | no | ;")
            self.add_option(res, section, name, tok.text)
            self.exp_op(";")
            return
        if kind == "name":  # 8.4 become-primary-on: names up to ``;``
            names = self.parse_hosts(";")
            if res is not None:
                res.become_primary_on = names
            return
        tok = self.lex()
        if not (tok.kind in (STRING, INTEGER) or (self.v == "8.4" and self.kw(tok, "on"))):
            self.string_error(tok)
            self.expected("TK_STRING | TK_INTEGER")
        if tok.text in rule.get("refused", ()):
            self.expected("TK_STRING | TK_INTEGER")
        if kind in ("number", "enum_num") and not (kind == "enum_num" and tok.text in rule.get("values", ())):
            self.range_check(rule, name, tok.text)
        elif kind == "enum" and not self.enum_ok(rule, tok.text):
            self.error(None, f"unknown {name} '{tok.text}', should be one of A,B,C", VALUE)
        self.add_option(res, section, name, tok.text)
        self.exp_op(";")

    @staticmethod
    def enum_ok(rule: dict, text: str) -> bool:
        values = rule.get("values", ())
        if text in values:
            return True
        folded = {v.strip('"').lower() for v in values}
        case_free = any(v.lower() == v and v.upper() in values for v in values if v.upper() != v)
        return case_free and text.lower() in folded

    def check_value_9(self, rule: dict, name: str, text: str) -> None:
        kind = rule["kind"]
        bad = None
        if kind in ("number", "enum_num"):
            if kind == "enum_num" and text in rule.get("values", ()):
                return
            value = new_strtoll(text, rule.get("scale", "1"), rule.get("suffixes", "kKmMgGs"))
            if value is None:
                bad = "not a number"
            else:
                if kind == "enum_num":
                    value &= 0xFFFFFFFF
                    value = value - 2**32 if value >= 2**31 else value
                if value < rule["min"]:
                    bad = "too small"
                elif value > rule["max"]:
                    bad = "too big"
        elif kind == "bool":
            if text not in ("yes", "no"):
                bad = "not 'yes' or 'no'"
        elif kind == "enum":
            if not self.enum_ok(rule, text):
                bad = "not valid"
        elif kind in ("any", "word", "name", "string"):
            if len(text) > rule.get("max_len", 255):
                bad = "too long"
        if bad:
            self.error(self.line, f"Parse error: while parsing value ('{text[:20]}') for {name}. Value is {bad}.", VALUE)

    @staticmethod
    def add_option(res: Res | None, section: str, name: str, value) -> None:
        if res is not None:
            res.options.setdefault(section, []).append((name, value))

    def parse_plugin(self) -> None:
        tok = self.lex()
        if not self.op(tok, "{"):
            self.stop(self.fline, 'expected "{" after "proxy" keyword')
        while True:
            words = 0
            while True:
                tok = self.lex()
                if tok.kind == EOF:
                    self.stop(self.fline, "Unexpected end-of-file")
                if self.op(tok, ";"):
                    break
                if self.op(tok, "}"):
                    if not words:
                        return
                    self.stop(self.fline, 'Missing ";" before  "}"')
                words += 1

    def parse_hosts(self, delimiter: str) -> list[str]:
        names = []
        while True:
            tok = self.lex()
            if tok.kind == STRING:
                names.append(tok.text)
            elif self.op(tok, delimiter):
                if not names:
                    self.expected("TK_STRING")
                return names
            else:
                self.expected(f"TK_STRING | '{delimiter}'")

    # -- addresses -----------------------------------------------------------------------------
    def parse_address_only(self) -> tuple:
        tok = self.lex()
        if self.kw(tok, "sci"):
            af = "ssocks"
            addr = self.exp(IPADDR).text
        elif tok.kind == KW and tok.text in ("ssocks", "sdp", "ipv4"):
            af = tok.text
            addr = self.exp(IPADDR).text
        elif self.kw(tok, "ipv6"):
            af = "ipv6"
            self.exp_op("[")
            addr = self.exp(IPADDR6).text
        elif tok.kind == IPADDR:
            af, addr = "ipv4", tok.text
        else:
            self.expected("ssocks | sdp | ipv4 | ipv6 | <ipv4 address> ")
        if af == "ipv6":
            self.exp_op("]")
        self.exp_op(":")
        port = self.exp(INTEGER).text
        self.port_check(port)
        return (af, addr, port)

    def port_check(self, port: str) -> None:
        value = new_strtoll(port, "1")
        if value is None:
            self.stop(None, f"{port} is not a valid number", VALUE)
        if not 1 <= value <= 65535:
            self.error(self.fline, f"port {port} => {value} out of range [1..65535]", VALUE)

    def parse_address(self, on_hosts: list | None) -> tuple:
        addr = self.parse_address_only()
        if self.v != "9":
            if addr_scope_local(addr[1]):
                for h in on_hosts or ():
                    self.check_uniq("IP", f"{h}:{addr[1]}:{addr[2]}")
            else:
                self.check_uniq("IP", f"{addr[1]}:{addr[2]}")
        self.exp_op(";")
        return addr

    def parse_proxy_section(self) -> Proxy:
        self.exp(KW, "on")
        proxy = Proxy(self.parse_hosts("{"))
        while True:
            tok = self.lex()
            if self.kw(tok, "inside"):
                proxy.inside = self.parse_address(proxy.on_hosts)
            elif self.kw(tok, "outside"):
                proxy.outside = self.parse_address(proxy.on_hosts)
            elif self.kw(tok, "options") and self.v != "8.3":
                self.exp_op("{")
                self.parse_options("proxy")
            elif self.op(tok, "}"):
                break
            else:
                self.expected("inside | outside")
        return proxy

    def proxy_complete(self, proxy: Proxy, host_names: list) -> None:
        for part in ("inside", "outside"):
            if getattr(proxy, part) is None:
                self.error(self.c_section_start, f"in section: on {' '.join(host_names)} {{ proxy on … {{ … }} }}: "
                                                 f"'{part}' keyword missing.")

    # -- volumes -------------------------------------------------------------------------------
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
            vol.minor = _atoi(self.exp(INTEGER).text)
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

    # -- resources and hosts -------------------------------------------------------------------
    def parse_resource(self, name: str, none_host: bool = False) -> Res:
        self.upr = {}
        self.check_uniq("resource section", name)
        res = Res(name, self.file, self.line)
        while True:
            tok = self.lex()
            self.fline = self.line
            text = tok.text
            if (tok.kind == KW and text == "protocol" and self.v != "9") or (self.v == "9" and tok.kind == STRING
                                                                               and text == "protocol"):
                self.check_upr("protocol statement", f"{name}: protocol")
                if self.v == "9":
                    self.option_value(self.values["net"]["protocol"], "protocol", False, res, "net")
                else:
                    value = self.exp(STRING).text
                    if self.v == "8.4" and not self.enum_ok(self.values["net"]["protocol"], value):
                        self.error(None, f"unknown protocol '{value}', should be one of A,B,C", VALUE)
                    self.add_option(res, "net", "protocol", value)
                    self.add_option(res, "net-protocol", "protocol", value)
                    self.exp_op(";")
            elif self.kw(tok, "on"):
                self.parse_host_section(res, self.parse_hosts("{"), require=True)
            elif self.kw(tok, "stacked-on-top-of"):
                self.parse_stacked_section(res)
            elif self.kw(tok, "ignore-on") and self.v != "9":
                self.exp(STRING)
                self.exp_op(";")
            elif self.kw(tok, "_this_host"):
                self.exp_op("{")
                self.parse_host_section(res, ["_this_host"], require=False)
            elif self.kw(tok, "_remote_host") and self.v != "9":
                self.exp_op("{")
                self.parse_host_section(res, ["_remote_host"], require=False)
            elif self.kw(tok, "floating"):
                self.parse_host_section(res, [], require=True, by_address=True)
            elif self.kw(tok, "disk"):
                nxt = self.lex()
                if nxt.kind == STRING:
                    if self.v == "8.3":
                        self.res_vol(res).disk = nxt.text
                    else:
                        vol = self.volume0(res.volumes)
                        vol.disk, vol.parsed = nxt.text, True
                    self.exp_op(";")
                elif self.op(nxt, "{"):
                    self.check_upr("disk section", f"{name}:disk")
                    self.parse_options("disk", res)
                else:
                    self.string_error(nxt)
                    self.expected("TK_STRING | {")
            elif tok.kind == KW and text in ("net", "syncer", "startup", "handlers") or (
                    self.kw(tok, "options") and self.v != "8.3"):
                what = {"handlers": "handlers section", "options": "resource options section"}.get(text, f"{text} section")
                key = {"options": f"{name}:res_options"}.get(text, f"{name}:{text}")
                self.check_upr(what, key)
                self.exp_op("{")
                self.parse_options(text, res)
            elif self.kw(tok, "proxy"):
                self.check_upr("proxy section", f"{name}:proxy")
                self.exp_op("{")
                self.parse_options("proxy", res)
            elif tok.kind == KW and text in ("device", "meta-disk", "flexible-meta-disk"):
                if text == "device":
                    self.check_upr("device statement", f"{name}:device")
                if self.v == "8.3":
                    self.res_statement_83(res, tok)
                else:
                    self.parse_volume_stmt(self.volume0(res.volumes), None, tok)
            elif self.kw(tok, "volume") and self.v != "8.3":
                vnr = _atoi(self.exp(INTEGER).text)
                self.insert_volume(res.volumes, self.parse_volume(vnr, None))
            elif self.v == "9" and self.kw(tok, "connection"):
                res.conns.append(self.parse_connection())
            elif self.v == "9" and self.kw(tok, "connection-mesh"):
                self.parse_mesh(res)
            elif self.v == "9" and self.kw(tok, "template-file"):
                self.exp(STRING)
                self.exp_op(";")
                self.stop(self.line, "template files are not read by halint", INCLUDE)
            elif self.v == "9" and self.kw(tok, "skip"):
                self.parse_skip()
            elif self.op(tok, "}") or tok.kind == EOF:
                break
            else:
                self.expected("protocol | on | disk | net | syncer | startup | handlers | ignore-on | stacked-on-top-of")
        if none_host and res.hosts:
            self.error(self.c_section_start, f"in the {name} section, there are no host sections allowed.")
        if self.v == "8.4" and not none_host:
            self.check_volumes_hosts(res)
        return res

    def res_vol(self, res: Res) -> Vol:
        return res.volumes.setdefault(0, Vol(0, implicit=True))

    def res_statement_83(self, res: Res, tok: Tok) -> None:
        vol = self.res_vol(res)
        if tok.text == "device":
            self.parse_device(None, vol)
        elif tok.text == "meta-disk":
            self.parse_meta_disk(vol)
        else:
            vol.meta_disk = self.exp(STRING).text
            if vol.meta_disk != "internal":
                vol.meta_index = "flexible"
            self.exp_op(";")

    def parse_host_section(self, res: Res, on_hosts: list, require: bool, by_address: bool = False) -> None:
        self.c_section_start = self.line
        self.fline = self.line
        host = Host(list(on_hosts), self.c_section_start, require_minor=require and self.v == "9")
        in_braces = True
        if by_address:
            host.by_address = True
            host.address = self.parse_address_only()
            if self.v != "9":
                self.check_uniq("IP", f"{host.address[1]}:{host.address[2]}")
            af, addr, port = host.address
            host.on_hosts = [f"ipv6 [{addr}]:{port}" if af == "ipv6" else f"{addr}:{port}"]
            tok = self.lex()
            if self.op(tok, ";"):
                in_braces = False
            elif not self.op(tok, "{"):
                self.expected("{ | ;")
        names = host.on_hosts if by_address and self.v == "9" else on_hosts if not by_address else host.on_hosts
        for h in names:
            self.check_upr("host section", f"{res.name}: on {h}")
        res.hosts.append(host)
        while in_braces:
            tok = self.lex()
            self.fline = self.line
            text = tok.text
            if tok.kind == KW and text in ("disk", "device", "meta-disk", "flexible-meta-disk"):
                label = "meta-disk" if text == "flexible-meta-disk" else text
                for h in names:
                    self.check_upr(f"{label} statement", f"{res.name}:{h}:{label}")
                if self.v == "8.3":
                    self.host_statement_83(host, tok, names)
                elif not self.parse_volume_stmt(self.volume0(host.volumes), names, tok):
                    self.expected("disk | device | address | meta-disk | flexible-meta-disk")
            elif self.kw(tok, "address") or (self.kw(tok, "alternate-link-address") and self.v == "8.4"):
                if host.by_address:
                    self.stop(self.fline, "address statement not allowed for floating {} host sections", SEMANTIC)
                for h in names:
                    label = "address" if text == "address" else "alt-address"
                    self.check_upr(f"{label} statement", f"{res.name}:{h}:{label}")
                addr = self.parse_address(names)
                if text == "address":
                    host.address = addr
            elif self.kw(tok, "proxy"):
                host.proxy = self.parse_proxy_section()
                if self.v != "9":
                    self.proxy_complete(host.proxy, names)
            elif self.kw(tok, "volume") and self.v != "8.3":
                vnr = _atoi(self.exp(INTEGER).text)
                self.insert_volume(host.volumes, self.parse_volume(vnr, names))
            elif self.kw(tok, "options") and self.v != "8.3":
                self.exp_op("{")
                self.parse_options("options")
            elif self.v == "9" and self.kw(tok, "node-id"):
                self.parse_node_id(res, host, names)
            elif self.v == "9" and self.kw(tok, "skip"):
                self.parse_skip()
            elif self.op(tok, "}"):
                in_braces = False
            else:
                self.expected("disk | device | address | meta-disk | flexible-meta-disk")
        if self.v == "9":
            return
        if self.v == "8.3":
            self.host_inherit_83(res, host, names, require)
            return
        self.inherit_volumes(res.volumes, host)
        for vol in host.volumes.values():
            self.check_meta_disk(vol, names)
        if not require:
            return
        if host.address is None:
            self.derror(host, res, "address")
        self.check_volumes_complete(res, host)

    def parse_node_id(self, res: Res, host: Host, names: list) -> None:
        value = self.exp(INTEGER).text
        self.node_id_range(value)
        host.node_id = value
        for h in names:
            self.check_upr("node-id statement", f"{res.name}:{h}:node-id")
        self.check_upr("node-id", f"{res.name}:{value}")
        self.exp_op(";")

    def node_id_range(self, value: str) -> None:
        n = new_strtoll(value, "1")
        if n is None:
            self.stop(None, f"{value} is not a valid number", VALUE)
        if not 0 <= n <= 31:
            self.error(self.fline, f"node-id {value} => {n} out of range [0..31]", VALUE)

    def host_statement_83(self, host: Host, tok: Tok, names: list) -> None:
        vol = host.volumes.setdefault(0, Vol(0, implicit=True))
        if tok.text == "disk":
            vol.disk = self.exp(STRING).text
            for h in names:
                self.check_uniq("disk", f"disk:{h}:{vol.disk}")
            self.exp_op(";")
        elif tok.text == "device":
            self.parse_device(names, vol)
        elif tok.text == "meta-disk":
            self.parse_meta_disk(vol)
            self.check_meta_disk(vol, names)
        else:
            vol.meta_disk = self.exp(STRING).text
            if vol.meta_disk != "internal":
                vol.meta_index = "flexible"
            self.check_meta_disk(vol, names)
            self.exp_op(";")

    def host_inherit_83(self, res: Res, host: Host, names: list, require: bool) -> None:
        vol = host.volumes.setdefault(0, Vol(0, implicit=True))
        rv = res.volumes.get(0)
        if rv is not None:
            if vol.disk is None and rv.disk is not None:
                vol.disk = rv.disk
                for h in names:
                    self.check_uniq("disk", f"disk:{h}:{vol.disk}")
            if vol.device is None and rv.device is not None:
                vol.device = rv.device
            if vol.minor == -1 and rv.minor != -1:
                vol.minor = rv.minor
                for h in names:
                    self.check_uniq("device-minor", f"device-minor:{h}:{vol.minor}")
            if vol.meta_disk is None and rv.meta_disk is not None:
                vol.meta_disk, vol.meta_index = rv.meta_disk, rv.meta_index
                self.check_meta_disk(vol, names)
        if not require:
            return
        if vol.device is None and vol.minor == -1:
            self.derror(host, res, "device")
        if vol.disk is None:
            self.derror(host, res, "disk")
        if host.address is None:
            self.derror(host, res, "address")
        if vol.meta_disk is None:
            self.derror(host, res, "meta-disk")

    def derror(self, host: Host, res: Res, what: str, line: int | None = None, file: str | None = None) -> None:
        where = self.c_section_start if line is None else line
        self.error(where, f"in resource {res.name}, on {' '.join(host.on_hosts)} {{ ... }}: '{what}' keyword missing.",
                   SEMANTIC, file)

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

    def parse_stacked_section(self, res: Res) -> None:
        self.c_section_start = self.line
        self.fline = self.line
        host = Host([], self.line)
        res.hosts.append(host)
        lower = self.exp(STRING).text
        self.check_uniq("stacked-on-top-of", f"stacked:{lower}")
        host.lower_name = lower
        self.exp_op("{")
        while True:
            tok = self.lex()
            if self.kw(tok, "device"):
                if self.v == "8.3":
                    self.parse_device([], host.volumes.setdefault(0, Vol(0, implicit=True)))
                else:
                    vol = self.volume0(host.volumes)
                    self.parse_device([] if self.v == "8.4" else [], vol)
                    vol.meta_disk = vol.meta_index = "internal"
            elif self.kw(tok, "address") or (self.kw(tok, "alternate-link-address") and self.v == "8.4"):
                addr = self.parse_address(None)
                if tok.text == "address":
                    host.address = addr
            elif self.kw(tok, "proxy"):
                host.proxy = self.parse_proxy_section()
            elif self.kw(tok, "volume") and self.v != "8.3":
                vnr = _atoi(self.exp(INTEGER).text)
                vol = self.parse_stacked_volume(vnr)
                self.insert_volume(host.volumes, vol)
            elif self.v == "9" and self.kw(tok, "node-id"):
                self.parse_node_id(res, host, [])
            elif self.op(tok, "}"):
                break
            else:
                self.expected("device | address | proxy")
        res.stacked_on_one = True
        if self.v == "8.3":
            vol = host.volumes.setdefault(0, Vol(0, implicit=True, meta_disk="internal", meta_index="internal"))
            vol.meta_disk = vol.meta_disk or "internal"
            rv = res.volumes.get(0)
            if rv is not None:
                if vol.device is None and rv.device is not None:
                    vol.device = rv.device
                if vol.minor == -1 and rv.minor != -1:
                    vol.minor = rv.minor
            if vol.device is None and vol.minor == -1:
                self.derror(host, res, "device")
            if host.address is None:
                self.derror(host, res, "address")
            return
        if self.v == "8.4":
            self.inherit_volumes(res.volumes, host)
            if host.address is None:
                self.derror(host, res, "address")

    def parse_stacked_volume(self, vnr: int) -> Vol:
        vol = Vol(vnr, line=self.line)
        self.exp_op("{")
        if self.v == "8.4":
            self.exp(KW, "device")
            self.parse_device(None, vol)
            self.exp_op("}")
        else:
            while True:
                tok = self.lex()
                if self.kw(tok, "device"):
                    self.parse_device(None, vol)
                elif self.kw(tok, "disk"):
                    self.exp_op("{")
                    self.parse_options("disk")
                elif self.op(tok, "}"):
                    break
                else:
                    self.expected("device | disk | }")
        vol.meta_disk = vol.meta_index = "internal"
        return vol

    # -- DRBD 9 connections --------------------------------------------------------------------
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
                vnr = _atoi(self.exp(INTEGER).text)
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
        have_net = False
        while True:
            tok = self.lex()
            if self.kw(tok, "hosts"):
                names += self.parse_hosts(";")
            elif self.kw(tok, "net"):
                if have_net:
                    self.error(self.fline, "only one 'net' section allowed")
                self.exp_op("{")
                self.parse_options("net")
                have_net = True
            elif self.op(tok, "}"):
                res.meshes.append((names, line))
                return
            else:
                self.expected("hosts | net | }")

    # -- after parsing -------------------------------------------------------------------------
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

    def post_parse(self) -> None:
        if self.v == "9":
            return self.post_parse_9()
        for res in self.config:
            if res.stacked_on_one:
                self.set_on_hosts(res)
        for res in self.config:
            if not res.stacked_on_one:
                self.set_me(res)
        for res in self.config:
            if res.stacked_on_one:
                self.set_me(res)
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

    # -- DRBD 9 post-parse ---------------------------------------------------------------------
    def find_host(self, res: Res, name: str) -> Host | None:
        from elastix_halint.parsing.drbd_connections import hostnames_equal

        for host in res.hosts:
            if any(hostnames_equal(n, name) for n in host.on_hosts):
                return host
        return None

    def post_parse_9(self) -> None:
        for res in self.config:
            any_implicit = any_nonzero = False
            for host in res.hosts:
                self.inherit_volumes(res.volumes, host, line=None)
                for vol in host.volumes.values():
                    any_implicit |= vol.implicit
                    any_nonzero |= vol.vnr != 0
                    self.check_meta_disk(vol, host.on_hosts)
                if host.require_minor:
                    self.check_volumes_complete_9(res, host)
            if res.hosts:
                for other in res.hosts:
                    self.volume_sets_equal(res, res.hosts[0], other, self.line)
            if any_implicit and any_nonzero:
                self.error(self.line, f"in resource {res.name}: you must not mix implicit and explicit volumes")
        for res in self.config:
            if res.stacked_on_one:
                self.set_on_hosts(res)
        for res in self.config:
            for conn in res.conns:
                for path in conn.paths:
                    if len(path.ends) != 2:
                        what = "connection" if path.implicit else "path"
                        self.error(path.line, f"Resource {res.name}: {what} needs to have two endpoints", file=res.file)
            if not self.valid:
                continue
            for names, line in res.meshes:
                self.mesh_connections(res, names, line)
            if not res.conns:
                self.implicit_connection(res)
            for conn in res.conns:
                for path in conn.paths:
                    self.resolve_path(res, conn, path)
            for host in res.hosts:
                if host.node_id is None:
                    self.derror(host, res, "node-id", host.line, res.file)
        if self.valid:
            self.address_conflicts()
        for res in self.config:
            if not res.stacked_on_one:
                self.set_me(res)
        for res in self.config:
            if res.stacked_on_one:
                self.set_me(res)
        for res in self.config:
            for conn in res.conns:
                if conn.paths and conn.paths[0].ends:
                    for vnr, line in conn.peer_devices:
                        for end in conn.paths[0].ends:
                            if end.name == "_remote_host" or end.host is None:
                                continue
                            if vnr not in end.host.volumes:
                                self.error(line, f"Resource {res.name}: There is a reference to a volume {vnr} that is "
                                                 "not known in this resource", file=res.file)

    def check_volumes_complete_9(self, res: Res, host: Host) -> None:
        for vol in host.volumes.values():
            if vol.device is None and vol.minor == -1:
                self.derror(host, res, "device", host.line, res.file)
            if (vol.disk or vol.meta_disk or vol.meta_index) and vol.disk != "none":
                if vol.disk is None:
                    self.derror(host, res, "disk", host.line, res.file)
                if vol.meta_disk is None and vol.meta_index is None:
                    vol.meta_disk = vol.meta_index = "internal"
                elif vol.meta_disk is None:
                    self.derror(host, res, "meta-disk", host.line, res.file)
                elif vol.meta_index is None:
                    self.derror(host, res, "meta-index", host.line, res.file)

    def mesh_connections(self, res: Res, names: list, line: int) -> None:
        for i, first in enumerate(names):
            a = self.find_host(res, first)
            if a is None:
                self.error(res.line, f"in resource {res.name}: There is no 'on' section for hostname '{first}' named in "
                                     "the connection-mesh", file=res.file)
                return
            if a.proxy is not None:
                self.error(a.line, f"in resource {res.name}: proxy in an 'on' section and connection-mesh", file=res.file)
            for second in names[i + 1:]:
                b = self.find_host(res, second)
                if b is None:
                    self.error(res.line, f"in resource {res.name}: There is no 'on' section for hostname '{second}' "
                                         "named in the connection-mesh", file=res.file)
                    return
                if b.proxy is not None and self.valid:
                    self.error(b.line, f"in resource {res.name}: proxy in an 'on' section and connection-mesh",
                               file=res.file)
                if a is b:
                    continue
                path = Path(line, implicit=True, ends=[EndPoint(a.on_hosts[0], line, "", host=a),
                                                       EndPoint(b.on_hosts[0], line, "", host=b)])
                res.conns.append(Conn(line, [path], implicit=True))

    def implicit_connection(self, res: Res) -> None:
        ends = []
        for count, host in enumerate(res.hosts, 1):
            if count == 3:
                return  # drbdadm prints "Use explicit 'connection' sections", and goes on
            if host.address is not None:
                name = host.on_hosts[0] if host.lower is None else "_".join(host.on_hosts)
                ends.append(EndPoint(name, host.line, "", host=host, proxy=host.proxy, faked=host.lower is not None))
        if len(res.hosts) == 2:
            res.conns.append(Conn(res.line, [Path(res.line, implicit=True, ends=ends)], implicit=True))

    def resolve_path(self, res: Res, conn: Conn, path: Path) -> None:
        pair: list[Host] = []
        for end in path.ends:
            if end.host is not None:
                if end.host.address is None:
                    self.error(None, f'"connection-mesh" (for "{res.name}") with a host ("{end.name}") that has no '
                                     '"address" defined')
                    return
                pair.append(end.host)
                host = end.host
            elif end.by_address:
                host = next((h for h in res.hosts if h.address is not None and end.address is not None
                             and h.address[1] == end.address[1] and h.address[0] == end.address[0]
                             and h.address[2] == end.address[2]), None)
                if host is None:
                    raise _Stop()  # drbdadm dereferences NULL here and crashes
                end.name = "_".join(host.on_hosts)
            elif end.faked:
                host = next((h for h in res.hosts if "_".join(h.on_hosts) == end.name), None)
            else:
                host = self.find_host(res, end.name)
            if host is None and end.name == "_remote_host":
                if conn.peer is None:
                    continue
                host = conn.peer
            if host is None:
                # drbdadm names the entry file here (its config_file after parsing) with the line
                # of the statement in whatever file it is.
                self.error(end.line, f"in resource {res.name} a hostname (\"{end.name}\") is given with a \"host\" "
                                     "keyword, has no \"address\" keyword, and no matching host section (\"on\" keyword)",
                           real=(end.file, end.line))
                return
            end.host = host
            if end.address is None or end.port is not None:
                addr = end.address or (host.address[:2] if host.address else None)
                port = end.port or (host.address[2] if host.address else None)
                if addr is None or port is None:
                    missing = " and ".join(p for p, have in (("address", addr), ("port", port)) if not have)
                    self.error(end.line, f"Resource {res.name}, host {end.name}: cannot determine which {missing} to use",
                               real=(end.file, end.line))
                else:
                    end.address = (addr[0], addr[1], port)
        if conn.implicit and len(pair) == 2 and pair[0].node_id is None and pair[1].node_id is None:
            if pair[0].address[1] != pair[1].address[1]:
                pair[0].node_id, pair[1].node_id = "0", "1"
            else:
                outside = [e.proxy.outside[1] for e in path.ends if e.proxy is not None and e.proxy.outside]
                if len(outside) == 2 and outside[0] != outside[1]:
                    pair[0].node_id, pair[1].node_id = "0", "1"
                else:
                    self.stop(None, "BAD LUCK, equal hashes", SEMANTIC)

    def address_conflicts(self) -> None:
        """``check_addr_conflict``: an address used by two resources; both ends the same."""
        owner: dict[tuple, tuple] = {}
        for res in self.config:
            for conn in res.conns:
                for path in conn.paths:
                    addrs = []
                    for end in path.ends:
                        addr = end.address if end.address is not None else (end.host.address if end.host else None)
                        if addr is None or addr_scope_local(addr[1]):
                            continue
                        key = (addr[0], _canonical_ip(addr[0], addr[1]), addr[2])
                        first = owner.setdefault(key, (res, end))
                        if first[0] is not res:
                            self.error(end.line, f"in resource {res.name}: {addr[0]}:{addr[1]}:{addr[2]} is also used "
                                                 f"(resource {first[0].name})", file=res.file)
                        addrs.append(key)
                    if len(addrs) == 2 and addrs[0] == addrs[1]:
                        self.error(conn.line, f"in resource {res.name} {addrs[0][0]}:{addrs[0][1]}:{addrs[0][2]} is used "
                                              "for both endpoints", file=res.file)


def _canonical_ip(af: str, addr: str) -> str:
    import ipaddress

    if af in ("ipv4", "ipv6"):
        try:
            return str(ipaddress.ip_address(addr))
        except ValueError:
            return addr
    return addr
