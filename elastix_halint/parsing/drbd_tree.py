"""Tokens → the generic tree (:class:`Section`, :class:`Option`) of one file, reporting every
syntax error and going on.

The grammar is grammars/drbd.lark (``statement: WORD value* ";"``, ``block: WORD value* "{" item*
"}"``); this is a hand-written LL(1) reader of it. Why not Lark's LALR: on a 225 KB config Lark
took 205 ms to parse (and 80 ms to import and build), this takes a fraction of that, and
recovery at the next ``;``/``}`` is a few lines here. tests/test_drbd_grammar.py checks that Lark,
given the same grammar and tokens, accepts exactly the files this reader accepts.

Recovery: a statement cut by ``}`` or end of file is kept (``;`` missing); a value on a new line
that is a keyword of the block ends the statement before it (``;`` missing); a ``1`` or ``l``
standing where a ``}`` belongs (an OCR slip) closes the block; stray characters are reported at
their column.
"""

from __future__ import annotations

import functools
import re

from elastix_halint.diagnostics import SYNTAX_ERROR, VALUE_ERROR, Diagnostic, Severity
from elastix_halint.model import drbd_keywords as kw
from elastix_halint.model.drbd import Option, Section, Value
from elastix_halint.model.span import Span
from elastix_halint.parsing import drbd_values as values_of
from elastix_halint.parsing.drbd_lexer import EOF, LBRACE, RBRACE, SEMI, STRING, WORD, Token
from elastix_halint.parsing.larkkit import suggest

# drbdadm's bare STRING is [a-zA-Z0-9/._-]; ``: [ ] %`` belong to addresses and meta-disk indices.
_BAD_CHAR = re.compile(r"[^A-Za-z0-9/._:\[\]%-]")
# What an OCR'd ``}`` becomes.
_BRACE_LOOKALIKES = frozenset({"1", "l", "I", "|", "]", ")"})
# drbd.conf nests 5 deep at most (resource/connection/volume/disk); the limit keeps a hostile
# file from exhausting Python's recursion.
MAX_DEPTH = 32
_DIGEST_OPTIONS = frozenset({"cram-hmac-alg", "verify-alg", "csums-alg", "data-integrity-alg"})
_NO_VALUE_TYPES = frozenset({"flag", "bool"})
_MULTI_VALUE_TYPES = frozenset({"names", "address", "device", "meta-disk", "cmd"})


def _describe(section: str) -> str:
    return "the top level" if section == "top" else f"the `{section}` section"


class TreeReader:
    """Reads the tokens of one file into top-level sections and statements."""

    def __init__(self, tokens: list[Token], file: str):
        last = tokens[-1] if tokens else Token(EOF, "", 1, 1, 2)
        self.eof = Token(EOF, "", last.line, last.end_column, last.end_column + 1)
        self.tokens = [*tokens, self.eof, self.eof]  # sentinels: no bounds checks while reading
        self.file = file
        self.pos = 0
        self.diagnostics: list[Diagnostic] = []
        self.depth = 0

    # -- helpers -----------------------------------------------------------------------------
    def _peek(self) -> Token:
        return self.tokens[self.pos]

    def _span(self, tok: Token) -> Span:
        return Span(self.file, tok.line, tok.column, tok.line, tok.end_column)

    def error(self, span: Span, message: str, suggestion: str | None = None, code: str = SYNTAX_ERROR,
              severity: Severity = Severity.ERROR, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, severity, message, span, hint=hint, suggestion=suggestion))

    def _value(self, tok: Token) -> Value:
        return Value(tok.text, self._span(tok), tok.kind == STRING)

    # -- grammar -----------------------------------------------------------------------------
    def read(self) -> tuple[tuple[Option, ...], tuple[Section, ...]]:
        options, sections, _ = self._items("top", None)
        return tuple(options), tuple(sections)

    def _items(self, section: str, opener: Token | None):
        """Items up to the ``}`` closing ``opener`` (or end of file at the top level)."""
        options: list[Option] = []
        sections: list[Section] = []
        while True:
            tok = self._peek()
            if tok.kind == EOF:
                if opener is not None:
                    self.error(self._span(opener), f"the `{section}` block opened here is never closed: `}}` expected "
                               f"before the end of the file", "}")
                return options, sections, self.eof
            if tok.kind == RBRACE:
                self.pos += 1
                if opener is not None:
                    return options, sections, tok
                self.error(self._span(tok), "unexpected `}`: no block is open here")
                continue
            if tok.kind == SEMI:
                self.pos += 1
                self.error(self._span(tok), f"unexpected `;`: a keyword was expected in {_describe(section)}")
                continue
            if tok.kind == LBRACE:
                self.pos += 1
                self.error(self._span(tok), f"`{{` with no section keyword before it in {_describe(section)}; "
                           "the block is not read")
                self._skip_balanced()
                continue
            if (opener is not None and tok.text in _BRACE_LOOKALIKES and tok.kind == WORD
                    and self._looks_like_lost_brace(section)):
                self.pos += 1
                self.error(self._span(tok), f"stray `{tok.text}` where `}}` should close the `{section}` block", "}")
                return options, sections, tok
            item = self._statement(section)
            if isinstance(item, Section):
                sections.append(item)
            elif item is not None:
                options.append(item)

    def _looks_like_lost_brace(self, section: str) -> bool:
        """``1`` followed by a keyword that belongs one level up (``1 on beta {``)."""
        nxt = self.tokens[self.pos + 1]
        if nxt.kind in (EOF, RBRACE):
            return True
        return nxt.kind == WORD and nxt.text not in self._keywords_of(section) and any(
            nxt.text in kw.SECTIONS.get(parent, {}) or nxt.text in kw.KEYWORDS.get(parent, {})
            for parent in ("resource", "top", "on")
        )

    def _statement(self, section: str):
        head = self.tokens[self.pos]
        self.pos += 1
        if head.kind == STRING:
            self.error(self._span(head), f"a keyword was expected in {_describe(section)}, not a quoted string")
        args: list[Token] = []
        known_here = self._keywords_of(section)
        while True:
            tok = self.tokens[self.pos]
            if tok.kind in (WORD, STRING):
                prev = args[-1] if args else head
                if tok.kind == WORD and tok.line > prev.line and self._starts_statement(tok, head, known_here):
                    self._missing_semicolon(head, prev)
                    return self._option(section, head, args, prev)
                args.append(tok)
                self.pos += 1
                continue
            if tok.kind == SEMI:
                self.pos += 1
                return self._option(section, head, args, tok)
            if tok.kind == LBRACE:
                self.pos += 1
                return self._block(section, head, args, tok)
            # `}` or end of file: the statement lost its `;`.
            self._missing_semicolon(head, args[-1] if args else head)
            return self._option(section, head, args, args[-1] if args else head)

    @staticmethod
    def _starts_statement(tok: Token, head: Token, known_here) -> bool:
        """Whether ``tok`` (first on its line) begins a new statement, i.e. the previous line
        lost its ``;``: it is a keyword of the block, or nearly one after an unknown head (text
        of a comment wrapped onto its own line, as in the HOWTO's ``#change options`` / ``to your
        need``)."""
        if head.text in ("host", "hosts"):
            return False
        if tok.text in known_here:
            return True
        return head.text not in known_here and suggest(tok.text, known_here) is not None

    @staticmethod
    @functools.cache
    def _keywords_of(section: str) -> frozenset:
        return frozenset(kw.KEYWORDS.get(section, {}).keys() | kw.SECTIONS.get(section, {}).keys())

    def _missing_semicolon(self, head: Token, last: Token) -> None:
        at = Span(self.file, last.line, last.end_column, last.line, last.end_column + 1)
        self.error(at, f"`;` expected to end the `{head.text}` statement", ";")

    def _check_chars(self, tokens, what: str, name: str) -> None:
        """Report the first character drbdadm would not take unquoted; ``what`` is formatted
        with ``name`` only then (this runs for every statement)."""
        for tok in tokens:
            if tok.kind != WORD:
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

    def _block(self, section: str, head: Token, args: list[Token], brace: Token) -> Section | None:
        keyword = head.text
        if self.depth >= MAX_DEPTH:
            self.error(self._span(head), f"blocks nested more than {MAX_DEPTH} deep; this one is not read")
            self._skip_balanced()
            return None
        self._check_block_keyword(section, head)
        self._check_chars(args, "the `{}` section header", keyword)
        self.depth += 1
        options, sections, close = self._items(kw.table_for(section, keyword), brace)
        self.depth -= 1
        end = close if close.kind != EOF else self.eof
        return Section(
            keyword=keyword,
            keyword_span=self._span(head),
            args=tuple(self._value(a) for a in args),
            options=tuple(options),
            sections=tuple(sections),
            span=Span(self.file, head.line, head.column, end.line, end.end_column),
            open_line=brace.line,
        )

    def _skip_balanced(self) -> None:
        """Pass over the rest of a block whose ``{`` was just read, without recursion."""
        depth = 1
        while depth and self.tokens[self.pos].kind != EOF:
            kind = self.tokens[self.pos].kind
            depth += (kind == LBRACE) - (kind == RBRACE)
            self.pos += 1

    def _check_block_keyword(self, section: str, head: Token) -> None:
        if section not in kw.SECTIONS or head.text in kw.SECTIONS[section]:
            return
        if head.text in kw.KEYWORDS.get(section, {}):
            self.error(self._span(head), f"`{head.text}` is a statement (`{head.text} VALUE;`), not a `{{ }}` block")
            return
        choices = kw.block_names(section)
        where = ", ".join(f"`{c}`" for c in choices[:4]) or "no block"
        self.error(self._span(head), f"unknown section `{head.text}` in {_describe(section)} "
                   f"(expected a section keyword such as {where})", suggest(head.text, choices))

    def _option(self, section: str, head: Token, args: list[Token], end: Token) -> Option | None:
        name = head.text
        span = Span(self.file, head.line, head.column, end.line, end.end_column)
        values = tuple(self._value(a) for a in args)
        if section in kw.FREE_FORM:
            return Option(name, self._span(head), values, span, section)
        if name in kw.SECTIONS.get(section, {}) and name not in kw.KEYWORDS.get(section, {}):
            self.error(self._span(head), f"`{name}` opens a section: `{{` expected after it, not `;`")
            return None
        self._check_chars(args, "the `{}` statement", name)
        definition = kw.keyword(section, name)
        if definition is None:
            self._unknown_option(section, head)
            return Option(name, self._span(head), values, span, section)
        return self._typed_option(definition, section, head, values, span)

    def _unknown_option(self, section: str, head: Token) -> None:
        names = kw.option_names(section) + kw.block_names(section)
        elsewhere = [s for s, table in kw.KEYWORDS.items() if head.text in table and s != section]
        hint = f"`{head.text}` belongs in a `{elsewhere[0]}` section" if elsewhere else None
        self.error(self._span(head), f"unknown keyword `{head.text}` in {_describe(section)}",
                   suggest(head.text, names), hint=hint)

    def _typed_option(self, definition: kw.Keyword, section: str, head: Token, values, span) -> Option:
        normalised, problems = self._normalise(definition, values, span)
        for value, message, fix in problems:
            self.error(value.span, message, fix, code=VALUE_ERROR)
        if not values and definition.type not in _NO_VALUE_TYPES:
            self.error(self._span(head), f"`{head.text}` needs a value before `;`")
        elif len(values) > 1 and definition.type not in _MULTI_VALUE_TYPES and definition.type != "name":
            self.error(values[1].span, f"`{head.text}` takes one value; `{values[1].text}` is one too many")
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
            return first.text.upper(), []
        if definition.name in _DIGEST_OPTIONS and first.text.lower() not in kw.DIGESTS:
            fix = suggest(first.text, kw.DIGESTS)
            if fix:
                return first.text, [(first, f"`{first.text}` is not a kernel digest name", fix)]
        return first.text, []
