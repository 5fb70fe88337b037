"""elastix-halint: lint, snapshot and repair two-node DRBD + Heartbeat clusters.

Nothing heavy is imported here: `halint --format json` and `halint parse` must start fast,
so lark, rich and typer are imported by the code that needs them, when it needs them.
"""

__version__ = "0.1.0"
