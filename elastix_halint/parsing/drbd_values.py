"""Reading drbd.conf values the way drbdadm does: numbers with unit suffixes, booleans,
addresses, devices and meta-disks. Each reader returns the value and a list of problems
``(value, message, suggestion)``; nothing here raises on bad input."""

from __future__ import annotations

import ipaddress
import re

from elastix_halint.model import drbd_keywords as kw
from elastix_halint.model.drbd import Address, Value
from elastix_halint.parsing.drbdadm.numbers import new_strtoll
from elastix_halint.parsing.larkkit import suggest

# ASCII digits and blanks only: regex \d and \s also match other scripts' digits and spaces.
_IPV4 = re.compile(r"([0-9]{1,3}(?:\.[0-9]{1,3}){3}):([0-9]+)$")
_IPV6 = re.compile(r"\[([0-9A-Za-z:.%_-]+)\]:([0-9]+)$")
_DEVICE = re.compile(r"/dev/drbd([0-9]+)$")
_META_INDEX = re.compile(r"(.*?)[ \t]*\[[ \t]*([0-9]+)[ \t]*\]$")
_CONFUSED_DIGITS = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})

Problem = tuple  # (Value, message, suggestion or None)


def number(value: Value, scale: str, to_bytes: bool) -> tuple[int | None, list]:
    """``value`` (``100M``, ``250``, ``2s``, ``512k``) in bytes (``to_bytes``) or in the
    option's unit, read as drbdadm's ``new_strtoll`` reads it: unit suffixes ``k K m M g G s``
    (the tables probed from the binaries list which each version takes), a number rounded up
    to the option's default unit."""
    unit = "1" if scale not in ("k", "K", "s") else scale.lower()
    n = new_strtoll(value.text, unit)
    if n is not None:
        return n * kw.SCALE_BYTES[unit] if to_bytes else n, []
    fixed = value.text.translate(_CONFUSED_DIGITS)
    hint = fixed if new_strtoll(fixed, unit) is not None else None
    return None, [(value, f"`{value.text}` is not a number", hint)]


def boolean(values: tuple[Value, ...], negative: bool) -> tuple[bool | None, list]:
    """8.3 bare flag (``name;`` = yes) or 8.4+ ``name yes|no``; ``no-…`` flags invert."""
    if not values:
        return (not negative), []
    word = values[0].text.lower()
    if word in kw.BOOL_WORDS and len(values) == 1:
        return kw.BOOL_WORDS[word] != negative, []
    return None, [(values[0], f"expected `yes` or `no`, not `{values[0].text}`", suggest(word, ("yes", "no")))]


def address(values: tuple[Value, ...], span) -> tuple[Address | None, list]:
    """``[AF] IP:PORT`` (``ipv6 [ADDR]:PORT``)."""
    if not values:
        return None, []
    family, written = "ipv4", False
    rest = values
    if values[0].text in kw.ADDRESS_FAMILIES:
        family, written, rest = values[0].text, True, values[1:]
    if not rest:
        return None, [(values[0], "an address `IP:PORT` must follow the address family", None)]
    target = rest[0]
    m = _IPV6.match(target.text) if family == "ipv6" else _IPV4.match(target.text)
    if m is None:
        if family != "ipv6" and _IPV6.match(target.text):
            return None, [(target, "an IPv6 address must be written `ipv6 [ADDR]:PORT`", "ipv6 " + target.text)]
        fam_hint = suggest(target.text, kw.ADDRESS_FAMILIES) if ":" not in target.text else None
        if fam_hint:
            return None, [(target, f"unknown address family `{target.text}`", fam_hint)]
        what = "[IPv6]:port" if family == "ipv6" else "IPv4:port (a host name is not accepted)"
        return None, [(target, f"`{target.text}` is not an address of the form {what}", None)]
    ip, port = m.group(1), int(m.group(2))
    problems: list = []
    if not _valid_ip(ip, family):
        problems.append((target, f"`{ip}` is not a valid IP address", None))
    if not 1 <= port <= 65535:
        problems.append((target, f"port {port} is outside 1..65535", None))
    return Address(family, ip, port, span, written), problems


def _valid_ip(ip: str, family: str) -> bool:
    if family != "ipv6":  # the regex already matched four dotted groups of 1-3 digits
        return all(int(octet) <= 255 for octet in ip.split("."))
    try:
        ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return False
    return True


def device(values: tuple[Value, ...]) -> tuple[str | None, int | None, list]:
    """``/dev/drbdN``, ``minor N``, ``/dev/drbd_NAME minor N`` → (path, minor, problems)."""
    path: str | None = None
    minor: int | None = None
    problems: list = []
    words = list(values)
    if words and words[0].text != "minor":
        path = words.pop(0).text
    if words and words[0].text == "minor":
        if len(words) < 2:
            problems.append((words[0], "`minor` must be followed by a number", None))
        else:
            n, probs = number(words[1], "1", False)
            minor = n
            problems += probs
            words = words[2:]
    elif words:
        problems.append((words[0], f"unexpected `{words[0].text}` after the device name", None))
    if path is not None:
        m = _DEVICE.match(path)
        if m and minor is None:
            minor = int(m.group(1))
        elif not m and minor is None:
            tail = path[len("/dev/drbd"):] if path.startswith("/dev/drbd") else ""
            fixed = "/dev/drbd" + tail.translate(_CONFUSED_DIGITS)
            if tail and _DEVICE.match(fixed):
                problems.append((values[0], f"`{path}` is not /dev/drbd<minor>: `{tail}` is not a number", fixed))
            else:
                problems.append((values[0], f"`{path}` is not /dev/drbd<minor>; add `minor N`", None))
    return path, minor, problems


def meta_disk(values: tuple[Value, ...]) -> tuple[str | None, int | None, list]:
    """``internal``, ``DEV``, ``DEV [N]`` or ``DEV[N]`` → (meta_disk, index, problems)."""
    if not values:
        return None, None, []
    text = " ".join(v.text for v in values)
    m = _META_INDEX.match(text)
    if m:
        return m.group(1), int(m.group(2)), []
    if len(values) > 1:
        return values[0].text, None, [(values[1], f"unexpected `{values[1].text}`; an index is written `[N]`", None)]
    return text, None, []
