"""Setting sections (``net``, ``disk``, ``syncer``, ``startup``, ``handlers``, ``options``,
``proxy``) as ``parse_options``/``__parse_options`` read them: each option by the rule probed
from the binaries (model/drbdadm_values.py: kind, range, units, enum values, length), with
each version's own way of reporting a bad value.
"""

from __future__ import annotations

from elastix_halint.parsing.drbdadm.scan import EOF, INTEGER, KW, STRING, Tok
from elastix_halint.parsing.drbdadm.numbers import new_strtoll
from elastix_halint.parsing.drbdadm.config import Res
from elastix_halint.parsing.drbdadm.verdict import VALUE


class Options:
    """Setting sections (``parse_options``, drbdadm 9's ``__parse_options``)."""

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
    def same_value(rule: dict, a: str, b: str) -> bool:
        """drbdadm 9's ``is_equal`` of two values of one option: numbers by their value
        (``1M`` is ``1024K``), the rest as written."""
        if rule.get("kind") in ("number", "enum_num") and a not in rule.get("values", ()):
            scale, suffixes = rule.get("scale", "1"), rule.get("suffixes", "kKmMgGs")
            x, y = new_strtoll(a, scale, suffixes), new_strtoll(b, scale, suffixes)
            if x is not None and y is not None:
                return x == y
        return a == b

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
