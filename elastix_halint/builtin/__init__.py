"""Built-in rule plugins.

The family packages (one module per rule) are written in the top-level ``rules/`` folder of the
source tree. A wheel copies them into this package (``force-include`` in pyproject.toml); in a
source checkout (editable install, or tests run from the tree) we extend this package's search
path to ``rules/`` so the entry points ``elastix_halint.builtin.<family>`` and their rule
modules resolve in both cases.
"""

import os as _os

_repo = _os.path.dirname(_os.path.dirname(_os.path.dirname(_os.path.abspath(__file__))))
_checkout_rules = _os.path.join(_repo, "rules")
if _os.path.isfile(_os.path.join(_repo, "pyproject.toml")) and _os.path.isdir(_checkout_rules):
    __path__.append(_checkout_rules)  # noqa: F821 - __path__ is defined for packages
