from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import FileRule, closest_word, first_value
from elastix_halint.lint.rule import Finding, Severity


class DiscardNodeUnknown(FileRule):
    """`after-sb-0pri discard-node-NAME` names a node the resource does not have.

    ## What it checks
    NAME is one of the names of the resource's `on` sections.

    ## Why it matters
    drbdadm rejects it ("the nodename in the 'discard-node-…' option is not known"); a
    misspelt name means the split-brain policy never works (drbd-utils 8.3 `drbdadm_main.c`).

    ## Example
    ```
    after-sb-0pri discard-node-voipbakup.drbd;
    ```

    ## Fix
    Use the `uname -n` of one of the two nodes, as written in its `on` section.
    """

    id = "DRBD110"
    name = "discard-node-unknown"
    severity = Severity.ERROR

    def check_file(self, model, ctx):
        for res in model.resources:
            opt = res.net.get("after-sb-0pri")
            word = first_value(opt) or ""
            if not word.startswith("discard-node-"):
                continue
            node = word[len("discard-node-"):]
            names = [n for h in res.hosts for n in h.names]
            if names and node not in names:
                guess = closest_word(node, names)
                yield Finding(opt.values[0].span, f"`{word}` names `{node}`, which is not a host of resource `{res.name}` "
                                                  f"({', '.join(names)})",
                              suggestion=f"discard-node-{guess}" if guess else None,
                              hint=f"did you mean `discard-node-{guess}`?" if guess else "name one of the `on` hosts")
