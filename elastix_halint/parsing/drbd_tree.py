"""Lark's raw statements and blocks of one file → the generic tree (:class:`Section`,
:class:`Option`), checked against the keyword tables of the section each is in.

:mod:`drbd_lark` reports what does not fit the grammar; this walk, top-down so that each
statement is read with the table of its enclosing block, reports unknown keywords (with
did-you-mean), blocks written as statements and the reverse, characters drbdadm would not take
unquoted, and values it would not take (:mod:`drbd_values`).
"""

from __future__ import annotations

import re
from collections import namedtuple

from elastix_halint.diagnostics import SYNTAX_ERROR, VALUE_ERROR, Diagnostic, Severity
from elastix_halint.model import drbd_keywords as kw
from elastix_halint.model.drbd import Option, Section, Value
from elastix_halint.model.span import Span
from elastix_halint.parsing import drbd_values as values_of
from elastix_halint.parsing.drbd_accept import accepted_by, known_somewhere
from elastix_halint.parsing.drbd_lexer import STRING, Token
from elastix_halint.parsing.larkkit import suggest

# drbd.conf nests 5 deep at most (resource/connection/volume/disk); deeper blocks are not read,
# so a hostile file cannot make this walk exhaust Python's recursion.
MAX_DEPTH = 32
# drbdadm's bare STRING is [a-zA-Z0-9/._-]; ``: [ ] %`` belong to addresses and meta-disk indices.
_BAD_CHAR = re.compile(r"[^A-Za-z0-9/._:\[\]%-]")
_DIGEST_OPTIONS = frozenset({"cram-hmac-alg", "verify-alg", "csums-alg", "data-integrity-alg"})
_NO_VALUE_TYPES = frozenset({"flag", "bool"})
_MULTI_VALUE_TYPES = frozenset({"names", "address", "device", "meta-disk", "cmd"})
# Setting sections, whose options drbdadm's probed tables describe (drbd_accept).
_SETTINGS = frozenset({"global", "net", "disk", "syncer", "startup", "handlers", "options", "proxy"})
# What a statement that raised no diagnostic read as, by (section, name, (text, type) of each
# value): its Option's fields after the spans. A large configuration writes the same statements
# again and again (``on-io-error detach;`` in every resource); their checks, against drbdadm's
# tables included, give the same answer every time. Only immutable normalised values are kept.
_SETTLED: dict[tuple, tuple] = {}
_SETTLED_MAX = 8192
_SETTLED_TYPES = frozenset({str, int, bool, type(None)})
_new = tuple.__new__  # a Span or Value from all its fields, without Record.__new__'s frame


class RawStatement(namedtuple("RawStatement", "head values end")):
    """``head values… ;`` as the parser matched it; ``end`` is the `;` (or the last word when
    the `;` is missing). collections.namedtuple: typing.NamedTuple would import typing."""

    __slots__ = ()


class RawBlock(namedtuple("RawBlock", "head values brace items close")):
    """``head values… { items… }`` as the parser matched it; ``close`` is the `}` (or the end
    of the file when it is missing)."""

    __slots__ = ()


def describe(section: str) -> str:
    return "the top level" if section == "top" else f"the `{section}` section"


def read_tree(tokens: list[Token], file: str) -> tuple[tuple[Option, ...], tuple[Section, ...], list[Diagnostic]]:
    """(top-level options, top-level sections, diagnostics) of one file's tokens."""
    from elastix_halint.parsing.drbd_lark import parse_tokens  # imports Lark: only when parsing

    items, diagnostics = parse_tokens(tokens, file)
    builder = TreeBuilder(file, diagnostics)
    options, sections = builder.items(items, "top", 0)
    return tuple(options), tuple(sections), builder.diagnostics


class TreeBuilder:
    """Builds sections and options from raw items, collecting diagnostics."""

    def __init__(self, file: str, diagnostics: list[Diagnostic]):
        self.file = file
        self.diagnostics = diagnostics

    def _span(self, tok: Token) -> Span:
        return _new(Span, (self.file, tok.line, tok.column, tok.line, tok.end_column))

    def error(self, span: Span, message: str, suggestion: str | None = None, code: str = SYNTAX_ERROR,
              severity: Severity = Severity.ERROR, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, severity, message, span, hint=hint, suggestion=suggestion))

    def _value(self, tok: Token) -> Value:
        return _new(Value, (tok.text, self._span(tok), tok.type == STRING))

    def items(self, raw: list, section: str, depth: int) -> tuple[list[Option], list[Section]]:
        options: list[Option] = []
        sections: list[Section] = []
        for item in raw:
            if isinstance(item, RawBlock):
                block = self._block(section, item, depth)
                if block is not None:
                    sections.append(block)
            else:
                option = self._option(section, item.head, item.values, item.end)
                if option is not None:
                    options.append(option)
        return options, sections

    def _check_chars(self, tokens, what: str, name: str) -> None:
        """Report the first character drbdadm would not take unquoted; ``what`` is formatted
        with ``name`` only then (this runs for every statement)."""
        for tok in tokens:
            if tok.type == STRING:
                continue
            bad = _BAD_CHAR.search(tok.text)
            if bad:
                col = tok.column + bad.start()
                span = Span(self.file, tok.line, col, tok.line, col + 1)
                # `on a,b {`: names are separated by blanks.
                fix = tok.text.replace(",", " ") if bad.group() == "," else None
                self.error(span, f"unexpected `{bad.group()}` in {what.format(name)}; quote a value that contains it",
                           fix, hint="drbdadm accepts only letters, digits and / . _ - in unquoted words")
                return

    def _block(self, section: str, raw, depth: int) -> Section | None:
        head, args = raw.head, raw.values
        keyword = head.text
        if depth >= MAX_DEPTH:
            self.error(self._span(head), f"blocks nested more than {MAX_DEPTH} deep; this one is not read")
            return None
        self._check_block_keyword(section, head)
        self._check_chars(args, "the `{}` section header", keyword)
        options, sections = self.items(raw.items, kw.table_for(section, keyword), depth + 1)
        end = raw.close
        # keyword, keyword_span, args, options, sections, span, open_line
        return Section._make((keyword, self._span(head), tuple([self._value(a) for a in args]), tuple(options),
                              tuple(sections), _new(Span, (self.file, head.line, head.column, end.line, end.end_column)),
                              raw.brace.line))

    def _check_block_keyword(self, section: str, head: Token) -> None:
        if section not in kw.SECTIONS or head.text in kw.SECTIONS[section]:
            return
        if head.text in kw.KEYWORDS.get(section, {}):
            self.error(self._span(head), f"`{head.text}` is a statement (`{head.text} VALUE;`), not a `{{ }}` block")
            return
        choices = kw.block_names(section)
        where = ", ".join(f"`{c}`" for c in choices[:4]) or "no block"
        self.error(self._span(head), f"unknown section `{head.text}` in {describe(section)} "
                   f"(expected a section keyword such as {where})", suggest(head.text, choices))

    def _option(self, section: str, head: Token, args: list[Token], end: Token) -> Option | None:
        name = head.text
        span = _new(Span, (self.file, head.line, head.column, end.line, end.end_column))
        values = tuple([self._value(a) for a in args])
        key = (section, name, *[(a.text, a.type) for a in args])
        settled = _SETTLED.get(key)
        if settled is not None:
            return Option._make((name, self._span(head), values, span, section, *settled))
        before = len(self.diagnostics)
        option = self._checked_option(section, head, args, values, span)
        if option is not None and len(self.diagnostics) == before and type(option.normalised) in _SETTLED_TYPES:
            if len(_SETTLED) >= _SETTLED_MAX:
                _SETTLED.clear()
            _SETTLED[key] = tuple(option[5:])
        return option

    def _checked_option(self, section: str, head: Token, args: list[Token], values, span) -> Option | None:
        name = head.text
        if section in kw.FREE_FORM:
            return Option(name, self._span(head), values, span, section)
        if name in kw.SECTIONS.get(section, {}) and name not in kw.KEYWORDS.get(section, {}):
            self.error(self._span(head), f"`{name}` opens a section: `{{` expected after it, not `;`")
            return None
        definition = kw.keyword(section, name)
        if definition is None and section in _SETTINGS and known_somewhere(section, name):
            return Option(name, self._span(head), values, span, section)  # an option only drbdadm's tables know
        if not (section in _SETTINGS and accepted_by(section, name, values)):
            self._check_chars(args, "the `{}` statement", name)
        if definition is None:
            self._unknown_option(section, head)
            return Option(name, self._span(head), values, span, section)
        return self._typed_option(definition, section, head, values, span)

    def _unknown_option(self, section: str, head: Token) -> None:
        names = kw.option_names(section) + kw.block_names(section)
        elsewhere = [s for s, table in kw.KEYWORDS.items() if head.text in table and s != section]
        hint = f"`{head.text}` belongs in a `{elsewhere[0]}` section" if elsewhere else None
        self.error(self._span(head), f"unknown keyword `{head.text}` in {describe(section)}",
                   suggest(head.text, names), hint=hint)

    def _typed_option(self, definition: kw.Keyword, section: str, head: Token, values, span) -> Option:
        normalised, problems = self._normalise(definition, values, span)
        # What some drbdadm takes is no parse error: halint's doubts about it are warnings.
        taken = bool(problems or not values or len(values) > 1) and section in _SETTINGS and accepted_by(
            section, head.text, values)
        severity = Severity.WARNING if taken else Severity.ERROR
        for value, message, fix in problems:
            self.error(value.span, message, fix, code=VALUE_ERROR, severity=severity)
        if not values and definition.type not in _NO_VALUE_TYPES:
            self.error(self._span(head), f"`{head.text}` needs a value before `;`", severity=severity)
        elif len(values) > 1 and definition.type not in _MULTI_VALUE_TYPES and definition.type != "name":
            self.error(values[1].span, f"`{head.text}` takes one value; `{values[1].text}` is one too many",
                       severity=severity)
        canonical = definition.canonical or (section, head.text)
        unit = definition.unit if isinstance(normalised, int) and not isinstance(normalised, bool) else None
        return Option(head.text, self._span(head), values, span, section, normalised, unit,
                      canonical_name=canonical[1], canonical_section=canonical[0])

    def _normalise(self, definition: kw.Keyword, values, span):
        kind = definition.type
        first = values[0] if values else None
        if kind in ("int", "size", "rate"):
            if first is None:
                return None, []
            return values_of.number(first, definition.scale, kind != "int")
        if kind in ("bool", "flag"):
            negative = definition.name.startswith("no-") and definition.canonical is not None
            return values_of.boolean(values, negative)
        if kind == "address":
            addr, problems = values_of.address(values, span)
            return (str(addr) if addr else None), problems
        if kind == "device":
            path, minor, problems = values_of.device(values)
            return path if path is not None else (f"minor {minor}" if minor is not None else None), problems
        if kind == "meta-disk":
            md, _index, problems = values_of.meta_disk(values)
            return md, problems
        if kind == "names":
            return [v.text for v in values], []
        if first is None:
            return None, []
        if kind == "enum" and definition.name == "protocol":
            # drbdadm upper-cases the first letter only (8.3 takes any word: `cC` is dumped `CC`).
            return first.text[:1].upper() + first.text[1:], []
        if definition.name in _DIGEST_OPTIONS and first.text.lower() not in kw.DIGESTS:
            fix = suggest(first.text, kw.DIGESTS)
            if fix:
                return first.text, [(first, f"`{first.text}` is not a kernel digest name", fix)]
        return first.text, []
