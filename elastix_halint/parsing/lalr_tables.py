"""The tables of each grammar's LALR parser, as Lark builds them, for the runtime of parsing/lalr.py.

``extract(grammar)`` builds ``Lark(grammar, parser="lalr")`` (contextual lexer, no
placeholders, no positions: how the project parses) and takes out, as plain data:

* ``states``: per LALR state, each symbol's action: ``(True, next state)`` to shift,
  ``(False, rule)`` to reduce; ``start_state``, ``end_state``;
* ``rules``: per rule, ``(origin, length, tree name, expand a single child?, child filter)``,
  the child filter being exactly what Lark's tree builder computes for it (or None);
* ``lexers``: the regular expressions of each distinct lexer of the contextual lexer (Lark's
  own compiled alternations, in its order), the terminals it knows, ignores and counts newlines
  in, and its keyword re-typing (Lark's ``UnlessCallback``); ``state_lexers`` and ``root_lexer``.

``write(path)`` (the wheel build hook, hatch_build.py, loads this module by file path: it imports
nothing of the package) writes every grammar's tables into ``elastix_halint/_lalr_tables.py``,
with the grammar text, so that ``tables()`` never serves tables of another grammar text; from a
source checkout, or for an edited grammar, ``tables()`` builds them with Lark (once a process).
"""

from __future__ import annotations

import functools
import os



def extract(grammar: str, start: str = "start") -> dict:
    from lark import Lark
    from lark.lexer import UnlessCallback
    from lark.parse_tree_builder import maybe_create_child_filter
    from lark.parsers.lalr_analysis import Shift

    lark = Lark(grammar, parser="lalr", lexer="contextual", start=start, maybe_placeholders=False,
                propagate_positions=False)
    table = lark.parser.parser.parser.parse_table
    rules: list = []
    rule_index: dict = {}

    def index_of(rule) -> int:
        if rule not in rule_index:
            child_filter = maybe_create_child_filter(rule.expansion, rule.options.keep_all_tokens, False, None)
            rule_index[rule] = len(rules)
            rules.append((str(rule.origin.name), len(rule.expansion),  # plain str, not lark's Token
                          str(rule.alias or rule.options.template_source or rule.origin.name),
                          bool(rule.options.expand1 and not rule.alias),
                          [tuple(x) for x in child_filter.args[0]] if child_filter is not None else None))
        return rule_index[rule]

    assert sorted(table.states) == list(range(len(table.states)))
    states = [{str(symbol): (True, arg) if action is Shift else (False, index_of(arg))
               for symbol, (action, arg) in table.states[state].items()}
              for state in range(len(table.states))]

    lexers: list[dict] = []
    seen: dict[int, int] = {}

    def lexer_index(lexer) -> int:
        if id(lexer) not in seen:
            scanner = lexer.scanner
            unless = {}
            for name, callback in lexer.callback.items():
                if not isinstance(callback, UnlessCallback):
                    raise ValueError(f"terminal {name}: a lexer callback the LALR runtime cannot run ({callback!r})")
                unless[str(name)] = [(m.pattern, m.flags) for m in callback.scanner._mres]
            seen[id(lexer)] = len(lexers)
            lexers.append({"patterns": [(m.pattern, m.flags) for m in scanner._mres],
                           "allowed": sorted(map(str, scanner.allowed_types)), "ignore": sorted(map(str, lexer.ignore_types)),
                           "newline": sorted(map(str, lexer.newline_types)), "unless": unless})
        return seen[id(lexer)]

    contextual = lark.parser.lexer
    state_lexers = {state: lexer_index(lexer) for state, lexer in contextual.lexers.items()}
    return {
        "grammar": grammar,
        "states": states,
        "start_state": table.start_states[start],
        "end_state": table.end_states[start],
        "rules": rules,
        "lexers": lexers,
        "state_lexers": state_lexers,
        "root_lexer": lexer_index(contextual.root_lexer),
    }


def write(path: str, grammars_dir: str) -> None:
    """The ``_lalr_tables`` module of every ``*.lark`` in ``grammars_dir``."""
    tables = {}
    for name in sorted(os.listdir(grammars_dir)):
        if name.endswith(".lark"):
            with open(os.path.join(grammars_dir, name), encoding="utf-8") as fh:
                tables[name] = extract(fh.read())
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('"""LALR tables of grammars/*.lark, written when the wheel was built (parsing/lalr_tables.py)."""\n\n')
        fh.write(f"TABLES = {tables!r}\n")


@functools.cache
def tables(grammar_file: str) -> dict:
    """The tables of ``grammars/<grammar_file>``: the wheel's, when made from this very text."""
    from elastix_halint.resources import grammar_path

    with open(grammar_path(grammar_file), encoding="utf-8") as fh:
        grammar = fh.read()
    try:
        from elastix_halint._lalr_tables import TABLES
    except ImportError:  # a source checkout
        TABLES = {}
    built = TABLES.get(grammar_file)
    if built is not None and built["grammar"] == grammar:
        return built
    return extract(grammar)
