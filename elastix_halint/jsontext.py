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

try:  # the json package's own C string encoders, without importing its decoder and scanner
    from _json import encode_basestring, encode_basestring_ascii
except ImportError:  # pragma: no cover - an interpreter without the C accelerator
    from json.encoder import encode_basestring, encode_basestring_ascii

from elastix_halint.model.span import SpanJSON


class _Unusual(Exception):
    """Something only json.dumps knows how to write (or how to refuse)."""


class Ahead:
    """A value's JSON text, written before the document it belongs to (see :func:`write_ahead`):
    copied in where the value stands at the indent it was written for, written anew from
    ``make()`` anywhere else."""

    __slots__ = ("text", "pad", "ensure_ascii", "make")

    def __init__(self, text: str, pad: str, ensure_ascii: bool, make):
        self.text, self.pad, self.ensure_ascii, self.make = text, pad, ensure_ascii, make


# id(value) -> (value, key, Ahead): what write_ahead wrote, until written_ahead takes it.
_ahead: dict[int, tuple] = {}


def write_ahead(value, key, make, level: int, ensure_ascii: bool = True) -> None:
    """Write ``make()``, the JSON form of ``value``, now, for a document that will hold it
    ``level`` containers deep; :func:`written_ahead` gives it back to the code that builds
    that document. ``key`` says what else the form depends on (redaction, the file spans
    leave out): a different key there and the value is written anew."""
    pad = "\n" + "  " * level
    _ahead[id(value)] = (value, key, Ahead(dumps(make(), ensure_ascii, pad), pad, ensure_ascii, make))


def written_ahead(value, key) -> Ahead | None:
    """What :func:`write_ahead` wrote of this very ``value`` with this ``key`` (once), else None."""
    found = _ahead.pop(id(value), None)
    return found[2] if found is not None and found[0] is value and found[1] == key else None


def _float(o) -> str:
    import json

    return json.dumps(o)


def _standard(o):
    """``json.dumps``'s ``default``: an Ahead is its value; anything else is refused as usual."""
    if type(o) is Ahead:
        return o.make()
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


def dumps(obj, ensure_ascii: bool = True, _pad: str = "\n") -> str:
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
            return _float(o)
        if isinstance(o, str):
            return text(o)
        if isinstance(o, int):
            return int_repr(o)
        if isinstance(o, float):
            return _float(o)
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
                elif value is None:
                    add(head + "null")
                elif vt is dict or vt is list or vt is tuple:
                    if value:
                        add(head)
                        walk(value, inner)
                    else:  # (half of a model's lists are empty)
                        add(head + ("{}" if vt is dict else "[]"))
                elif vt is Ahead:
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
                elif vt is dict or vt is list or vt is tuple or vt is SpanJSON or vt is Ahead:
                    add(sep)
                    walk(value, inner)
                else:
                    add(sep + scalar(value))
                sep = comma
            add(pad + "]")
        elif t is SpanJSON:
            add(span(o))
        elif t is Ahead:
            if o.pad == pad and o.ensure_ascii == ensure_ascii:
                add(o.text)
            else:
                walk(o.make(), pad)
        elif isinstance(o, dict):
            walk(dict(o), pad)
        elif isinstance(o, (list, tuple)):
            walk(list(o), pad)
        else:
            add(scalar(o))

    try:
        walk(obj, _pad)
    except (_Unusual, RecursionError):
        import json

        text = json.dumps(obj, indent=2, ensure_ascii=ensure_ascii, default=_standard)
        return text.replace("\n", _pad) if _pad != "\n" else text
    return "".join(out)
