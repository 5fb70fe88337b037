"""Numbers and addresses read the way drbd-utils' C code reads them (``new_strtoll``, ``atoi``,
``dt_minor_of_dev``, ``addr_scope_local``): the emulator's value checks depend on these
exact readings, not on Python's.
"""

from __future__ import annotations

LIMIT = 2**64 - 1


_SHIFT = {"k": 10, "K": 10, "m": 20, "M": 20, "g": 30, "G": 30, "s": 9}


_SCALE_SHIFT = {"1": 0, "k": 10, "s": 9}


def new_strtoll(text: str, scale: str, suffixes: str = "kKmMgGs") -> int | None:
    """drbd-utils' ``new_strtoll``: ``sscanf("%llu%c%c")`` — blanks, a sign (a minus wraps
    around), digits (too many saturate), at most one unit letter — rounded up to ``scale``."""
    i, n = 0, len(text)
    while i < n and text[i] in " \t\n\v\f\r":
        i += 1
    sign = ""
    if i < n and text[i] in "+-":
        sign, i = text[i], i + 1
    j = i
    while j < n and text[j].isdigit() and text[j] < "\x80":
        j += 1
    if j == i or n - j > 1:
        return None
    value = min(int(text[i:j]), LIMIT)
    if sign == "-":
        value = (-value) % (LIMIT + 1)
    unit = text[j:]
    if not unit:
        return value
    if unit not in suffixes or unit not in _SHIFT:
        return None
    shift = _SHIFT[unit] - _SCALE_SHIFT[scale]
    if shift < 0:
        return (value + (1 << -shift) - 1) >> -shift
    return value << shift if value <= LIMIT >> shift else None


def atoi(text: str) -> int:
    digits = ""
    for ch in text.lstrip(" \t"):
        if not ch.isdigit():
            break
        digits += ch
    return int(digits) if digits else 0


def minor_of_dev(device: str) -> int:
    """drbd-utils ``dt_minor_of_dev`` without a device node: digits, or /dev/drbdN; else -1."""
    tail = device
    if not device.isdigit():
        if device.startswith("/dev/drbd") and device[9:].isdigit():
            tail = device[9:]
        else:
            return -1
    value = int(tail)
    if value >= 2**63:
        return -1
    value &= 0xFFFFFFFF
    return value - 2**32 if value >= 2**31 else value


def addr_scope_local(addr: str) -> bool:
    """A loopback address (``inet_pton`` and ``IN_IS_ADDR_LOOPBACK``)."""
    if addr.startswith("127."):
        import ipaddress

        try:
            return ipaddress.ip_address(addr).is_loopback
        except ValueError:
            return False
    if ":" not in addr:
        return False
    import ipaddress

    try:
        return ipaddress.ip_address(addr).is_loopback
    except ValueError:
        return False


def canonical_ip(af: str, addr: str) -> str:
    import ipaddress

    if af in ("ipv4", "ipv6"):
        try:
            return str(ipaddress.ip_address(addr))
        except ValueError:
            return addr
    return addr
