"""Shared parser plumbing: each grammar's LALR parser once a process (parsing/lalr.py runs the
tables Lark builds), Lark-style positions into spans, the keyword a typo meant."""

from __future__ import annotations

import functools
TYPE_CHECKING = False  # typing costs ~4 ms at every start; these names are only annotations
if TYPE_CHECKING:
    from typing import Iterable

from elastix_halint.model.span import Span

# OCR and typing confusions seen in real configs (the Elastix HOWTO: after-sb-Opri, shal, rO).
_CONFUSABLE = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})


@functools.cache
def grammar_parser(grammar_file: str, transformer=None):
    """The LALR parser of ``grammars/<grammar_file>``, once per process (and transformer): the
    tables written into the wheel when they match the grammar, else built by Lark here."""
    from elastix_halint.parsing.lalr import Parser
    from elastix_halint.parsing.lalr_tables import tables

    return Parser(tables(grammar_file), transformer)


@functools.lru_cache(maxsize=16384)
def parse_line_text(grammar_file: str, text: str):
    """The tree of one line of a line-oriented format (ha.cf, hosts, command outputs...).

    A line's tree depends on its text alone, and lines repeat: both nodes of a cluster and a
    fleet's bundles hold the same ``chkconfig``, ``ip addr`` and ``ha.cf`` lines, so each text is
    parsed once. The trees are shared: read them, never change them. No ``meta`` positions
    (callers place tokens by their own ``column``/``start_pos`` on their line); a line that does
    not parse raises ``lalr.UnexpectedInput`` every time (errors are not cached).
    """
    return grammar_parser(grammar_file).parse_text(text)


def span_of(file: str, item) -> Span:
    """Span of a ``Token`` (anything with Lark's position attributes)."""
    return Span(file, item.line, item.column, item.end_line, item.end_column)


def suggest(word: str, candidates: Iterable[str], cutoff: float = 0.75) -> str | None:
    """The candidate ``word`` most likely meant, or None.

    Tries the OCR/typing confusions first (``after-sb-lpri`` → ``after-sb-1pri``,
    ``shal`` → ``sha1``), then a difflib close match.
    """
    cands = list(dict.fromkeys(candidates))
    if not cands or word in cands:
        return None
    lower = {c.lower(): c for c in cands}
    if word.lower() in lower:
        return lower[word.lower()]
    # Replace confusable letters one class at a time, and all at once.
    variants = {word.translate(_CONFUSABLE)}
    for bad, good in (("O", "0"), ("o", "0"), ("l", "1"), ("I", "1"), ("|", "1")):
        variants.add(word.replace(bad, good))
    for v in variants:
        if v in cands:
            return v
    import difflib

    match = difflib.get_close_matches(word, cands, n=1, cutoff=cutoff)
    return match[0] if match else None
