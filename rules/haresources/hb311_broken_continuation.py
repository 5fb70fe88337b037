from __future__ import annotations

from elastix_halint.builtin.haresources._helpers import HARESOURCES
from elastix_halint.lint.rule import Finding, Rule, Severity
from elastix_halint.model.haresources import BACKSLASH_EOF, BACKSLASH_SPACE, COMMENT_IN_CONTINUATION, STRAY_BACKSLASH


_CONTINUATION_HINTS = {
    BACKSLASH_SPACE: "remove the blanks after the backslash (or the backslash, to end the group here)",
    BACKSLASH_EOF: "remove the backslash from the last line",
    COMMENT_IN_CONTINUATION: "move the comment to a line of its own, before the group",
    STRAY_BACKSLASH: "remove the lone backslash",
}


class BrokenContinuation(Rule):
    """A backslash that does not do what it looks like.

    ## What it checks
    Blanks after a continuation backslash (not a continuation: the group is split), a
    backslash on the last line, a `#` on a continued line (not stripped: the words become
    resources), a lone `\\` mid-line (a resource named `\\`).

    ## Why it matters
    ResourceManager joins lines with `sed '/\\\\$/N'`: only a backslash that ends the line
    continues it; the rest of the group becomes a new group whose "node" is a resource name,
    and the resources after it never start (ResourceManager `ipres()`).

    ## Example
    ```
    node1 drbddisk::r0 \\   <- a blank after the backslash
        Filesystem::/dev/drbd0::/replica::ext3 mysqld
    ```

    ## Fix
    End continued lines with the backslash itself; keep comments on lines of their own.
    """

    id = "HB311"
    name = "broken-continuation"
    severity = Severity.WARNING
    kinds = HARESOURCES

    def check_file(self, model, ctx):
        # "\\ " at a line end is both a backslash-space and a lone-backslash resource: say it once.
        spaced = {n.span for n in model.notes if n.kind == BACKSLASH_SPACE}
        for note in model.notes:
            if note.kind == STRAY_BACKSLASH and note.span in spaced:
                continue
            yield Finding(note.span, note.message, hint=_CONTINUATION_HINTS.get(note.kind, "remove the backslash"))
