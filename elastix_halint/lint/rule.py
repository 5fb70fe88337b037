"""The rule API: what a rule module writes, and nothing else.

A rule is a small class::

    class CallPriLostWithoutHandler(Rule):
        \"\"\"`call-pri-lost-after-sb` is used but no `pri-lost-after-sb` handler exists.

        ## What it checks
        ...
        ## Why it matters
        ...
        ## Example
        ...
        ## Fix
        ...
        \"\"\"

        id = "DRBD111"
        name = "call-pri-lost-without-handler"
        severity = Severity.ERROR
        scope = "file"
        kinds = ("drbd",)

        def check_file(self, model, ctx):
            for res in model.resources:
                if ...:
                    yield Finding(res, "resource 'r0' calls pri-lost-after-sb but ...", hint="add ...")

Rules never compute lines or columns and never read the disk: a ``Finding`` names a model node
(anything with a ``.span``) or a ``Span`` directly, and the engine does the rest (suppression,
selection, severity overrides, reports, fixes).

Scopes and their one check method:

* ``"file"``    — ``check_file(model, ctx)`` once per parsed file whose kind is in ``kinds``
  (``ctx.file`` is the ParseResult, ``ctx.node`` the node it belongs to);
* ``"node"``    — ``check_node(node, ctx)`` once per node of the cluster;
* ``"cluster"`` — ``check_cluster(cluster, ctx)`` once per linted cluster (both nodes);
* ``"run"``     — ``check_run(run, ctx)`` after all others, over the run itself (``run`` has
  ``unused_suppressions`` and ``problems``): for meta rules such as "unused suppression".

``needs`` names facts (``NodeFacts`` attributes such as ``"stat"``) or node parts (``"hacf"``,
``"drbd"``...) the rule reads, and ``"peer"`` for "two nodes are present": when one is missing
the engine skips the rule for that node/cluster (``--verbose`` says so) instead of running it.

The docstring is the rule's documentation (``halint explain``, SARIF help): a one-line summary,
then exactly the four ``## `` sections of ``DOC_SECTIONS``, in that order. A meta-test enforces it.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~4 ms at every start; these names are only annotations
if TYPE_CHECKING:
    from typing import Any, ClassVar, Iterable, Iterator

from elastix_halint.diagnostics import Edit, Severity
from elastix_halint.model.record import Record, field
from elastix_halint.model.span import Span

__all__ = ["Rule", "Finding", "Edit", "Severity", "Span", "DOC_SECTIONS", "RuleDoc", "rule_doc", "SCOPES"]

SCOPES = ("file", "node", "cluster", "run")
DOC_SECTIONS = ("What it checks", "Why it matters", "Example", "Fix")


class Finding(Record):
    """One problem a rule found.

    ``node``: the model node the problem is about (its ``.span`` is used), or a ``Span``, or None
    for "this file/node as a whole" (the engine then points at the checked file, if any).
    ``severity`` overrides the rule's default for this finding only. ``related``: other model
    nodes (or spans) that explain it, e.g. the peer node's differing line. ``fix``: a *safe*
    ``Edit`` (replace one single-line span) applied by ``--fix``; ``suggestion``: a replacement
    word shown as "did you mean".
    """

    node: Any
    message: str
    severity: Severity | None = None
    hint: str | None = None
    related: tuple[Any, ...] = ()
    fix: Edit | None = None
    suggestion: str | None = None


class Rule:
    """Base class of every rule; subclasses set the class attributes and one check method."""

    id: ClassVar[str] = ""
    name: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.WARNING
    scope: ClassVar[str] = "file"
    kinds: ClassVar[tuple[str, ...]] = ()
    needs: ClassVar[tuple[str, ...]] = ()
    # Options the configuration may set (``[options.<ID>]``), with their defaults. When a rule
    # declares them, unknown keys in the configuration are a usage error.
    options: ClassVar[dict[str, Any]] = {}

    def check_file(self, model: Any, ctx: "Context") -> Iterable[Finding]:  # pragma: no cover - overridden
        return ()

    def check_node(self, node: Any, ctx: "Context") -> Iterable[Finding]:  # pragma: no cover - overridden
        return ()

    def check_cluster(self, cluster: Any, ctx: "Context") -> Iterable[Finding]:  # pragma: no cover - overridden
        return ()

    def check_run(self, run: Any, ctx: "Context") -> Iterable[Finding]:  # pragma: no cover - overridden
        return ()

    @classmethod
    def doc(cls) -> "RuleDoc":
        return rule_doc(cls)

    def __repr__(self) -> str:
        return f"<rule {self.id} {self.name}>"


class Context:
    """What a check method may use besides the model: where it is, options and small helpers.

    ``cluster`` is always set; ``node`` for node and file scope; ``file`` (a ParseResult) for
    file scope. ``options`` are this rule's options from the configuration
    (``[options.<ID>]`` of the configuration).
    """

    __slots__ = ("cluster", "node", "file", "options")

    def __init__(self, cluster: Any, node: Any = None, file: Any = None, options: dict | None = None):
        self.cluster = cluster
        self.node = node
        self.file = file
        self.options = options or {}

    def option(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)

    def peers(self, node: Any = None) -> list:
        """The other nodes of the cluster (the peer of a two-node cluster is ``peers()[0]``)."""
        me = node if node is not None else self.node
        return [n for n in getattr(self.cluster, "nodes", ()) if n is not me]

    def peer(self, node: Any = None) -> Any:
        """The single other node, or None when the cluster does not have exactly two nodes."""
        others = self.peers(node)
        return others[0] if len(others) == 1 else None

    def fact(self, name: str, node: Any = None) -> Any:
        """``node.facts.<name>`` (None when the node has no such fact)."""
        target = node if node is not None else self.node
        return getattr(getattr(target, "facts", None), name, None)


class RuleDoc(Record):
    summary: str
    sections: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    def markdown(self) -> str:
        parts = [self.summary, ""]
        for title, body in self.sections.items():
            parts += [f"## {title}", "", body, ""]
        return "\n".join(parts).rstrip() + "\n"

    def text(self) -> str:
        """The same without Markdown headings (for terminals and SARIF ``help.text``)."""
        parts = [self.summary, ""]
        for title, body in self.sections.items():
            parts += [f"{title}:", _indent(body), ""]
        return "\n".join(parts).rstrip() + "\n"


def _indent(text: str) -> str:
    return "\n".join(("  " + line) if line.strip() else "" for line in text.splitlines())


def _dedent_doc(doc: str) -> list[str]:
    """``inspect.cleandoc(doc).splitlines()`` (without importing inspect and what it imports:
    every rule's documentation is read by ``halint rules``)."""
    lines = doc.expandtabs().split("\n")
    indents = [len(line) - len(line.lstrip()) for line in lines[1:] if line.lstrip()]
    margin = min(indents, default=0)
    lines = [lines[0].lstrip()] + [line[margin:] for line in lines[1:]]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines).splitlines()


def rule_doc(cls: type) -> RuleDoc:
    """Split a rule docstring into summary + sections; ``problems`` lists what is wrong with it."""
    raw = cls.__doc__ or ""
    lines = _dedent_doc(raw) if raw.strip() else []
    problems: list[str] = []
    summary_lines: list[str] = []
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        if line.startswith("## "):
            title = line[3:].strip()
            if title in sections:
                problems.append(f"section '{title}' appears twice")
            current = sections.setdefault(title, [])
        elif current is None:
            summary_lines.append(line)
        else:
            current.append(line)
    summary = " ".join(s.strip() for s in summary_lines if s.strip())
    if not summary:
        problems.append("no one-line summary before the sections")
    titles = tuple(sections)
    if titles != DOC_SECTIONS:
        problems.append(f"sections are {list(titles)}; expected exactly {list(DOC_SECTIONS)} in that order")
    bodies = {t: "\n".join(b).strip("\n") for t, b in sections.items()}
    problems += [f"section '{t}' is empty" for t, b in bodies.items() if not b.strip()]
    return RuleDoc(summary, bodies, tuple(problems))


def rule_problems(cls: type, docs: bool = True) -> Iterator[str]:
    """What is wrong with a rule class's declaration (used by the registry and the meta-test);
    with ``docs``, also with its documentation."""
    import re

    if not re.fullmatch(r"[A-Z]+[0-9]{3}", cls.id or ""):
        yield f"id {cls.id!r} is not LETTERS + three digits (e.g. DRBD111)"
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", cls.name or ""):
        yield f"name {cls.name!r} is not kebab-case"
    if cls.scope not in SCOPES:
        yield f"scope {cls.scope!r} is not one of {', '.join(SCOPES)}"
    if not isinstance(cls.severity, Severity):
        yield "severity is not a diagnostics.Severity"
    if cls.scope == "file" and not cls.kinds:
        yield "a file-scope rule must list the file kinds it reads in `kinds`"
    from elastix_halint.model.cluster import CONFIG_FILES, FACT_NAMES

    known_needs = {*FACT_NAMES, *CONFIG_FILES.values(), "peer"}
    for need in cls.needs:
        if need not in known_needs:
            yield f"needs {need!r}, which is not one of {', '.join(sorted(known_needs))}"
    method = f"check_{cls.scope}" if cls.scope in SCOPES else None
    if method and getattr(cls, method) is getattr(Rule, method):
        yield f"scope {cls.scope!r} but {method}() is not defined"
    if docs and hasattr(cls, "doc"):
        yield from cls.doc().problems
