"""Model classes that cost nothing to define and little to build: ``Record`` and ``Mutable``.

Declared like dataclasses, with annotations and defaults::

    class Value(Record):
        \"\"\"One word of a statement as written.\"\"\"

        text: str
        span: Span
        quoted: bool = False

        def to_json(self) -> dict: ...

A ``Record`` behaves like a ``@dataclass(frozen=True)``: keyword or positional construction,
defaults and ``field(default_factory=...)``, fields in declaration order with a subclass's after
its base's, ``==`` and ``hash`` by value between instances of one class, a dataclass-style
``repr``, assignment refused. ``Mutable`` is the plain ``@dataclass`` counterpart.

Why not ``@dataclass``: it writes and compiles the source of ``__init__``, ``__repr__``,
``__eq__``... for every class at every start (1.5 to 3 ms a class on a small machine, about 80
classes on the path of ``halint lint``), and a frozen instance is built with one
``object.__setattr__`` call per field. Here the methods are written once, below, and read the
per-class field table; a ``Record`` is a ``tuple`` underneath (its fields are read by the same C
accessor ``collections.namedtuple`` uses), so building one is a single ``tuple.__new__``.

What differs from a dataclass: ``dataclasses.replace/fields/asdict`` are ``replace(obj, ...)``,
``obj._fields`` and ``obj._asdict()`` here; a ``Record`` has no ``__post_init__`` (write a
``__new__`` that computes the values and returns ``cls._make(values)``); it is an instance of
``tuple`` (so test ``type(x) is tuple``, not ``isinstance(x, tuple)``, when telling a plain
tuple from a model object); ordering (``<``) is refused, as for a dataclass without
``order=True``.
"""

from __future__ import annotations

from operator import itemgetter

try:  # the C field accessor namedtuple uses; any Python has the itemgetter fallback
    from collections import _tuplegetter
except ImportError:  # pragma: no cover - not CPython
    def _tuplegetter(index, doc):
        return property(itemgetter(index), doc=doc)

__all__ = ["Record", "Mutable", "field", "replace", "MISSING"]

_tuple_new = tuple.__new__
_tuple_eq = tuple.__eq__
_tuple_hash = tuple.__hash__


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()
_FROM_FACTORY = _Missing()  # in a class's _template: the field's default_factory makes it


class Field:
    """What ``field()`` returns: a default or a factory, and whether ``==``/``repr`` use it."""

    __slots__ = ("default", "default_factory", "compare", "repr")

    def __init__(self, default=MISSING, default_factory=MISSING, compare: bool = True, repr: bool = True):
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.default, self.default_factory, self.compare, self.repr = default, default_factory, compare, repr


def field(*, default=MISSING, default_factory=MISSING, compare: bool = True, repr: bool = True):
    """Like ``dataclasses.field``: ``default_factory`` for mutable defaults; ``compare=False``
    keeps a field out of ``==`` and ``hash``, ``repr=False`` out of ``repr``."""
    return Field(default, default_factory, compare, repr)


def _is_classvar(annotation) -> bool:
    text = annotation if isinstance(annotation, str) else str(annotation)
    return text.startswith(("ClassVar", "typing.ClassVar"))


def _collect(name: str, bases: tuple, ns: dict) -> tuple[list[str], dict[str, Field]]:
    """Fields of the new class: the base's, then those annotated in ``ns`` (popped from it)."""
    names: list[str] = []
    specs: dict[str, Field] = {}
    for base in bases:
        if isinstance(base, _RecordType) and getattr(base, "_fields", None):
            names, specs = list(base._fields), dict(base._specs)
            break
    for key, annotation in ns.get("__annotations__", {}).items():
        if _is_classvar(annotation):
            continue
        value = ns.pop(key, MISSING)
        spec = value if isinstance(value, Field) else Field(default=value)
        if key not in specs:
            names.append(key)
        specs[key] = spec
    seen_default = None
    for key in names:
        has_default = specs[key].default is not MISSING or specs[key].default_factory is not MISSING
        if has_default:
            seen_default = key
        elif seen_default:
            raise TypeError(f"{name}: non-default argument {key!r} follows default argument {seen_default!r}")
    return names, specs


class _RecordType(type):
    """Turns the annotations of a ``Record``/``Mutable`` subclass into its field table."""

    def __new__(mcls, name, bases, ns, **kwargs):
        if not any(isinstance(b, _RecordType) for b in bases):  # Record and Mutable themselves
            return super().__new__(mcls, name, bases, ns, **kwargs)
        names, specs = _collect(name, bases, ns)
        immutable = any(issubclass(b, tuple) for b in bases if isinstance(b, type))
        if immutable:
            ns.setdefault("__slots__", ())  # no per-instance __dict__: the fields are the tuple
        cls = super().__new__(mcls, name, bases, ns, **kwargs)
        if immutable:
            for index, key in enumerate(names):
                if key in ns.get("__annotations__", {}):
                    setattr(cls, key, _tuplegetter(index, None))
        cls._fields = tuple(names)
        cls._specs = specs
        cls._size = len(names)
        cls._repr_fields = tuple((i, n) for i, n in enumerate(names) if specs[n].repr)
        compared = tuple(i for i, n in enumerate(names) if specs[n].compare)
        cls._compared = None if len(compared) == len(names) else itemgetter(*compared) if compared else (lambda _: ())
        cls._filling = tuple((n, specs[n].default, specs[n].default_factory) for n in names)
        # Plain trailing defaults (no factory): positional calls that leave them out are
        # completed by one tuple concatenation.
        required = sum(1 for _, d, f in cls._filling if d is MISSING and f is MISSING)
        tail = tuple(d for _, d, _f in cls._filling[required:])
        cls._required = required
        cls._tail = None if MISSING in tail else tail
        cls.__match_args__ = cls._fields
        # A call with keywords is completed from a template of the defaults (one dict copy
        # and update instead of a loop over the fields); see _values.
        cls._template = {n: (_FROM_FACTORY if f is not MISSING else d) for n, d, f in cls._filling}
        cls._factories = tuple((n, f) for n, _d, f in cls._filling if f is not MISSING)
        cls._required_names = frozenset(n for n, d, f in cls._filling if d is MISSING and f is MISSING)
        # A Mutable whose fields are plain attributes is filled by one __dict__ update.
        cls._dict_fill = not immutable and cls.__dictoffset__ != 0 and cls.__setattr__ is object.__setattr__ and not any(
            hasattr(type(k.__dict__[n]), "__set__") for n in names for k in cls.__mro__ if n in k.__dict__)
        return cls


def _values(cls, args: tuple, kwargs: dict) -> tuple:
    """The full tuple of field values from a call's arguments (defaults filled in), or the
    ``TypeError`` a dataclass ``__init__`` would raise."""
    if len(args) > cls._size:
        raise TypeError(f"{cls.__name__}() takes {cls._size} positional arguments but {len(args)} were given")
    given = len(args)
    if given >= cls._required or (not given and kwargs.keys() >= cls._required_names):
        # (the fields without a default come first: ``given`` positions cover them)
        filled = cls._template.copy()
        if given:
            filled.update(zip(cls._fields, args))
        filled.update(kwargs)
        # No unknown keyword, none naming a field given by position (else the loop says which).
        if len(filled) == cls._size and (not given or kwargs.keys().isdisjoint(cls._fields[:given])):
            for key, factory in cls._factories:
                if filled[key] is _FROM_FACTORY:
                    filled[key] = factory()
            return tuple(filled.values())
    values = list(args)
    missing = []
    for key, default, factory in cls._filling[len(args):]:
        if key in kwargs:
            values.append(kwargs.pop(key))
        elif default is not MISSING:
            values.append(default)
        elif factory is not MISSING:
            values.append(factory())
        else:
            missing.append(key)
            values.append(None)
    if kwargs:
        key = next(iter(kwargs))
        if key in cls._fields:
            raise TypeError(f"{cls.__name__}() got multiple values for argument {key!r}")
        raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {key!r}")
    if missing:
        raise TypeError(f"{cls.__name__}() missing {len(missing)} required argument(s): "
                        + ", ".join(repr(m) for m in missing))
    return tuple(values)


def _repr(self) -> str:
    return f"{type(self).__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for _, n in self._repr_fields)})"


class Record(tuple, metaclass=_RecordType):
    """Base of immutable model classes (see the module docstring)."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def __new__(cls, *args, **kwargs):
        if not kwargs:
            n = len(args)
            if n == cls._size:
                return _tuple_new(cls, args)
            if cls._required <= n < cls._size and cls._tail is not None:
                return _tuple_new(cls, args + cls._tail[n - cls._required:])
        return _tuple_new(cls, _values(cls, args, kwargs))

    @classmethod
    def _make(cls, values) -> "Record":
        """An instance from the complete tuple of field values, with no checks."""
        return _tuple_new(cls, values)

    def _asdict(self) -> dict:
        return dict(zip(self._fields, self))

    def __getnewargs__(self) -> tuple:  # pickle and copy build it through __new__
        return tuple(self)

    __repr__ = _repr

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            # False, not NotImplemented, for other tuples: tuple.__eq__ would say yes to a
            # plain tuple (or another record) with the same values.
            return False if isinstance(other, tuple) else NotImplemented
        if self._compared is None:
            return _tuple_eq(self, other)
        return self._compared(self) == self._compared(other)

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self):
        return _tuple_hash(self) if self._compared is None else hash(self._compared(self))

    def __lt__(self, other):
        return NotImplemented

    __le__ = __gt__ = __ge__ = __lt__

    def __setattr__(self, name, value):
        raise AttributeError(f"cannot assign to field {name!r} of an immutable {type(self).__name__}")

    def __delattr__(self, name):
        raise AttributeError(f"cannot delete field {name!r} of an immutable {type(self).__name__}")


class Mutable(metaclass=_RecordType):
    """Base of mutable records (a plain ``@dataclass``): the same declaration; not hashable."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        if kwargs or len(args) != self._size:
            args = _values(type(self), args, kwargs)
        if self._dict_fill:
            self.__dict__.update(zip(self._fields, args))
            return
        for key, value in zip(self._fields, args):
            object.__setattr__(self, key, value)

    def _asdict(self) -> dict:
        return {n: getattr(self, n) for n in self._fields}

    __repr__ = _repr

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        mine, theirs = tuple(getattr(self, n) for n in self._fields), tuple(getattr(other, n) for n in other._fields)
        if self._compared is not None:
            mine, theirs = self._compared(mine), self._compared(theirs)
        return mine == theirs

    __hash__ = None  # type: ignore[assignment] - mutable: unhashable, as a dataclass with eq


def replace(obj, /, **changes):
    """A copy of ``obj`` with some fields changed (``dataclasses.replace``), built through the
    class's constructor."""
    values = obj._asdict()
    for key in changes:
        if key not in values:
            raise TypeError(f"{type(obj).__name__} has no field {key!r}")
    values.update(changes)
    return type(obj)(**values)
