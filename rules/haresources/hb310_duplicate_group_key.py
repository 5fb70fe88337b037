from __future__ import annotations

from elastix_halint.builtin.haresources._helpers import HARESOURCES
from elastix_halint.lint.rule import Finding, Rule, Severity


class DuplicateGroupKey(Rule):
    """Two groups start with the same resource.

    ## What it checks
    The first resource of every group (ResourceManager's key, a bare IP read as
    `IPaddr::IP`) is unique in the file.

    ## Why it matters
    "The first resource on the line must be unique in the haresources file" (ResourceManager):
    Heartbeat addresses groups by that key, so the second group is started and stopped as the
    first one.

    ## Example
    ```
    node1 IPaddr::10.0.0.5 mysqld
    node2 IPaddr::10.0.0.5 httpd
    ```

    ## Fix
    Merge the groups or give each a different first resource.
    """

    id = "HB310"
    name = "duplicate-group-key"
    severity = Severity.ERROR
    kinds = HARESOURCES

    def check_file(self, model, ctx):
        seen = {}
        for g in model.groups:
            if g.key is None:
                continue
            first = seen.setdefault(g.key.canonical, g.key)
            if first is not g.key:
                yield Finding(g.key, f"{g.key.text} already starts the group of line {first.span.line}; group keys "
                                     "must be unique", related=(first,), hint="merge the two groups")
