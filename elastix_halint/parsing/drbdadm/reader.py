"""The drbdadm run itself: the token stream of :mod:`scan`, the error machinery (drbdadm stops
at the first parse error and goes on after other errors, printing each), the uniqueness
tables (``check_uniq``/``check_upr``), and the top level of ``drbdadm_parser.c``: ``global``,
``common``, ``resource``, ``skip`` and ``include`` (an included file read at its place; 8.4
and 9 skip a file already read).
"""

from __future__ import annotations

import os

from elastix_halint.model.drbdadm_values import DRBDADM_VALUES
from elastix_halint.parsing.drbdadm.scan import (EOF, ERR_DQ, ERR_LONG, ERR_LONG_DQ, INTEGER, KMODVERS, KW, OP, STRING,
                                                 Tok, scan_parts)
from elastix_halint.parsing.drbdadm.numbers import atoi
from elastix_halint.parsing.drbdadm.config import Res
from elastix_halint.parsing.drbdadm.verdict import Verdict, Stop, SYNTAX, SEMANTIC, INCLUDE, most_named


class Reader:
    """The run and the top level (drbdadm_parser.c ``my_parse``)."""

    def __init__(self, version: str, include, hostname: str | None = ""):
        self.v = version
        self.values = DRBDADM_VALUES[version]
        self.include_files = include
        # None (8.3 only, which reads it only after parsing): the name its ``on`` sections
        # give most often, as the caller would choose it (see parsing/drbdadm/ahead.py).
        self.hostname = hostname
        self.on_names: list[str] = []  # every name of every ``on`` section, in reading order
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
        self.more = iter(())  # the parts of self.tokens not made yet (scan_parts)
        self.tok: Tok | None = None
        self.file = ""
        self.depth = 0
        self.depends = False
        self.minor_count = 0

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
        raise Stop()

    def run(self, source) -> Verdict:
        try:
            self.read_file(source, source.real_path or source.path)
            # After parsing, drbdadm's "current file and line" are the entry file's end.
            self.file, self.line = source.path, source.text.count("\n") + 1
            if self.hostname is None:
                self.hostname = most_named(self.on_names)
            if self.valid:
                self.post_parse()
            if self.valid:
                self.validate()
        except Stop:
            pass
        except RecursionError:
            self.error(None, "includes nested too deeply", INCLUDE)
        if self.hostname is None:  # stopped before the end: the guess is the names read so far
            self.hostname = most_named(self.on_names)
        if self.valid:
            return Verdict(self.v, True, depends=self.depends)
        file, line, message, kind, column, real = self.first or self.unplaced
        real = real if real is not None and real != (file, line) else (None, None)
        return Verdict(self.v, False, file, line, message, kind, self.depends, column, *real)

    def read_file(self, source, real: str) -> None:
        saved = (self.tokens, self.more, self.pos, self.tok, self.file, self.line)
        self.more = scan_parts(source.text, self.v)
        self.tokens, self.pos, self.tok, self.file, self.line = next(self.more), 0, None, source.path, 1
        self.seen.add(os.path.realpath(real))
        self.depth += 1
        try:
            if self.depth > 64:
                self.stop(None, "includes nested too deeply", INCLUDE)
            self.my_parse(source)
        finally:
            self.depth -= 1
            self.tokens, self.more, self.pos, self.tok, self.file, self.line = saved

    def lex(self) -> Tok:
        try:
            tok = self.tokens[self.pos]
        except IndexError:  # the next part of the file's tokens (the last one ends with EOF)
            self.tokens += next(self.more)
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
                    self.minor_count = atoi(value.text)
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
