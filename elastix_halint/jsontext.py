"""``json.dumps(obj, indent=2)``, several times as fast, byte for byte the same text, except
that a span (``model.span.SpanJSON``) is written on one line: ``"span": [4, 3, 4, 12]``.

With ``indent`` the standard library cannot use its C encoder and walks the document with
nested Python generators; ``halint parse`` of a 400-resource drbd.conf spent more time there
than in parsing. This walk appends to one list, tests the exact types the documents are made
of first, and writes a flat list of numbers and strings in one piece. Anything it does not know
(a non-string key, another type, a cycle) is left to ``json.dumps`` itself, so the result and
the errors are always the standard library's.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring, encode_basestring_ascii

from elastix_halint.model.span import SpanJSON


class _Unusual(Exception):
    """Something only json.dumps knows how to write (or how to refuse)."""


def dumps(obj, ensure_ascii: bool = True) -> str:
    """``json.dumps(obj, indent=2, ensure_ascii=ensure_ascii)`` (spans on one line)."""
    text = encode_basestring_ascii if ensure_ascii else encode_basestring
    out: list[str] = []
    add = out.append
    int_repr = int.__repr__
    pads: dict[str, tuple[str, str]] = {}  # pad -> (inner pad, "," + inner pad)
    # (pad, keys) -> what comes before each value of a dict with these keys: the model's
    # documents are made of few shapes (an option's, a span's owner's...), each written often.
    shapes: dict[tuple, tuple[str, tuple[str, ...]]] = {}

    def shape(pad: str, keys: tuple) -> tuple[str, tuple[str, ...]]:
        inner, comma = pads.get(pad) or pads.setdefault(pad, (pad + "  ", "," + pad + "  "))
        if any(type(k) is not str for k in keys):
            raise _Unusual
        heads = tuple(f"{comma if i else '{' + inner}{text(k)}: " for i, k in enumerate(keys))
        found = shapes[(pad, keys)] = (inner, heads)
        return found

    def scalar(o) -> str:
        """The JSON text of a str, int, bool, None or float; raises _Unusual for anything else."""
        t = type(o)
        if t is str:
            return text(o)
        if t is int:
            return int_repr(o)
        if o is None:
            return "null"
        if o is True:
            return "true"
        if o is False:
            return "false"
        if t is float:
            return json.dumps(o)
        if isinstance(o, str):
            return text(o)
        if isinstance(o, int):
            return int_repr(o)
        if isinstance(o, float):
            return json.dumps(o)
        raise _Unusual

    def span(o) -> str:
        """A SpanJSON on one line: four ints (and a file name) as json.dumps writes them."""
        if len(o) == 4:
            line, column, end_line, end_column = o
            if type(line) is int and type(column) is int and type(end_line) is int and type(end_column) is int:
                return f"[{line}, {column}, {end_line}, {end_column}]"
        return "[" + ", ".join([scalar(v) for v in o]) + "]"

    def walk(o, pad: str) -> None:
        t = type(o)
        if t is dict:
            if not o:
                add("{}")
                return
            keys = tuple(o)
            inner, heads = shapes.get((pad, keys)) or shape(pad, keys)
            for head, value in zip(heads, o.values()):
                vt = type(value)
                if vt is str:
                    add(head + text(value))
                elif vt is SpanJSON:
                    add(head + span(value))
                elif vt is dict or vt is list or vt is tuple:
                    add(head)
                    walk(value, inner)
                else:
                    add(head + scalar(value))
            add(pad + "}")
        elif t is list or t is tuple:
            if not o:
                add("[]")
                return
            inner, comma = pads.get(pad) or pads.setdefault(pad, (pad + "  ", "," + pad + "  "))
            sep = "[" + inner
            for value in o:
                vt = type(value)
                if vt is str:
                    add(sep + text(value))
                elif vt is dict or vt is list or vt is tuple or vt is SpanJSON:
                    add(sep)
                    walk(value, inner)
                else:
                    add(sep + scalar(value))
                sep = comma
            add(pad + "]")
        elif t is SpanJSON:
            add(span(o))
        elif isinstance(o, dict):
            walk(dict(o), pad)
        elif isinstance(o, (list, tuple)):
            walk(list(o), pad)
        else:
            add(scalar(o))

    try:
        walk(obj, "\n")
    except (_Unusual, RecursionError):
        return json.dumps(obj, indent=2, ensure_ascii=ensure_ascii)
    return "".join(out)
