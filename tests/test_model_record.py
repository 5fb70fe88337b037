"""Record and Mutable behave like frozen and plain dataclasses where the model relies on it."""

from __future__ import annotations

import copy
import pickle
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

import pytest

from elastix_halint.model.drbd import Option
from elastix_halint.model.record import Mutable, Record, field, replace
from elastix_halint.model.span import Span

T = TypeVar("T")


class Point(Record):
    """A test record."""

    x: int
    y: int = 0
    tags: tuple = field(default=())
    notes: dict = field(default_factory=dict, compare=False, repr=False)
    KIND: ClassVar[str] = "point"

    def norm(self) -> int:
        return abs(self.x) + abs(self.y)


class Point3(Point):
    z: int = 0


class Box(Record, Generic[T]):
    item: T


class Counter(Mutable):
    items: list = field(default_factory=list)
    total: int = 0


@dataclass(frozen=True)
class DataPoint:
    x: int
    y: int = 0
    tags: tuple = ()


def test_construction_defaults_and_factories():
    assert Point(1) == Point(1, 0, ()) == Point(x=1) == Point(1, y=0)
    a, b = Point(1), Point(1)
    assert a.notes == {} and a.notes is not b.notes  # one new dict per instance
    assert Point(1, 2).norm() == 3 and Point.KIND == "point" and Point._fields == ("x", "y", "tags", "notes")


def test_repr_like_a_dataclass():
    assert repr(Point(1, 2)) == repr(DataPoint(1, 2)).replace("DataPoint", "Point")
    assert "notes" not in repr(Point(1, notes={"a": 1}))  # repr=False


@pytest.mark.parametrize("call, message", [
    (lambda: Point(), "missing 1 required argument(s): 'x'"),
    (lambda: Point(1, 2, (), {}, 5), "takes 4 positional arguments but 5 were given"),
    (lambda: Point(1, nope=2), "unexpected keyword argument 'nope'"),
    (lambda: Point(1, x=2), "multiple values for argument 'x'"),
    # keywords only (the calls completed from the class's template of defaults)
    (lambda: Point(y=2), "missing 1 required argument(s): 'x'"),
    (lambda: Point(x=1, nope=2), "unexpected keyword argument 'nope'"),
    (lambda: Counter(total=1, nope=2), "unexpected keyword argument 'nope'"),
])
def test_bad_calls_are_type_errors(call, message):
    with pytest.raises(TypeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_immutable():
    p = Point(1)
    with pytest.raises(AttributeError):
        p.x = 2
    with pytest.raises(AttributeError):
        p.other = 2
    with pytest.raises(AttributeError):
        del p.x


def test_equality_and_hash_by_value_within_one_class_only():
    assert Point(1, notes={"a": 1}) == Point(1)  # compare=False
    assert hash(Point(1, notes={"a": 1})) == hash(Point(1))
    assert {Point(1): "a"}[Point(1)] == "a"
    assert Point(1) != Point(2)
    # Unlike the tuple underneath, a record is equal to nothing but a record of its class.
    assert Point(1, 0) != (1, 0, (), {}) and (1, 0, (), {}) != Point(1, 0)
    assert Point(1) != Point3(1) and Point3(1) != Point(1)
    assert Span("f", 1, 2, 1, 3) != ("f", 1, 2, 1, 3)


def test_ordering_is_refused_as_for_a_dataclass():
    with pytest.raises(TypeError):
        Point(1) < Point(2)  # noqa: B015
    with pytest.raises(TypeError):
        sorted([Span("f", 2, 1, 2, 2), Span("f", 1, 1, 1, 2)])


def test_subclass_adds_fields_after_its_base():
    p = Point3(1, 2, z=3)
    assert p._fields == ("x", "y", "tags", "notes", "z") and (p.x, p.y, p.z) == (1, 2, 3)
    assert p.norm() == 3 and isinstance(p, Point)


def test_a_default_before_a_required_field_is_refused():
    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument 'a'"):
        class Bad(Record):
            a: int = 1
            b: int


def test_generic_records_subscript():
    assert Box[int](3).item == 3


def test_pickle_copy_and_replace():
    p = Point(1, 2, ("t",))
    assert pickle.loads(pickle.dumps(p)) == p and copy.copy(p) == p and copy.deepcopy(p) == p
    assert replace(p, y=5) == Point(1, 5, ("t",))
    with pytest.raises(TypeError):
        replace(p, nope=1)


def test_option_fills_its_canonical_names_like_its_post_init_did():
    span = Span("f", 1, 1, 1, 5)
    o = Option("rate", span, (), span, "syncer")
    assert (o.canonical_name, o.canonical_section) == ("rate", "syncer")
    o = Option("rate", span, (), span, "syncer", canonical_name="resync-rate", canonical_section="disk")
    assert (o.canonical_name, o.canonical_section) == ("resync-rate", "disk")
    assert replace(o, section="net").canonical_section == "disk"
    assert pickle.loads(pickle.dumps(o)) == o


def test_mutable_records():
    c = Counter()
    c.items.append(1)
    c.total += 1
    assert c == Counter([1], 1) and c != Counter() and Counter().items is not Counter().items
    assert repr(c) == "Counter(items=[1], total=1)"
    with pytest.raises(TypeError):
        hash(c)


def test_keyword_calls_fill_defaults_and_factories_in_field_order():
    p = Point(tags=("a",), x=3)
    assert tuple(p) == (3, 0, ("a",), {}) and p.notes is not Point(x=3).notes
    assert Point(x=1, notes={"n": 1}).notes == {"n": 1}
    c, d = Counter(total=2), Counter(total=2)
    assert c.total == 2 and c.items == [] and c.items is not d.items and vars(c) == {"items": [], "total": 2}
    # positions first, then keywords (both completed from the template)
    q = Point(3, tags=("b",))
    assert tuple(q) == (3, 0, ("b",), {}) and q.notes is not p.notes
    assert tuple(Point3(1, 2, z=5)) == (1, 2, (), {}, 5) and Point(1, 2, notes={"m": 2}).notes == {"m": 2}
    e = Counter([1], total=4)
    assert vars(e) == {"items": [1], "total": 4} and Counter(total=1).items is not Counter(total=1).items


class Watched(Counter):
    """A subclass that turns a field into a property: setting it must still go through it."""

    seen: list = field(default_factory=list)

    @property
    def total(self):
        return self.__dict__["_total"]

    @total.setter
    def total(self, value):
        self.__dict__["_total"] = value * 10


def test_a_field_behind_a_property_is_set_through_it():
    assert Watched(total=2).total == 20 and Watched([], 3, []).total == 30
