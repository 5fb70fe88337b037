"""Run the selected rules over a cluster model and resolve what they find.

The engine is built once per invocation (selection, rule instances, per-kind dispatch) and then
lints any number of clusters. It knows no single rule: rules come from the registry, and it
only needs the model's shape (``Cluster.nodes``, ``Node.files`` of ParseResults,
``Node.facts``, ``Node.diagnostics``) and each model's ``comments``.
"""

from __future__ import annotations

import os
import re

from elastix_halint.diagnostics import ENCODING_WARNING, SYNTAX_ERROR, VALUE_ERROR, Edit, Severity
from elastix_halint.errors import UsageError
from elastix_halint.lint.config import Settings, selected_ids
from elastix_halint.lint.problem import Problem
from elastix_halint.lint.rule import Context, Finding, Rule
from elastix_halint.lint.suppress import SuppressionIndex
from elastix_halint.model.record import Mutable, field
from elastix_halint.model.span import Span

_WORD = re.compile(r"[A-Za-z][\w-]*")
_LINE_NO = re.compile(r"line (\d+)")


class SourceInfo(Mutable):
    source: object  # SourceFile
    kind: str
    node: str | None


class RunView(Mutable):
    """What ``run``-scope rules see."""

    problems: list[Problem]
    unused_suppressions: list[tuple[object, str, str]]  # (Comment, reference, why)


class LintRun(Mutable):
    problems: list[Problem] = field(default_factory=list)
    sources: dict[str, SourceInfo] = field(default_factory=dict)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (rule ID, where, missing)
    warnings: list[str] = field(default_factory=list)
    suppressed: int = 0
    ran: set[str] = field(default_factory=set)  # IDs of the rules that ran (and reported codes)
    selected: set[str] = field(default_factory=set)  # IDs of every selected rule

    def extend(self, other: "LintRun") -> None:
        self.problems += other.problems
        self.skipped += other.skipped
        self.warnings += other.warnings
        self.suppressed += other.suppressed
        self.ran |= other.ran
        self.selected |= other.selected


def span_of(obj) -> Span | None:
    if obj is None or isinstance(obj, Span):
        return obj
    span = getattr(obj, "span", None)
    return span if isinstance(span, Span) else None


def results_of(node) -> list:
    """Every ParseResult of a node: its files, then fact sources not already among them."""
    out = list(getattr(node, "files", {}).values())
    facts = getattr(getattr(node, "facts", None), "sources", None) or {}
    seen = {id(r) for r in out}
    return out + [r for r in facts.values() if id(r) not in seen]


def _has(node, need: str, cluster) -> bool:
    if need == "peer":
        return len(getattr(cluster, "nodes", ())) >= 2
    if hasattr(node, "has"):
        return node.has(need)
    facts = getattr(node, "facts", None)
    if facts is not None and hasattr(facts, need):
        return getattr(facts, need) is not None
    return getattr(node, need, None) is not None


class Engine:
    def __init__(self, registry, settings: Settings | None = None):
        self.registry = registry
        self.settings = settings or Settings()
        chosen, self.ignored = selected_ids(self.settings, registry)
        self.rules: list[Rule] = [registry.rules[rid]() for rid in sorted(chosen)]
        self.severity = {registry.get(k).id: v for k, v in self.settings.severity.items()}
        self.options = {}
        for ref, values in self.settings.options.items():
            cls = registry.get(ref)
            unknown = sorted(set(values) - set(cls.options)) if cls.options else []
            if unknown:
                raise UsageError(
                    f"unknown option(s) {', '.join(unknown)} for {cls.id} (it has: {', '.join(sorted(cls.options))})",
                    self.settings.source,
                )
            self.options[cls.id] = {**cls.options, **values}
        self.by_kind: dict[str, list[Rule]] = {}
        self.by_scope: dict[str, list[Rule]] = {"node": [], "cluster": [], "run": []}
        for rule in self.rules:
            if rule.scope == "file":
                for kind in rule.kinds:
                    self.by_kind.setdefault(kind, []).append(rule)
            else:
                self.by_scope[rule.scope].append(rule)

    # -- one cluster ---------------------------------------------------------------------------

    def lint(self, cluster) -> LintRun:
        run = LintRun()
        index = SuppressionIndex()
        nodes = list(getattr(cluster, "nodes", ()))
        for node in nodes:
            for result in results_of(node):
                files = tuple(s.path for s in result.all_sources())
                for src in result.all_sources():
                    run.sources.setdefault(src.path, SourceInfo(src, result.kind, _name(node)))
                if result.model is not None:
                    index.add_model(result.model, files)
        raw: list[tuple[Rule, Finding, str | None, str | None]] = []  # rule, finding, fallback path, node
        ran: set[str] = set()
        for node in nodes:
            for result in results_of(node):
                if result.model is None:
                    continue
                for rule in self.by_kind.get(result.kind, ()):
                    if self._skip(rule, [node], cluster, node.name, run):
                        continue
                    ctx = Context(cluster, node, result, self._options(rule))
                    self._collect(rule, rule.check_file, result.model, ctx, result.source.path, _name(node), raw, run, ran)
            if getattr(node, "anonymous", False):
                continue  # loose files: only file-scope rules apply
            for rule in self.by_scope["node"]:
                if not self._skip(rule, [node], cluster, node.name, run):
                    ctx = Context(cluster, node, None, self._options(rule))
                    self._collect(rule, rule.check_node, node, ctx, None, node.name, raw, run, ran)
        whole = nodes and not any(getattr(n, "anonymous", False) for n in nodes)
        for rule in self.by_scope["cluster"] if whole else ():
            if not self._skip(rule, nodes, cluster, "cluster", run):
                ctx = Context(cluster, None, None, self._options(rule))
                self._collect(rule, rule.check_cluster, cluster, ctx, None, None, raw, run, ran)

        problems = [self._resolve(rule, f, path, node, run) for rule, f, path, node in raw]
        problems += self._parse_problems(nodes, run)
        kept = []
        for p in _dedupe(problems):
            if index.match(p.span, p.rule_id, p.rule_name):
                run.suppressed += 1
            else:
                kept.append(p)
        ran |= {p.rule_id for p in problems}
        view = RunView(kept, self._unused(index, ran))
        late: list = []
        for rule in self.by_scope["run"]:
            ctx = Context(cluster, None, None, self._options(rule))
            self._collect(rule, rule.check_run, view, ctx, None, None, late, run, ran)
        kept += [self._resolve(rule, f, path, node, run) for rule, f, path, node in late]
        run.problems = sorted(_dedupe(kept), key=Problem.sort_key)
        run.ran = ran
        run.selected = {rule.id for rule in self.rules}
        return run

    def _options(self, rule: Rule) -> dict:
        return self.options.get(rule.id, rule.options)

    def _skip(self, rule: Rule, nodes: list, cluster, where: str, run: LintRun) -> bool:
        missing = [need for need in rule.needs if not all(_has(n, need, cluster) for n in nodes)]
        if missing:
            run.skipped.append((rule.id, where, ", ".join(missing)))
        return bool(missing)

    def _collect(self, rule, method, target, ctx, path, node, out, run, ran) -> None:
        ran.add(rule.id)
        try:
            for finding in method(target, ctx) or ():
                out.append((rule, finding, path, node))
        except Exception as exc:  # one rule's bug must not hide every other finding
            if os.environ.get("HALINT_DEBUG"):
                raise
            where = f" on node {node}" if node else ""
            run.warnings.append(f"rule {rule.id} crashed{where}: {type(exc).__name__}: {exc}")

    def _severity(self, rule_id: str, default: Severity) -> Severity:
        return self.severity.get(rule_id, default)

    def _resolve(self, rule: Rule, f: Finding, path: str | None, node: str | None, run: LintRun) -> Problem:
        span = span_of(f.node)
        if f.node is not None and span is None:
            run.warnings.append(f"rule {rule.id} reported a {type(f.node).__name__} without a span")
        file = span.file if span else path
        info = run.sources.get(file) if file else None
        return Problem(
            rule_id=rule.id,
            rule_name=rule.name,
            severity=self._severity(rule.id, f.severity or rule.severity),
            message=_scrub(f.message),
            span=span,
            path=file,
            node=node or (info.node if info else None),
            hint=_scrub(f.hint),
            suggestion=f.suggestion,
            related=tuple(s for s in (span_of(r) for r in f.related) if s is not None),
            fix=f.fix,
            sources=run.sources,
        )

    # -- parser diagnostics --------------------------------------------------------------------

    def _parse_problems(self, nodes, run: LintRun) -> list[Problem]:
        out = []
        for node in nodes:
            diags = [d for r in results_of(node) for d in r.diagnostics]
            diags += list(getattr(node, "diagnostics", ()) or ())
            encoding_files = {d.span.file for d in diags if d.code == ENCODING_WARNING and d.span}
            for r in results_of(node):
                for src in r.all_sources():
                    if src.warnings and src.path not in encoding_files:
                        out.append(self._encoding_problem(src, _name(node), run.sources))
            for d in diags:
                if d.code in self.ignored:
                    continue
                rule = self.registry.rules.get(d.code)
                file = d.span.file if d.span else None
                out.append(
                    Problem(
                        rule_id=d.code,
                        rule_name=rule.name if rule else d.code.lower(),
                        severity=self._severity(d.code, d.severity),
                        message=d.message,
                        span=d.span,
                        path=file,
                        node=_name(node),
                        hint=d.hint,
                        suggestion=d.suggestion,
                        related=tuple(d.related),
                        fix=self._diagnostic_fix(d, run),
                        sources=run.sources,
                    )
                )
        return [p for p in out if p.rule_id not in self.ignored]

    def _encoding_problem(self, src, node: str | None, sources: dict) -> Problem:
        m = _LINE_NO.search(src.warnings[0])
        rule = self.registry.rules.get(ENCODING_WARNING)
        return Problem(
            rule_id=ENCODING_WARNING,
            rule_name=rule.name if rule else ENCODING_WARNING.lower(),
            severity=self._severity(ENCODING_WARNING, Severity.WARNING),
            message="file is not valid UTF-8; it was read as Latin-1",
            span=Span.point(src.path, int(m.group(1))) if m else None,
            path=src.path,
            node=node,
            hint="convert the file to UTF-8 (iconv -f latin1 -t utf-8)",
            sources=sources,
        )

    @staticmethod
    def _diagnostic_fix(d, run: LintRun) -> Edit | None:
        """The parser's own single fix, or its did-you-mean when it replaces exactly one word."""
        if len(d.fixes) == 1:
            return d.fixes[0]
        if d.fixes or not d.suggestion or d.span is None or d.code not in (SYNTAX_ERROR, VALUE_ERROR):
            return None
        s = d.span
        info = run.sources.get(s.file)
        if info is None or s.end_line != s.line:
            return None
        word = info.source.line(s.line)[s.column - 1 : s.end_column - 1]
        if not _WORD.fullmatch(word) or not _WORD.fullmatch(d.suggestion):
            return None
        return Edit(s, d.suggestion)

    # -- suppressions ----------------------------------------------------------------------------

    def _unused(self, index: SuppressionIndex, ran: set[str]) -> list[tuple[object, str, str]]:
        out = []
        for sup in index.all:
            for ref in sup.refs:
                if ref in sup.used:
                    continue
                rule = self.registry.get(ref)
                if rule is None and ref.upper() not in ran:
                    out.append((sup.comment, ref, "unknown"))
                elif (rule.id if rule else ref.upper()) in ran:
                    out.append((sup.comment, ref, "unused"))
        return out


def _name(node) -> str | None:
    """The node name reports show (None for the anonymous node of loose files)."""
    return None if getattr(node, "anonymous", False) else node.name


def _scrub(text: str | None) -> str | None:
    """Defence in depth: a rule message that quotes a ``shared-secret ...`` loses the secret."""
    from elastix_halint.secrets import redact_line

    return redact_line(text, "drbd") if text and "secret" in text.lower() else text


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple] = set()
    out = []
    for p in problems:
        key = (p.rule_id, p.span, p.path, p.node if p.span is None else None, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out
