"""drbd.conf (DRBD 8.3, 8.4, 9) → :class:`~elastix_halint.model.drbd.DrbdConfig`.

Pipeline: :mod:`drbd_lexer` (tokens, comments, skip blocks) → :mod:`drbd_lark` (Lark's LALR
parser, every syntax error reported with recovery) → :mod:`drbd_tree` (generic sections and
statements checked against the keyword tables) → includes spliced in at
their place (``include "GLOB";`` relative to the including file, glob order, cycles and missing
files reported as PARSE003) → :mod:`drbd_views` (resources, hosts, volumes, version).
"""

from __future__ import annotations

import os

from elastix_halint.diagnostics import INCLUDE_ERROR, SYNTAX_ERROR, Diagnostic, Severity
from elastix_halint.errors import InputError
from elastix_halint.model.drbd import DrbdConfig, Include, Option, Section
from elastix_halint.model.record import Mutable, field
from elastix_halint.parsing.drbd_includes import include_targets as _include_targets
from elastix_halint.parsing.drbd_includes import includer as _includer
from elastix_halint.parsing.drbd_lexer import tokenize
from elastix_halint.parsing.drbd_tree import read_tree
from elastix_halint.parsing.drbd_views import check_references, detect_version, make_resources
from elastix_halint.parsing.result import ParseResult
from elastix_halint.source import SourceFile, read_source

KIND = "drbd"
_MAX_INCLUDE_DEPTH = 20


def sniff(text: str) -> bool:
    """A drbd.conf has ``resource NAME {`` or a ``global``/``common`` block or an include."""
    head = text[:65536]
    if "include \"" in head:
        return True
    return "{" in head and any(marker in head for marker in ("resource ", "common {", "global {"))


class _Load(Mutable):
    """What reading an entry file and its includes collects."""

    sections: list = field(default_factory=list)
    top_options: list = field(default_factory=list)
    diagnostics: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    includes: list = field(default_factory=list)
    files: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    root: str | None = None  # the folder standing for ``/`` in absolute include patterns
    seen: set = field(default_factory=set)  # real paths of the files read


def _read_file(src: SourceFile, acc: _Load, stack: tuple[str, ...]) -> None:
    acc.seen.add(os.path.realpath(src.real_path or src.path))
    lexed = tokenize(src.text, src.path)
    options, sections, diagnostics = read_tree(lexed.tokens, src.path)
    acc.files.append(src.path)
    acc.comments += lexed.comments
    acc.skipped += lexed.skipped
    acc.diagnostics += [Diagnostic(SYNTAX_ERROR, Severity.ERROR, msg, span) for span, msg in lexed.problems]
    acc.diagnostics += diagnostics
    items = sorted((*options, *sections), key=lambda n: (n.span.line, n.span.column))
    for item in items:
        if isinstance(item, Section):
            acc.sections.append(item)
        elif item.name == "include":
            _include(item, src, acc, stack)
        else:
            acc.top_options.append(item)


def _include(opt: Option, src: SourceFile, acc: _Load, stack: tuple[str, ...]) -> None:
    if not opt.values or not opt.values[0].text:  # `include "";` would glob the including folder
        acc.diagnostics.append(Diagnostic(SYNTAX_ERROR, Severity.ERROR, "`include` needs a quoted file name", opt.span))
        return
    pattern = opt.values[0].text
    targets = _include_targets(pattern, src, acc.root)
    acc.includes.append(Include(pattern, opt.span, tuple(shown for _, shown in targets)))
    for real, shown in targets:
        key = os.path.realpath(real)
        if key in acc.seen or len(stack) > _MAX_INCLUDE_DEPTH:
            # drbdadm 8.4 and 9 skip a file they have read already (a cycle ends there);
            # drbdadm 8.3 reads it again (rule DRBD131 tells what that version makes of it).
            what = "includes itself again" if key in stack else "is read already"
            acc.diagnostics.append(Diagnostic(INCLUDE_ERROR, Severity.WARNING,
                                              f"`{shown}` {what}: drbdadm 8.4 and 9 skip it, 8.3 reads it again",
                                              opt.span))
            continue
        try:
            child = read_source(real, shown, allow_empty=True)
        except InputError as exc:
            acc.diagnostics.append(Diagnostic(INCLUDE_ERROR, Severity.ERROR,
                                              f"cannot include `{pattern}`: {exc.message}", opt.values[0].span))
            continue
        acc.sources.append(child)
        _read_file(child, acc, stack + (key,))


def _build(source: SourceFile, root: str | None = None) -> ParseResult[DrbdConfig]:
    from elastix_halint.parsing.drbdadm import ahead

    acc = _Load(root=root)
    early = ahead.start(source, _includer(root), root)  # drbdadm's verdicts, beside this parse
    first = os.path.realpath(source.real_path or source.path)
    _read_file(source, acc, (first,))
    sections = tuple(acc.sections)
    global_ = next((s for s in sections if s.keyword == "global"), None)
    common = next((s for s in sections if s.keyword == "common"), None)
    resources = make_resources(sections, common)
    version, evidence = detect_version(sections)
    acc.diagnostics += check_references(resources)
    verdicts = drbdadm_verdicts(source, resources, root, early)
    acc.diagnostics, in_parse = _agree_with_drbdadm(acc.diagnostics, verdicts, acc.files, version,
                                                    (source, *acc.sources))
    model = DrbdConfig(
        files=tuple(dict.fromkeys(acc.files)),
        sections=sections,
        resources=resources,
        global_=global_,
        common=common,
        version=version,
        version_evidence=evidence,
        comments=tuple(acc.comments),
        includes=tuple(acc.includes),
        skipped=tuple(acc.skipped),
        top_options=tuple(acc.top_options),
        drbdadm=verdicts,
        drbdadm_in_parse=in_parse,
    )
    diagnostics = tuple(sorted(acc.diagnostics, key=_diagnostic_order(acc.files)))
    return ParseResult(KIND, source, model, diagnostics, tuple(acc.sources))


def drbdadm_verdicts(source: SourceFile, resources, root: str | None = None, early=None):
    """What drbdadm 8.3, 8.4 and 9 say of the configuration (parsing/drbdadm/), each
    worked out when first asked for (or taken from ``early``, an ``ahead.Ahead``).
    drbdadm-83 runs only on a node the file names: it is judged as run on the node named
    most often in ``on`` sections."""
    from elastix_halint.parsing.drbdadm.verdict import Verdicts, most_named

    include = _includer(root)
    node83 = most_named(n for r in resources for h in r.hosts if h.keyword == "on" for n in h.names)
    known = early.verdicts(node83, source, resources) if early is not None else {}

    def judge(version: str):
        from elastix_halint.parsing.drbdadm.emulator import Emulator  # not when the child judged

        return Emulator(version, include, node83 if version == "8.3" else "").run(source)

    return Verdicts(judge, known)


def _agree_with_drbdadm(diagnostics: list[Diagnostic], verdicts, files: list[str],
                        version: str | None = None, sources=()) -> tuple[list[Diagnostic], tuple[str, ...]]:
    """halint's parse errors, made to agree with drbdadm: when some drbdadm takes the file they
    are warnings (lint findings). When none does, the drbdadm of the file's syntax ``version``
    tells the file's error, or when the syntax does not tell, the one that read furthest (a 9
    parser stopping at 8.3's ``syncer { rate }`` is a version difference, not an error of the
    file): if it stopped in the text (a syntax error, an include it cannot open), that line has
    an error; if it read everything and found values or consistency wrong, rule DRBD131
    reports that, knowing the node's version."""
    from elastix_halint.model.record import replace
    from elastix_halint.model.span import Span
    from elastix_halint.parsing.drbdadm.verdict import INCLUDE, SYNTAX

    # Ask the drbdadm of the file's syntax first: usually it takes the file and no other is needed.
    order = sorted(verdicts.VERSIONS, key=lambda v: v != (version or "8.4"))
    if not any(d.severity >= Severity.ERROR for d in diagnostics):
        first = verdicts.get(order[0])
        if first.ok or first.depends:
            return diagnostics, ()
    if any(verdicts.get(v).ok or verdicts.get(v).depends for v in order):
        return [replace(d, severity=Severity.WARNING) if d.severity >= Severity.ERROR else d for d in diagnostics], ()
    rank = {f: i for i, f in enumerate(dict.fromkeys(files))}

    def reach(v) -> tuple:
        if v.kind not in (SYNTAX, INCLUDE) or v.line is None:
            return (len(rank) + 1, 0, 0)
        return (rank.get(v.file, len(rank)), v.line, v.column)

    own = [v for v in verdicts if v.version == version]
    judges = own or [v for v in verdicts if reach(v) == max(reach(w) for w in verdicts)]
    out, reported = list(diagnostics), []
    for v in judges:
        if v.kind not in (SYNTAX, INCLUDE) or v.line is None:
            continue
        reported.append(v.version)
        if any(d.severity >= Severity.ERROR and d.span and d.span.file == v.file and d.span.line == v.line for d in out):
            continue
        code = INCLUDE_ERROR if v.kind == INCLUDE else SYNTAX_ERROR
        column = _within_line(sources, v.file, v.line, v.column)
        out.append(Diagnostic(code, Severity.ERROR, f"drbdadm {v.version} stops here: {v.message}",
                              Span(v.file, v.line, column, v.line, column + 1)))
    return out, tuple(reported)


def _within_line(sources, file: str, line: int, column: int) -> int:
    """``column``, or the end of ``line`` when it lies past it: drbdadm counts lines its own way
    after some errors (a quoted string left open swallows a line end), so the column of the
    token it stopped at can belong to the next line of the text (found by
    tests/test_drbd_property.py: column 2 of an empty line)."""
    src = next((src for src in sources if src.path == file), None)
    if src is None or not 1 <= line <= src.text.count("\n") + 1:
        return column
    return max(1, min(column, len(src.line(line)) + 1))


def _diagnostic_order(files: list[str]):
    rank = {f: i for i, f in enumerate(dict.fromkeys(files))}

    def key(d: Diagnostic):
        s = d.span
        return (rank.get(s.file, len(rank)), s.line, s.column) if s else (-1, 0, 0)

    return key


def parse(source: SourceFile) -> ParseResult[DrbdConfig]:
    """Parse ``source`` (includes are read relative to ``source.real_path or source.path``)."""
    return _build(source)


def load(path: str, display: str | None = None, root: str | None = None) -> ParseResult[DrbdConfig]:
    """Read ``path`` and its includes; ``InputError`` only when ``path`` itself is unreadable.

    ``root``: the folder that stands for ``/`` (a bundle's node folder), so that
    ``include "/etc/drbd.d/*.res";`` reads that node's files, not this machine's.
    """
    return _build(read_source(path, display), root)
