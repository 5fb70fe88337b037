"""Run the LALR parsers Lark builds from grammars/*.lark, without importing Lark.

Lark turns each grammar into plain tables (``parsing/lalr_tables.py`` takes them out of the
``Lark`` object: the LALR actions, the regular expressions of its contextual lexer, how each
rule shapes its tree); this module runs them the way Lark's LALR parser, contextual lexer and
tree builder do, step for step (``lark/parsers/lalr_parser.py``, ``lalr_parser_state.py``,
``lexer.py``, ``parse_tree_builder.py`` of Lark 1.x): same tokens (types, values, positions), same
trees, same errors with the attributes the parsers read. Importing Lark and running its
generic machinery was most of the time of parsing a bundle; a differential test
(tests/test_parsing_lalr.py) holds this runtime to Lark's results on every grammar.

Why not Lark's own ``lark.tools.standalone``: the module it generates carries a copy of Lark's
runtime (~117 KB of Python for hosts.lark, the smallest grammar) that is compiled and run at
every import, so importing it and parsing one line costs about what ``import lark`` does
(benchmarks/bench_standalone.py, 2026-12-03: +51 ms over ``python -c pass`` against +69 ms for
``import lark``, and +14 ms for this module with the wheel's tables), and it would be one such
module per grammar (13 of them).

Trees are :class:`Tree` (``data``, ``children``, ``scan_values``), tokens :class:`Token` (a
``str`` with ``type``, ``start_pos``, ``end_pos``, ``line``, ``column``, ``end_line``,
``end_column``), errors :class:`UnexpectedCharacters` and :class:`UnexpectedToken`.
"""

from __future__ import annotations

import re

END = "$END"


class Token(str):
    """A token: its text, and where it is (as ``lark.Token``)."""

    __slots__ = ("type", "start_pos", "line", "column", "end_line", "end_column", "end_pos")

    def __new__(cls, type_, value, start_pos=None, line=None, column=None, end_line=None, end_column=None, end_pos=None):
        self = str.__new__(cls, value)
        self.type, self.start_pos, self.line, self.column = type_, start_pos, line, column
        self.end_line, self.end_column, self.end_pos = end_line, end_column, end_pos
        return self

    @property
    def value(self) -> str:
        return str(self)

    @classmethod
    def borrow_pos(cls, type_, value, other) -> "Token":
        return cls(type_, value, other.start_pos, other.line, other.column, other.end_line, other.end_column, other.end_pos)

    def __eq__(self, other):
        if isinstance(other, Token) and self.type != other.type:
            return False
        return str.__eq__(self, other)

    __hash__ = str.__hash__

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {str(self)!r})"


class Tree:
    """A rule's match: ``data`` (the rule or alias name) and its ``children``."""

    __slots__ = ("data", "children")

    def __init__(self, data: str, children: list):
        self.data, self.children = data, children

    def scan_values(self, pred):
        """Every leaf (token) for which ``pred`` is true, depth first, in order."""
        for child in self.children:
            if isinstance(child, Tree):
                yield from child.scan_values(pred)
            elif pred(child):
                yield child

    def __eq__(self, other):
        return isinstance(other, Tree) and self.data == other.data and self.children == other.children

    def __hash__(self):
        return hash((self.data, tuple(self.children)))

    def __repr__(self) -> str:
        return f"Tree({self.data!r}, {self.children!r})"


class UnexpectedInput(Exception):
    """The text does not parse."""

    pos_in_stream = line = column = None
    interactive_parser = None


class UnexpectedCharacters(UnexpectedInput):
    """No terminal of the lexer matches at ``pos_in_stream``; ``allowed`` names those it knew."""

    def __init__(self, text: str, pos: int, line: int, column: int, allowed):
        super().__init__(f"No terminal matches {text[pos]!r} in the current parser context, at line {line} col {column}")
        self.char, self.pos_in_stream, self.line, self.column, self.allowed = text[pos], pos, line, column, allowed


class UnexpectedToken(UnexpectedInput):
    """``token`` is not one of the terminals the parser ``expected`` there."""

    def __init__(self, token, expected, interactive_parser=None):
        super().__init__(f"Unexpected token {token!r}, expected one of {sorted(expected)}")
        self.token, self.expected, self.interactive_parser = token, expected, interactive_parser
        self.pos_in_stream = getattr(token, "start_pos", None)
        self.line, self.column = getattr(token, "line", "?"), getattr(token, "column", "?")


class _EndOfText(Exception):
    """A lexer found nothing more (Lark's EOFError)."""


# -- lexing ---------------------------------------------------------------------------------------


class _Position:
    """Where the lexer is (Lark's LineCounter)."""

    __slots__ = ("char_pos", "line", "column", "line_start_pos", "last_token")

    def __init__(self):
        self.char_pos, self.line, self.column, self.line_start_pos, self.last_token = 0, 1, 1, 0, None

    def feed(self, text: str, newlines: bool) -> None:
        if newlines:
            count = text.count("\n")
            if count:
                self.line += count
                self.line_start_pos = self.char_pos + text.rindex("\n") + 1
        self.char_pos += len(text)
        self.column = self.char_pos - self.line_start_pos + 1


class _Scanner:
    """Lark's Scanner: alternations of named terminal patterns, tried in order. Compiled when
    first used: a run uses few of the ~120 lexers of the grammars (compiling them all would
    cost more than the rest of a small lint)."""

    __slots__ = ("patterns", "_regexes")

    def __init__(self, patterns):
        self.patterns, self._regexes = patterns, None

    def _compiled(self) -> list:
        self._regexes = [re.compile(pattern, flags) for pattern, flags in self.patterns]
        return self._regexes

    def match(self, text: str, pos: int):
        for regex in self._regexes or self._compiled():
            m = regex.match(text, pos)
            if m:
                return m.group(0), m.lastgroup
        return None

    def fullmatch(self, text: str):
        for regex in self._regexes or self._compiled():
            m = regex.fullmatch(text)
            if m:
                return m.lastgroup
        return None


class _Lexer:
    """Lark's BasicLexer for one set of terminals."""

    __slots__ = ("scanner", "allowed", "ignore", "newline", "unless")

    def __init__(self, data: dict):
        self.scanner = _Scanner(data["patterns"])
        self.allowed = frozenset(data["allowed"])
        self.ignore = frozenset(data["ignore"])
        self.newline = frozenset(data["newline"])
        # Terminals whose text may be a keyword of a string terminal: the type is changed then.
        self.unless = {name: _Scanner(patterns) for name, patterns in data["unless"].items()}

    def next_token(self, text: str, at: _Position) -> Token:
        while at.char_pos < len(text):
            found = self.scanner.match(text, at.char_pos)
            if not found:
                allowed = set(self.allowed - self.ignore) or {"<END-OF-FILE>"}
                raise UnexpectedCharacters(text, at.char_pos, at.line, at.column, allowed)
            value, type_ = found
            ignored = type_ in self.ignore
            token = None
            if not ignored or type_ in self.unless:
                token = Token(type_, value, at.char_pos, at.line, at.column)
            at.feed(value, type_ in self.newline)
            if token is not None:
                token.end_line, token.end_column, token.end_pos = at.line, at.column, at.char_pos
                keyword = self.unless.get(token.type)
                if keyword is not None:
                    token.type = keyword.fullmatch(token) or token.type
                if not ignored:
                    at.last_token = token
                    return token
        raise _EndOfText


# -- parsing -----------------------------------------------------------------------------------


class Parser:
    """One grammar's parser (``tables`` as lalr_tables makes them); ``transformer``: an object
    whose methods named after rules build their values (Lark's inline transformer)."""

    def __init__(self, tables: dict, transformer=None):
        self.states = tables["states"]  # per state: symbol -> (shift?, next state or rule index)
        self.start_state, self.end_state = tables["start_state"], tables["end_state"]
        self.rules = [(origin, size, self._builder(name, expand1, include, transformer))
                      for origin, size, name, expand1, include in tables["rules"]]
        lexers = [_Lexer(data) for data in tables["lexers"]]
        self.lexers = {state: lexers[i] for state, i in tables["state_lexers"].items()}
        self.root_lexer = lexers[tables["root_lexer"]] if tables["lexers"] else None

    @staticmethod
    def _builder(name: str, expand1: bool, include, transformer):
        """Lark's callback of one rule: child filter, then single-child expansion, then the node."""
        node = getattr(transformer, name, None) if transformer is not None else None
        if node is None:
            def node(children, _name=name):
                return Tree(_name, children)
        if expand1:
            inner = node

            def node(children, _inner=inner):
                return children[0] if len(children) == 1 else _inner(children)
        if include is None:
            return node
        if list(include) == [(0, True), (1, False)] and not expand1 and getattr(transformer, name, None) is None:
            # A left-recursive list (``x*``, ``x+``): the list so far gets one more item. The
            # generic filter below would copy nothing either (it extends the first child's
            # list in place) but builds a new node around it for every item.
            def node(children, _name=name):
                first = children[0]
                first.children.append(children[1])
                return first if first.data == _name else Tree(_name, first.children)

            return node
        built = node

        def node(children, _include=include, _built=built):
            filtered = []
            for i, expand in _include:
                if expand:
                    if filtered:
                        filtered += children[i].children
                    else:
                        filtered = children[i].children
                else:
                    filtered.append(children[i])
            return _built(filtered)

        return node

    def parse_text(self, text: str):
        """The tree of ``text``, read by the contextual lexer."""
        return self.parse(self._lex(text), None)

    def _lex(self, text: str):
        at = _Position()

        def tokens(state: "_State"):
            try:
                while True:
                    lexer = self.lexers[state.state_stack[-1]]
                    try:
                        yield lexer.next_token(text, at)
                    except UnexpectedCharacters as error:
                        # Lark's ContextualLexer: text some other state would take is an
                        # unexpected token, not unexpected characters.
                        try:
                            token = self.root_lexer.next_token(text, at)
                        except UnexpectedCharacters:
                            raise error from None
                        raise UnexpectedToken(token, error.allowed) from None
            except _EndOfText:
                return

        tokens.position = at
        return tokens

    def parse(self, tokens, on_error=None):
        """Parse the tokens ``tokens(state)`` gives (called again to resume after an error);
        ``on_error(error)`` may repair (``error.interactive_parser.feed_token``) and return True
        to go on, as with Lark's ``on_error``."""
        state = _State(self)
        try:
            return state.run(tokens, None)
        except UnexpectedInput as error:
            if on_error is None:
                raise
            while True:
                if not on_error(error):
                    raise error
                try:
                    return state.run(tokens, getattr(tokens, "position", None) and tokens.position.last_token)
                except UnexpectedToken as again:
                    if isinstance(error, UnexpectedToken) and error.token.type == again.token.type == END:
                        raise again from None  # Lark's guard against an endless loop
                    error = again


class _State:
    """The parser's stacks (Lark's ParserState; ``interactive_parser`` and ``parser_state`` of an
    error are this object)."""

    __slots__ = ("parser", "state_stack", "value_stack")

    def __init__(self, parser: Parser):
        self.parser = parser
        self.state_stack = [parser.start_state]
        self.value_stack: list = []

    @property
    def parser_state(self) -> "_State":
        return self

    def run(self, tokens, last):
        token = last
        try:
            for token in tokens(self):
                self.feed(token)
            end = Token.borrow_pos(END, "", token) if token is not None else Token(END, "", 0, 1, 1)
            return self.feed(end, True)
        except UnexpectedInput as error:
            error.interactive_parser = self
            raise

    def feed_token(self, token, is_end: bool | None = None):
        return self.feed(token, token.type == END if is_end is None else is_end)

    def feed(self, token, is_end: bool = False):
        states, state_stack, value_stack = self.parser.states, self.state_stack, self.value_stack
        rules, end_state = self.parser.rules, self.parser.end_state
        while True:
            actions = states[state_stack[-1]]
            try:
                shift, arg = actions[token.type]
            except KeyError:
                raise UnexpectedToken(token, {s for s in actions if s.isupper()}, self) from None
            if shift:
                state_stack.append(arg)
                value_stack.append(token)
                return None
            origin, size, build = rules[arg]
            if size:
                children = value_stack[-size:]
                del state_stack[-size:]
                del value_stack[-size:]
            else:
                children = []
            value = build(children)
            state_stack.append(states[state_stack[-1]][origin][1])
            value_stack.append(value)
            if is_end and state_stack[-1] == end_state:
                return value_stack[-1]
