"""Helpers for lint tests: a tiny fake file model, clusters built from it, registries of test
rules, and the rule-fixture runner (also a scaffolding command, see docs/lint.md).

The fake model reads ``key value`` lines; ``name {`` opens a block and ``}`` closes it; ``#``
starts a comment. Items carry real Spans, comments are model Comments, and the model answers
``enclosing_block_lines`` like the drbd model does.
"""

from __future__ import annotations

import json
import os
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

from elastix_halint.model.common import Comment
from elastix_halint.model.span import Span
from elastix_halint.parsing.result import ParseResult
from elastix_halint.source import SourceFile

RULE_FIXTURES = Path(__file__).resolve().parent / "data" / "rules"


@dataclass(frozen=True)
class Item:
    key: str
    value: str
    span: Span
    key_span: Span


@dataclass(frozen=True)
class FakeModel:
    items: tuple[Item, ...]
    comments: tuple[Comment, ...]
    openers: dict = field(default_factory=dict)  # line -> tuple of enclosing opener lines

    def enclosing_block_lines(self, file: str, line: int) -> tuple[int, ...]:
        return self.openers.get(line, ())


def fake_parse(path: str, text: str, kind: str = "drbd", real_path: str | None = None, diagnostics=()) -> ParseResult:
    items, comments, openers, stack = [], [], {}, []
    for n, raw in enumerate(text.split("\n"), start=1):
        code, _, comment = raw.partition("#")
        if _:
            col = len(code) + 1
            comments.append(Comment(comment.strip(), Span(path, n, col, n, len(raw) + 1)))
        openers[n] = tuple(stack)
        words = code.split()
        if code.rstrip().endswith("{"):
            stack.append(n)
            openers[n] = tuple(stack[:-1])
        elif code.strip() == "}":
            stack.pop()
        elif words:
            col = len(code) - len(code.lstrip()) + 1
            end = len(code.rstrip()) + 1
            items.append(Item(words[0], " ".join(words[1:]), Span(path, n, col, n, end), Span(path, n, col, n, col + len(words[0]))))
    source = SourceFile(path=path, text=text, real_path=real_path)
    return ParseResult(kind, source, FakeModel(tuple(items), tuple(comments), openers), tuple(diagnostics))


def make_cluster(nodes: dict, facts: dict | None = None, anonymous: bool = False):
    """``{node name: {node path: ParseResult}}`` → a real model.cluster.Cluster."""
    from elastix_halint.model.cluster import Cluster, Node, NodeFacts

    built = []
    for name, files in nodes.items():
        node_facts = NodeFacts(**(facts or {}).get(name, {}))
        built.append(Node(name=name, root=f"/bundle/{name}", files=dict(files), facts=node_facts, anonymous=anonymous))
    return Cluster(tuple(built), "files" if anonymous else "bundle", "/bundle")


def registry_of(*rule_classes, with_meta: bool = True):
    from elastix_halint.lint.registry import build_registry

    module = types.SimpleNamespace(RULES=list(rule_classes), __name__="tests.fake_rules")
    modules = [("tests.fake_rules", module)]
    if with_meta:
        import importlib

        from elastix_halint.lint.registry import submodules

        modules += [(name, importlib.import_module(name)) for name in submodules(importlib.import_module("elastix_halint.builtin.meta"))]
    return build_registry(modules)


def lint(cluster, *rule_classes, **settings):
    from elastix_halint.lint.config import Settings
    from elastix_halint.lint.engine import Engine

    return Engine(registry_of(*rule_classes), Settings(**settings)).lint(cluster)


DOC = """Test rule.

## What it checks
Something.

## Why it matters
Because (test).

## Example
```
bad 1
```

## Fix
Do not.
"""


# -- rule fixtures (tests/data/rules/<ID>/<case>[_ok]/) ------------------------------------------


@dataclass
class Case:
    rule_id: str
    path: Path
    positive: bool

    @property
    def label(self) -> str:
        return f"{self.rule_id}/{self.path.name}"


def fixture_cases(root: Path = RULE_FIXTURES) -> list[Case]:
    cases = []
    if not root.is_dir():
        return cases
    for rule_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for case in sorted(p for p in rule_dir.iterdir() if p.is_dir()):
            cases.append(Case(rule_dir.name, case, not case.name.endswith("_ok")))
    return cases


def case_settings(case: Case) -> dict:
    path = case.path / "case.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def case_inputs(case: Case) -> tuple[list[str], str | None, str | None]:
    conf = case_settings(case)
    from elastix_halint.loader import is_node_folder

    if "paths" in conf:
        paths = [str(case.path / p) for p in conf["paths"]]
    elif is_node_folder(str(case.path)):
        paths = [str(case.path)]
    else:
        paths = [str(p) for p in sorted(case.path.iterdir()) if p.name not in ("expected.json", "case.json")]
    rel = lambda key: str(case.path / conf[key]) if conf.get(key) else None  # noqa: E731
    return paths, rel("root"), rel("peer")


def run_case(case: Case):
    """Lint a fixture case with only its rule (+ any ``select`` of case.json) selected."""
    from elastix_halint.lint.config import Settings
    from elastix_halint.lint.engine import Engine
    from elastix_halint.lint.registry import load_registry
    from elastix_halint.loader import load_paths

    conf = case_settings(case)
    settings = Settings(select=[case.rule_id, *conf.get("select", [])], options={case.rule_id: conf.get("options", {})})
    paths, root, peer = case_inputs(case)
    return Engine(load_registry(), settings).lint(load_paths(paths, root=root, peer=peer))


def location_matches(expected: dict, problem, sources) -> bool:
    from elastix_halint.report.common import physical_path

    span = problem.span
    if span is None or span.line != expected["line"] or span.column != expected.get("column", span.column):
        return False
    want = expected.get("file")
    if not want:
        return True
    names = {problem.path or "", physical_path(problem.path, sources) or ""}
    return any(n == want or n.endswith("/" + want.lstrip("/")) for n in names)


def scaffold(rule_id: str, case: str, input_name: str) -> list[Path]:
    """Create ``<ID>/<case>/`` (input + expected.json) and ``<ID>/<case>_ok/`` (input)."""
    made = []
    for folder, positive in ((RULE_FIXTURES / rule_id / case, True), (RULE_FIXTURES / rule_id / f"{case}_ok", False)):
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / input_name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("")
        if positive and not (folder / "expected.json").exists():
            (folder / "expected.json").write_text(json.dumps([{"file": input_name, "line": 1, "column": 1}], indent=2) + "\n")
        made.append(folder)
    return made


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] != "new":
        sys.exit("usage: python tests/lint_helpers.py new RULE_ID CASE INPUT_NAME")
    for folder in scaffold(sys.argv[2], sys.argv[3], sys.argv[4]):
        print(os.path.relpath(folder))
