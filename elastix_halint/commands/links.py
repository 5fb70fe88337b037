"""Commands of this family are registered here (see elastix_halint/cli.py)."""


def register(app) -> None:
    """Nothing registered yet."""
