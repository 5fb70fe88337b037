"""Helpers and constants several meta rules share."""

from __future__ import annotations

from elastix_halint.lint.rule import Rule


class ParserDiagnostic(Rule):
    """Base of the parser-diagnostic rules: the engine reports them, the rule only documents."""

    scope = "run"

    def check_run(self, run, ctx):
        return ()
