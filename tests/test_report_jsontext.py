"""The fast indented JSON writer gives exactly json.dumps(indent=2)'s text, and its errors."""

from __future__ import annotations

import enum
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elastix_halint import jsontext

_leaves = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
_docs = st.recursive(
    _leaves,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_docs, st.booleans())
def test_same_text_as_json_dumps(doc, ensure_ascii):
    assert jsontext.dumps(doc, ensure_ascii) == json.dumps(doc, indent=2, ensure_ascii=ensure_ascii)


class _Level(enum.IntEnum):
    LOW = 1


def test_unusual_documents_are_written_or_refused_as_json_dumps_does():
    odd = {1: "int key", None: [math.inf, -0.0], "level": _Level.LOW, "tuple": (), "empty": {}, "µ": "é\n\""}
    assert jsontext.dumps(odd, False) == json.dumps(odd, indent=2, ensure_ascii=False)
    with pytest.raises(TypeError):
        jsontext.dumps({"a": {1, 2}})
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular"):
        jsontext.dumps(loop)


def test_spans_are_written_on_one_line_and_read_back_as_lists():
    from elastix_halint.model.span import SpanJSON

    doc = {"span": SpanJSON([4, 3, 4, 12]), "related": [SpanJSON([1, 1, 2, 5, "other \"file\""])], "x": {"y": 1}}
    text = jsontext.dumps(doc)
    assert '"span": [4, 3, 4, 12],' in text and '\n    [1, 1, 2, 5, "other \\"file\\""]\n' in text
    assert json.loads(text) == {"span": [4, 3, 4, 12], "related": [[1, 1, 2, 5, 'other "file"']], "x": {"y": 1}}
    # Everything else is json.dumps(indent=2): the same document with the spans as plain lists
    # differs only inside the spans.
    plain = json.dumps({**doc, "span": [4, 3, 4, 12], "related": [[1, 1, 2, 5, 'other "file"']]}, indent=2)
    assert "".join(text.split()) == "".join(plain.split())


def test_a_span_of_other_values_is_written_as_json_dumps_writes_them():
    from elastix_halint.model.span import SpanJSON

    for values in ([True, 1, 2, 3], [1, 2.5, 3, 4], [1, 2, 3, None], [1, 2, 3, 4, 5]):
        assert jsontext.dumps({"span": SpanJSON(values)}) == '{\n  "span": ' + json.dumps(values) + "\n}"


def test_dicts_of_one_shape_at_every_depth_and_order():
    # The writer remembers what comes before each value of a dict by (indent, keys): the same
    # keys at another depth, in another order or with one more key must each be written right.
    leaf = {"name": "a", "span": [1, 2, 3, 4]}
    doc = {"name": [leaf, {"span": [5], "name": "b"}, {**leaf, "x": {"name": "c", "span": leaf}}],
           "span": {"name": leaf, "span": [leaf, [leaf]]}, "more": [dict(leaf) for _ in range(3)]}
    assert jsontext.dumps(doc) == json.dumps(doc, indent=2)
    assert jsontext.dumps({1: leaf, "name": leaf}) == json.dumps({1: leaf, "name": leaf}, indent=2)


def _doc(value):
    return {"files": [{"model": {"a": 1, "resources": value, "z": [value]}}]}


def test_a_value_written_ahead_is_copied_where_it_stands_and_written_anew_elsewhere():
    value = ({"name": "r0", "tags": ["x", "µ"], "n": None}, {"name": "r1", "tags": []})
    made = lambda: [dict(v) for v in value]  # noqa: E731
    expected = json.dumps(_doc(made()), indent=2, ensure_ascii=False)
    jsontext.write_ahead(value, ("k", 1), made, 4, ensure_ascii=False)
    ahead = jsontext.written_ahead(value, ("k", 1))
    assert ahead is not None and jsontext.written_ahead(value, ("k", 1)) is None  # taken once
    # At level 4 the text is copied (a changed copy shows), at level 5 (in "z") written anew.
    ahead.text = ahead.text.replace('"r0"', '"copied"')
    text = jsontext.dumps(_doc(ahead), ensure_ascii=False)
    assert text == expected.replace('"r0"', '"copied"', 1) and text.count('"r0"') == 1
    # Another ensure_ascii, or json.dumps's own path (an unusual key): written anew, the same text.
    assert jsontext.dumps(_doc(ahead), ensure_ascii=True) == json.dumps(_doc(made()), indent=2)
    odd = {1: _doc(ahead)}
    assert jsontext.dumps(odd, False) == json.dumps({1: _doc(made())}, indent=2, ensure_ascii=False)


def test_a_value_written_ahead_is_only_given_back_for_the_same_object_and_key():
    value = ("a",)
    jsontext.write_ahead(value, (True, "f"), lambda: list(value), 4)
    assert jsontext.written_ahead(value, (False, "f")) is None  # another redaction: not this text
    jsontext.write_ahead(value, (True, "f"), lambda: list(value), 4)
    assert jsontext.written_ahead(list(value), (True, "f")) is None
    assert jsontext.written_ahead(value, (True, "f")).text == '[\n          "a"\n        ]'
