"""One module per command family; each exposes ``register(app)``. Keep imports inside the command
bodies: this package is imported on every start of ``halint``."""
