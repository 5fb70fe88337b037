"""The lint engine: rules (``rule.py``), their registry, selection, suppression and the run.

Rule modules import only ``elastix_halint.lint.rule``; everything else is the engine's business.
"""
