"""What Heartbeat 3.0.6's ``resource.d`` wrappers hand a resource agent.

ResourceManager runs ``/etc/ha.d/resource.d/SCRIPT ARGS… ACTION`` (the script and arguments
of a haresources word: :func:`elastix_halint.model.haresources.split_resource`). Most scripts
there are wrappers that cut their arguments further with ``sed`` and export them as
``OCF_RESKEY_*`` variables for the OCF agent; a wrong number of arguments stops them with their
usage text. :func:`wrapped` follows that code, so halint reads ``IPaddr::10.0.30.15//8/eth0:10``
as Heartbeat does: address 10.0.30.15, netmask 8 (``/*`` swallows the doubled slash),
interface ``eth0:10`` — and ``IPaddr::10.0.0.5/24/10.0.0.255``'s numeric third field as the
broadcast address, not an interface. tests/test_hb_wrappers_oracle.py runs the real wrappers
(their argument handling only) on generated words and compares.

Not followed: words with shell pattern characters (``*?[``), backslashes, ``%`` or a field
starting with ``-``, which the wrappers' unquoted ``echo``/``sed`` would expand or misread.
"""

from __future__ import annotations

from elastix_halint.model.record import Record

# Wrappers that export their arguments in order: the argument counts they accept (the action
# excluded) and the variable of each position.
_POSITIONAL = {
    "IPsrcaddr": ((1,), ("ipaddress",)),
    "Xinetd": ((1,), ("service",)),
    "LVM": ((1,), ("volgrpname",)),
    "db2": ((1,), ("instance",)),
    "LinuxSCSI": ((1,), ("scsi",)),
    "Raid1": ((2,), ("raidconf", "raiddev")),
    "ICP": ((2,), ("driveid", "device")),
    "ServeRAID": ((2,), ("serveraid", "mergegroup")),
    "portblock": ((3,), ("protocol", "portno", "action")),
    "MailTo": ((1, 2), ("email", "subject")),
    "Delay": ((0, 1, 2), ("startdelay", "stopdelay")),
    "apache": ((0, 1), ("configfile",)),
}
_ADDRESS = ("IPaddr", "IPaddr2", "IPv6addr", "SendArp")  # one argument, cut at its slashes
_DRBD = ("drbddisk", "drbdupper")
WRAPPERS = frozenset(_POSITIONAL) | frozenset(_ADDRESS) | frozenset(_DRBD) | {"Filesystem"}
_DIGITS = "0123456789"


class Wrapped(Record):
    """What a wrapper does with ``args``: ``variables`` it exports (``OCF_RESKEY_*`` without the
    prefix; for drbddisk/drbdupper ``res``, the DRBD resource it acts on), ``action`` it hands
    on (Heartbeat's, or an argument taken for it: ``drbddisk::r0::x`` runs command ``r0`` on
    ``all``), ``usage``: it stops with its usage text (a wrong number of arguments)."""

    script: str
    args: tuple[str, ...]
    variables: dict
    action: str | None
    usage: bool = False


def _upto_slash(text: str) -> str:
    return text.split("/", 1)[0]


def _after(text: str, prefix: str) -> str:
    """sed ``s%^PREFIX/*%%`` where ``text`` starts with ``PREFIX``."""
    return text[len(prefix):].lstrip("/")


def _ipaddr(arg: str) -> dict:
    """IPaddr/IPaddr2: ``IP[/NETMASK[/NIC[/BROADCAST]]]``, a numeric NIC being the broadcast."""
    out = {"ip": _upto_slash(arg)}
    rest = _after(arg, out["ip"])
    if rest:
        out["cidr_netmask"] = netmask = _upto_slash(rest)
        rest = _after(rest, netmask)
        nic = _upto_slash(rest)
        if nic[:1] and nic[0] in _DIGITS:
            out["broadcast"] = nic
        elif nic:
            out["nic"] = nic
            out["broadcast"] = _upto_slash(_after(rest, nic))
    return out


def _ipv6addr(arg: str) -> dict:
    base = _upto_slash(arg)
    out = {"ipv6addr": base}
    # sed 's%^BASE*%%': the last character of BASE repeated; "." there matches everything.
    rest = arg
    if base:
        rest = "" if base[-1] == "." else arg[len(base) - 1:].lstrip(base[-1])
    if rest:
        out["cidr_netmask"] = netmask = _upto_slash(rest[1:])
        rest = _after(rest, "/" + netmask) if rest.startswith("/" + netmask) else rest
        if _upto_slash(rest):
            out["nic"] = _upto_slash(rest)
    return out


def _address(script: str, arg: str) -> dict:
    if script == "IPv6addr":
        return _ipv6addr(arg)
    if script == "SendArp":  # sed "s%BASEIP/%%": the interface is what follows the first slash
        base = _upto_slash(arg)
        return {"ip": base, "nic": arg[len(base) + 1:] if "/" in arg else arg}
    return {**_ipaddr(arg), "lvs_support": "1" if script == "IPaddr2" else "0"}


def wrapped(script: str, args: tuple[str, ...], action: str = "start") -> Wrapped | None:
    """What wrapper ``script`` makes of ``args`` when Heartbeat asks for ``action``; None for
    a script that is not a wrapper of Heartbeat 3.0.6 (an init script, a custom one)."""
    if script == "drbdupper" and (len(args) != 1 or args[0] == "all"):
        return Wrapped(script, args, {}, None, usage=True)  # "A resource name is required."
    if script in _DRBD:  # RES and CMD from "$#" -eq 2, else RES=all and CMD=$1
        if len(args) == 1:
            return Wrapped(script, args, {"res": args[0]}, action)
        return Wrapped(script, args, {"res": "all"}, args[0] if args else action)
    if script == "Filesystem":  # device, directory, fstype, options shifted while $2 is set
        if len(args) < 2:
            return Wrapped(script, args, {}, None, usage=True)
        names = ("device", "directory", "fstype", "options")
        taken = min(len(args), len(names))
        return Wrapped(script, args, dict(zip(names, args)), args[taken] if len(args) > taken else action)
    if script in _ADDRESS:
        if len(args) != 1:
            return Wrapped(script, args, {}, None, usage=True)
        return Wrapped(script, args, _address(script, args[0]), action)
    if script not in _POSITIONAL:
        return None
    counts, names = _POSITIONAL[script]
    if len(args) not in counts:
        return Wrapped(script, args, {}, None, usage=True)
    return Wrapped(script, args, dict(zip(names, args)), action)
