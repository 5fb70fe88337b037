"""Parsers of captured node facts (command outputs and /proc files), one module per kind.

They follow the contract of ``elastix_halint.parsing``; ``load`` accepts an empty capture (an
empty fact is a fact: "no services listed" differs from "not captured").
"""
