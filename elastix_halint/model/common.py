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
