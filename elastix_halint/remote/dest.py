"""One ``--ssh`` value: where a node is and which folder stands for its ``/``.

Accepted forms (the host part is what ``ssh`` itself accepts, the root is written as rsync does)::

    node1                          root@node1            an ssh_config alias
    node1:/srv/node1-root          root@10.0.0.5:/srv/r  rsync style: host, then :ROOT
    ssh://root@10.0.0.5:2222/srv/r ssh://node1           URL style: optional port, then /ROOT
    [fe80::1%eth0]:/srv/r          root@[::1]            IPv6 in brackets (bare when alone)

The root defaults to ``/`` and means exactly what ``--root`` means locally. A relative root
(``node1:srv``) is refused rather than guessed (rsync would read it from the login's home).
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
from dataclasses import dataclass

from elastix_halint.errors import UsageError

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Dest:
    """A parsed ``--ssh`` value. ``host`` is an IPv6 address without brackets, a name or an alias."""

    host: str
    user: str | None = None
    port: int | None = None
    root: str = "/"
    text: str = ""

    @property
    def label(self) -> str:
        """How messages name the node: ``root@node1``, ``[::1]:2222``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        return user + host + port

    @property
    def live(self) -> bool:
        """The node's own running ``/`` (commands such as ``ip`` describe it)."""
        return self.root == "/"

    def ssh_args(self) -> list[str]:
        """The destination as ``ssh`` arguments (``-l``/``-p`` so no user@ or port is re-parsed)."""
        args = ["-l", self.user] if self.user else []
        if self.port:
            args += ["-p", str(self.port)]
        return args + ["--", self.host]


def parse_dest(value: str) -> Dest:
    """Parse one ``--ssh`` value; a malformed one is a :class:`UsageError` naming it."""
    if not value or _CONTROL.search(value):
        raise UsageError(f"--ssh {value!r}: empty, or contains control characters")
    if value.startswith("ssh://"):
        user, host, port, root = _parse_url(value)
    else:
        user, host, port, root = _parse_rsync(value)
    _check_name(value, host, "host")
    if user is not None:
        _check_name(value, user, "user")
    return Dest(host=host, user=user, port=port, root=_norm_root(value, root), text=value)


def _parse_url(value: str) -> tuple[str | None, str, int | None, str]:
    authority, slash, path = value[len("ssh://"):].partition("/")
    userinfo, at, hostport = authority.rpartition("@")
    host, port = _split_port(value, hostport)
    return (userinfo if at else None), host, port, "/" + path if slash else "/"


def _split_port(value: str, hostport: str) -> tuple[str, int | None]:
    if hostport.startswith("["):
        host, close, rest = hostport[1:].partition("]")
        if not close:
            raise UsageError(f"--ssh {value!r}: '[' without its ']'")
    elif hostport.count(":") > 1:
        raise UsageError(f"--ssh {value!r}: write an IPv6 address in brackets: ssh://[{hostport}]")
    else:
        host, colon, rest = hostport.partition(":")
        rest = colon + rest
    if not rest:
        return host, None
    if not (rest.startswith(":") and rest[1:].isdigit() and rest[1:].isascii() and 0 < int(rest[1:]) < 65536):
        raise UsageError(f"--ssh {value!r}: the port must be a number from 1 to 65535")
    return host, int(rest[1:])


def _parse_rsync(value: str) -> tuple[str | None, str, int | None, str]:
    # A bare IPv6 address (with an optional user) has no root: the whole value is the host.
    user, at, host = value.rpartition("@")
    if ":" in host and _is_ipv6(host):
        return (user if at else None), host, None, "/"
    # Otherwise the root starts at the first ':' after the host, which brackets may enclose
    # (the root itself may hold '@', ':' and brackets).
    colon, bracket = value.find(":"), value.find("[")
    if bracket >= 0 and (colon < 0 or bracket < colon):
        close = value.find("]", bracket)
        if close < 0:
            raise UsageError(f"--ssh {value!r}: '[' without its ']'")
        userpart, host, rest = value[:bracket], value[bracket + 1:close], value[close + 1:]
        if userpart and not userpart.endswith("@") or rest and not rest.startswith(":"):
            raise UsageError(f"--ssh {value!r}: brackets go around an IPv6 address only")
        user, at = userpart[:-1], bool(userpart)
        root = rest[1:] if rest else None
    else:
        userhost, root = (value, None) if colon < 0 else (value[:colon], value[colon + 1:])
        user, at, host = userhost.rpartition("@")
        if "]" in host:
            raise UsageError(f"--ssh {value!r}: brackets go around an IPv6 address only")
    if root is not None and root.startswith(":"):
        raise UsageError(f"--ssh {value!r}: 'host::module' is rsync's daemon syntax; give host:/root")
    if root is not None and root.isdigit():
        raise UsageError(f"--ssh {value!r}: for a port write ssh://{value.rpartition(':')[0]}:{root}")
    if root is not None and not root.startswith("/"):
        raise UsageError(f"--ssh {value!r}: the root after ':' must be an absolute path, e.g. node1:/srv/node1-root")
    return (user if at else None), host, None, root or "/"


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _check_name(value: str, name: str, what: str) -> None:
    if not name:
        raise UsageError(f"--ssh {value!r}: no {what}")
    if any(c.isspace() for c in name):
        raise UsageError(f"--ssh {value!r}: a {what} cannot contain spaces")
    if name.startswith("-"):
        raise UsageError(f"--ssh {value!r}: a {what} cannot start with '-'")
    if what == "host" and ("/" in name or "@" in name):
        raise UsageError(f"--ssh {value!r}: {name!r} is not a host name")


def _norm_root(value: str, root: str) -> str:
    if ".." in root.split("/"):
        raise UsageError(f"--ssh {value!r}: the root cannot contain '..'")
    norm = posixpath.normpath(root)
    return "/" + norm.lstrip("/") if norm.startswith("//") else norm
