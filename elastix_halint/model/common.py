"""Model pieces every file kind shares."""

from __future__ import annotations

from elastix_halint.model.record import Record
from elastix_halint.model.span import Span


class Comment(Record):
    """A ``#`` comment, kept so suppressions (``# halint: ignore[ID]``) and ``--fix`` can see it.

    ``text`` is the comment without the leading ``#`` and surrounding blanks.
    """

    text: str
    span: Span

    def to_json(self) -> dict:
        return {"text": self.text, "span": self.span.to_json()}


def comments_json(comments, kind: str, redact: bool, known=()) -> list[dict]:
    """``comments`` for JSON output. With ``redact``, a secret in a comment is replaced: the
    secret of a commented-out statement and any of the file's ``known`` secrets written there."""
    if not redact:
        return [c.to_json() for c in comments]
    from elastix_halint.secrets import redact_comment, secrets_of_text

    known = set(known) | secrets_of_text("\n".join("#" + c.text for c in comments), kind)
    known.discard("")
    return [{"text": redact_comment(c.text, kind, known), "span": c.span.to_json()} for c in comments]
