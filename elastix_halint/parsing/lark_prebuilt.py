"""Lark LALR parsers compiled when the wheel is built, loaded at run time.

Building a parser from its grammar (Lark reads the grammar with its own grammar, computes the
LALR tables, checks the terminals) costs 5-250 ms per grammar per process; loading the result
of ``Lark.save`` costs under 2 ms. ``hatch_build.py`` writes ``<grammar>.bin`` next to each
grammar in the wheel; :func:`elastix_halint.parsing.larkkit.lark_parser` loads it when its key
matches and builds in memory otherwise (a source checkout, another Lark version). Nothing is
ever written at run time.

File format: one line with the key, then the ``Lark.save`` pickle (as Lark's own ``cache=``
file, without its list of imported grammar files: ours import only Lark's ``common``).

This module imports nothing of the package: the build hook loads it by file path.
"""

from __future__ import annotations

import hashlib
import pickle

# Options Lark lets a loaded parser take (lark.lark._LOAD_ALLOWED_OPTIONS): they do not shape the
# tables, so they are left out of the file and of the key and passed at load time.
LOAD_TIME = frozenset(
    {"postlex", "transformer", "lexer_callbacks", "use_bytes", "debug", "g_regex_flags", "regex",
     "propagate_positions", "tree_class", "_plugins"}
)
# The lexer does not shape the LALR tables either: a file built with Lark's contextual lexer
# serves a parser that asks for another one (a custom ``Lexer`` class), set in at load time.
_LEXER = "lexer"
_PLAIN = (str, int, float, bool, type(None), tuple, list, frozenset)

SUFFIX = ".bin"
# How the project builds every parser (larkkit.lark_parser adds its own options on top).
BASE_OPTIONS = {"parser": "lalr", "propagate_positions": True, "maybe_placeholders": False, "start": "start"}


def options(start: str = "start", **extra) -> dict:
    """The full Lark options of a parser with start rule ``start`` and ``extra`` options."""
    return {**BASE_OPTIONS, "start": start, **extra}


def key(grammar: str, options: dict) -> str | None:
    """What a file must say to stand for ``Lark(grammar, **options)``: a hash of the grammar
    text, the table-shaping options and the Lark version; None when an option cannot be keyed
    (a callable such as ``edit_terminals``)."""
    import lark

    shaping = {k: v for k, v in options.items() if k not in LOAD_TIME and k != _LEXER}
    if not all(isinstance(v, _PLAIN) for v in shaping.values()):
        return None
    postlex = options.get("postlex")
    accepts = sorted(getattr(postlex, "always_accept", ()))  # postlex changes which terminals are kept
    text = "\0".join([grammar, repr(sorted(shaping.items())), repr(accepts), lark.__version__])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def save(grammar: str, options: dict, path: str) -> None:
    """Build ``Lark(grammar, **options)`` and write it to ``path`` (used by the build hook)."""
    from lark import Lark

    parser = Lark(grammar, **options)
    with open(path, "wb") as fh:
        fh.write(key(grammar, options).encode("ascii") + b"\n")
        parser.save(fh, exclude_options=LOAD_TIME)


def load(grammar: str, options: dict, path: str):
    """The parser saved in ``path`` when its key matches ``grammar`` and ``options``, else None."""
    from lark import Lark

    wanted = key(grammar, options)
    if wanted is None:
        return None
    try:
        with open(path, "rb") as fh:
            if fh.readline().rstrip(b"\n") != wanted.encode("ascii"):
                return None
            saved = pickle.load(fh)
        lexer = options.get(_LEXER)
        if lexer is not None:
            saved["data"]["options"][_LEXER] = lexer
            saved["data"]["parser"]["lexer_conf"]["lexer_type"] = lexer
        # Lark.load() takes no options; _load is what Lark's own cache= uses to pass the load-time ones.
        return Lark.__new__(Lark)._load(saved, **{k: v for k, v in options.items() if k in LOAD_TIME})
    except Exception:  # a missing or damaged file only costs the time of building the parser
        return None
