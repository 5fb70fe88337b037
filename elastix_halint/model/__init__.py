"""Typed model of a cluster: every node of it carries a :class:`~elastix_halint.model.span.Span`."""
