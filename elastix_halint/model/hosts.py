"""Typed model of ``/etc/hosts``: ``ADDRESS NAME [ALIAS...]`` per line, ``#`` comments.

Lookups follow glibc's files backend: names compare case-insensitively and every matching
line counts, in file order. Lines whose address glibc cannot parse are not entries (the
parser reports them).
"""

from __future__ import annotations

import functools
import ipaddress

from elastix_halint.model.common import Comment, comments_json
from elastix_halint.model.record import Record
from elastix_halint.model.span import Span


class Name(Record):
    text: str
    span: Span

    def to_json(self) -> dict:
        return {"text": self.text, "span": self.span.to_json()}


class HostsEntry(Record):
    address: str
    address_span: Span
    names: tuple[Name, ...]
    span: Span
    family: int  # 4 or 6

    @property
    def is_loopback(self) -> bool:
        """127.0.0.0/8 or ::1 (a node name here resolves to the node itself: NODE100)."""
        return _is_loopback(self.address)

    def has_name(self, name: str) -> bool:
        low = name.lower()
        return any(n.text.lower() == low for n in self.names)

    def to_json(self) -> dict:
        return {
            "address": self.address,
            "address_span": self.address_span.to_json(),
            "family": self.family,
            "loopback": self.is_loopback,
            "names": [n.to_json() for n in self.names],
            "span": self.span.to_json(),
        }


class HostsFile(Record):
    entries: tuple[HostsEntry, ...]
    comments: tuple[Comment, ...] = ()

    def entries_for(self, name: str) -> tuple[HostsEntry, ...]:
        return tuple(e for e in self.entries if e.has_name(name))

    def lookup(self, name: str) -> tuple[str, ...]:
        """Addresses of ``name`` in file order (the first is what ``gethostbyname`` returns)."""
        return tuple(dict.fromkeys(e.address for e in self.entries_for(name)))

    def names_for(self, address: str) -> tuple[str, ...]:
        """Names on the lines of ``address`` (compared as addresses, so ``::1`` = ``0::1``)."""
        want = normal_ip(address)
        return tuple(n.text for e in self.entries if normal_ip(e.address) == want for n in e.names)

    def to_json(self, redact: bool = True) -> dict:
        return {"entries": [e.to_json() for e in self.entries], "comments": comments_json(self.comments, "hosts", redact)}

    def summary(self, redact: bool = True) -> list[str]:
        return [f"{e.address}: {' '.join(n.text for n in e.names) or '(no names)'}" for e in self.entries]


@functools.lru_cache(maxsize=1024)
def _is_loopback(address: str) -> bool:
    # Cached: rules ask it of every entry for every node name they look up.
    return ipaddress.ip_address(address.split("%")[0]).is_loopback


@functools.lru_cache(maxsize=1024)
def normal_ip(address: str) -> str:
    """An address in its canonical spelling (IPv6 compressed and lower-case, a ``%scope``
    dropped), or the text as it is when it is no address. Cached: rules compare every address
    of a node to each address they check."""
    try:
        return str(ipaddress.ip_address(address.split("%")[0]))
    except ValueError:
        return address
