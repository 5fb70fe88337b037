"""Typed model of Heartbeat's ``/etc/ha.d/authkeys``.

``auth N`` selects the signing key; ``N METHOD [KEY]`` lines define keys. Heartbeat reads the
file top to bottom and selects key N only when its line comes *after* ``auth N`` (auth.c), so
the model keeps every line in order with its span. Secrets never leave the model unredacted
unless asked (``to_json(redact=False)``).
"""

from __future__ import annotations

from elastix_halint.model.common import Comment, comments_json
from elastix_halint.model.record import Record
from elastix_halint.model.span import Span
from elastix_halint.parsing.larkkit import suggest
from elastix_halint.parsing.result import REDACTED
from elastix_halint.secrets import is_marker

METHODS = ("crc", "md5", "sha1")
KEYED_METHODS = ("md5", "sha1")  # crc takes no key
MAX_INDEX = 15  # Heartbeat's MAXAUTH is 16: indexes 0..15 (authkeys(5) documents 1..15)


class AuthDirective(Record):
    """``auth N``: ``index`` is None when N is not a number."""

    index: int | None
    index_span: Span | None
    span: Span

    def to_json(self) -> dict:
        return {
            "index": self.index,
            "index_span": self.index_span.to_json() if self.index_span else None,
            "span": self.span.to_json(),
        }


class Key(Record):
    """``N METHOD [KEY]``. ``secret`` is None when the line has no key (right for crc).

    A secret may be a collected-bundle marker (:func:`elastix_halint.secrets.is_marker`): equal
    secrets give equal markers, so comparisons still work without the secret.
    """

    index: int | None
    index_span: Span
    method: str
    method_span: Span
    secret: str | None
    secret_span: Span | None
    span: Span

    @property
    def known_method(self) -> bool:
        return self.method in METHODS

    @property
    def secret_is_marker(self) -> bool:
        return self.secret is not None and is_marker(self.secret)

    def shown_method(self, redact: bool) -> str:
        """The method, unless it may be a key typed without its method (``1 MySecret``)."""
        if not redact or self.known_method or suggest(self.method, METHODS):
            return self.method
        return REDACTED

    def shown_secret(self, redact: bool) -> str | None:
        if self.secret is None:
            return None
        return REDACTED if redact else self.secret

    def to_json(self, redact: bool = True) -> dict:
        return {
            "index": self.index,
            "index_span": self.index_span.to_json(),
            "method": self.shown_method(redact),
            "method_span": self.method_span.to_json(),
            "secret": self.shown_secret(redact),
            "secret_is_marker": self.secret_is_marker,
            "secret_span": self.secret_span.to_json() if self.secret_span else None,
            "span": self.span.to_json(),
        }


class AuthKeys(Record):
    auth: AuthDirective | None  # the first ``auth`` line
    keys: tuple[Key, ...]
    comments: tuple[Comment, ...] = ()
    auth_directives: tuple[AuthDirective, ...] = ()  # every ``auth`` line (more than one: HB202)

    def key(self, index: int) -> Key | None:
        """The last definition of key ``index`` (a later line overrides an earlier one)."""
        found = [k for k in self.keys if k.index == index]
        return found[-1] if found else None

    @property
    def selected(self) -> Key | None:
        """The key ``auth`` selects, as Heartbeat would find it (defined after the auth line)."""
        if self.auth is None or self.auth.index is None:
            return None
        found = [k for k in self.keys if k.index == self.auth.index and k.span.line > self.auth.span.line]
        return found[-1] if found else None

    def secret_values(self) -> set[str]:
        """Every key of the file (and a method word that may be a key typed without its method)."""
        found = {k.secret for k in self.keys if k.secret}
        found |= {k.method for k in self.keys if not k.known_method and not suggest(k.method, METHODS)}
        return found

    def to_json(self, redact: bool = True) -> dict:
        sel = self.selected
        return {
            "auth": self.auth.to_json() if self.auth else None,
            "auth_directives": [a.to_json() for a in self.auth_directives],
            "keys": [k.to_json(redact) for k in self.keys],
            "selected": sel.index if sel else None,
            "comments": comments_json(self.comments, "authkeys", redact, self.secret_values()),
        }

    def summary(self, redact: bool = True) -> list[str]:
        lines = [f"auth: {self.auth.index if self.auth else '(missing)'}"]
        for k in self.keys:
            shown = k.shown_secret(redact)
            lines.append(f"key {k.index}: {k.shown_method(redact)}" + (f" {shown}" if shown is not None else " (no key)"))
        return lines
