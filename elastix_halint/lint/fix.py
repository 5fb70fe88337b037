"""``--fix`` and ``--diff``: apply safe single-line edits, changing no other byte of a file.

Files are re-read as bytes and checked against the text the linter saw (a file changed since is
left alone), edited line by line, and written atomically (temp file + fsync + rename, mode
kept). Overlapping edits on one line: the first wins, the others stay reported.
"""

from __future__ import annotations

import difflib
import os
import tempfile

from elastix_halint.errors import InputError
from elastix_halint.lint.problem import Problem
from elastix_halint.model.record import Mutable
from elastix_halint.secrets import redact_line, secrets_of_text

BOM = b"\xef\xbb\xbf"


class FileFix(Mutable):
    path: str  # as reported
    real_path: str
    kind: str
    encoding: str
    bom: bool
    old: str
    new: str
    fixed: list[Problem]


def _split(text: str) -> list[str]:
    return text.split("\n")


def _apply(text: str, problems: list[Problem]) -> tuple[str, list[Problem]]:
    lines = _split(text)
    taken: dict[int, list[tuple[int, int]]] = {}
    applied: list[Problem] = []
    for p in sorted(problems, key=Problem.sort_key):
        s = p.fix.span
        if s.end_line != s.line or not 1 <= s.line <= len(lines):
            continue
        start, end = s.column - 1, s.end_column - 1
        if start < 0 or end > len(lines[s.line - 1]) or start > end:
            continue
        if any(start < e and b < end or start == b for b, e in taken.get(s.line, ())):
            continue
        taken.setdefault(s.line, []).append((start, end))
        applied.append(p)
    # Right to left on each line so earlier columns stay valid.
    for p in sorted(applied, key=lambda p: (p.fix.span.line, -p.fix.span.column)):
        s = p.fix.span
        line = lines[s.line - 1]
        lines[s.line - 1] = line[: s.column - 1] + p.fix.replacement + line[s.end_column - 1 :]
    return "\n".join(lines), applied


def plan_fixes(problems: list[Problem]) -> list[FileFix]:
    """One FileFix per file that has fixable problems."""
    by_file: dict[tuple, list[Problem]] = {}
    for p in problems:
        info = p.sources.get(p.fix.span.file) if p.fix is not None else None
        if info is not None:
            by_file.setdefault((info.source.real_path or info.source.path, p.fix.span.file), []).append(p)
    plans = []
    for (_, path), items in sorted(by_file.items()):
        info = items[0].sources[path]
        src = info.source
        real = src.real_path or src.path
        try:
            with open(real, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise InputError(f"cannot re-read for --fix: {exc.strerror or exc}", path) from None
        bom = data.startswith(BOM)
        body = data[3:] if bom else data
        try:
            old = body.decode(src.encoding)
        except UnicodeDecodeError:
            continue
        if old != src.text:  # changed since it was linted
            continue
        new, applied = _apply(old, items)
        if applied and new != old:
            plans.append(FileFix(path, real, info.kind, src.encoding, bom, old, new, applied))
    return plans


def write_fix(plan: FileFix) -> None:
    data = (BOM if plan.bom else b"") + plan.new.encode(plan.encoding)
    directory = os.path.dirname(os.path.abspath(plan.real_path))
    mode = os.stat(plan.real_path).st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=".halint-fix-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, plan.real_path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dfd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def unified_diff(plan: FileFix) -> str:
    """The change as a unified diff; quoted lines are redacted like every other output."""
    known = secrets_of_text(plan.old, plan.kind) | secrets_of_text(plan.new, plan.kind)
    old = [redact_line(line, plan.kind, known) + "\n" for line in _split(plan.old)]
    new = [redact_line(line, plan.kind, known) + "\n" for line in _split(plan.new)]
    return "".join(difflib.unified_diff(old, new, f"a/{plan.path.lstrip('/')}", f"b/{plan.path.lstrip('/')}"))
