"""Every way reaching a node can fail, as one line (exit code 2): the ONE place that reads
OpenSSH's messages (their exact wording: ../shared/NODES.md §4, OpenSSH 9.x ``ssherr.c``,
``packet.c``, ``sshconnect.c``).

``ssh_failure(label, log)`` turns what ``ssh`` wrote on stderr (``-v`` debug lines included)
into a :class:`RemoteError` whose message says what happened and what to do about it; the
legacy-algorithm case prints the exact ``--ssh-option`` values and ``~/.ssh/config`` lines.
"""

from __future__ import annotations

import re

from elastix_halint.errors import HalintError


class RemoteError(HalintError):
    """A node could not be reached or could not do its part: one line, exit code 2."""


class RemoteErrors(RemoteError):
    """Several nodes failed at once: one line each (``halint: error: `` added to every line after
    the first, so each line reads like a single error)."""

    def __init__(self, errors: list[RemoteError]):
        self.errors = errors
        super().__init__("\nhalint: error: ".join(str(e) for e in errors))


def no_usable_answer(label: str, err: bytes, why, source: str = "the node") -> RemoteError:
    """A node whose answer could not be read (a stream cut short, bytes that are not frames):
    one line, with the last line it wrote on stderr when there is one (the shell's own words:
    a command not found, a full disk), else ``why``."""
    said = err.decode("utf-8", "replace").strip().splitlines()
    return RemoteError(f"{label}: no usable answer from {source} ({said[-1] if said else why})")


def missing_command(label: str, command: str, step: str) -> RemoteError:
    """The node lacks a command a step needs (found by the script's ``command -v`` probe)."""
    return RemoteError(f"{label}: the node has no '{command}' command, which {step} needs (see docs/remote.md)")


# Client-side algorithm names that a modern client disables but still has, best first: what to
# suggest when an old sshd offers only these (NODES.md §4: prefer fixed group14 over gex-sha1).
_LEGACY_KEX = ("diffie-hellman-group14-sha1", "diffie-hellman-group-exchange-sha1", "diffie-hellman-group1-sha1")
_LEGACY_HOSTKEY = ("ssh-rsa", "ssh-dss")
_NEGOTIATE = re.compile(
    r"Unable to negotiate with (?P<where>.+?): no matching (?P<what>key exchange method|host key type|cipher|MAC) found\. Their offer: (?P<offer>\S+)"
)
_OPTION = {"key exchange method": "KexAlgorithms", "host key type": "HostKeyAlgorithms", "cipher": "Ciphers", "MAC": "MACs"}
_OFFENDING = re.compile(r"Offending \S+ key in (\S+?):(\d+)")
_REMOTE_VERSION = re.compile(r"remote software version (\S+)")


def _pick(offer: list[str], preferred: tuple[str, ...]) -> str:
    return next((name for name in preferred if name in offer), offer[0])


def legacy_options(what: str, offer: list[str]) -> list[str]:
    """The ``-o`` values that let this client talk to a server offering only ``offer`` for ``what``."""
    option = _OPTION[what]
    if what == "key exchange method":
        # A server this old (OpenSSH 4.3 / 5.3) also signs only with ssh-rsa.
        return [f"{option}=+{_pick(offer, _LEGACY_KEX)}", "HostKeyAlgorithms=+ssh-rsa", "PubkeyAcceptedAlgorithms=+ssh-rsa"]
    if what == "host key type":
        return [f"{option}=+{_pick(offer, _LEGACY_HOSTKEY)}", "PubkeyAcceptedAlgorithms=+ssh-rsa"]
    return [f"{option}=+{offer[0]}"]


def _how_to(options: list[str], host: str) -> str:
    flags = " ".join(f"--ssh-option {o}" for o in options)
    config = "; ".join(o.replace("=", " ", 1) for o in options)
    return f"add {flags} (or in ~/.ssh/config under 'Host {host}': {config})"


def _lines(log: str) -> list[str]:
    return [line.strip() for line in log.splitlines() if line.strip() and not line.startswith("debug")]


def ssh_failure(label: str, host: str, log: str, rc: int | None = None) -> RemoteError:
    """One line saying why ``ssh`` could not log in to ``label`` (``log``: its stderr)."""
    lines = _lines(log)
    text = "\n".join(lines)
    said = _last_said(lines)
    version = _REMOTE_VERSION.search(log)
    server = f" (server {version.group(1)})" if version else ""

    if "REMOTE HOST IDENTIFICATION HAS CHANGED" in text:
        where = _OFFENDING.search(text)
        recorded = f" recorded in {where.group(1)} line {where.group(2)}" if where else ""
        return RemoteError(
            f"{label}: the node's host key has CHANGED since it was{recorded or ' recorded'} (a reinstalled node, "
            f"or someone in the middle); halint never accepts a changed key: check it, then 'ssh-keygen -R {host}' and connect once with ssh"
        )
    m = _NEGOTIATE.search(text)
    if m:
        # Not algorithms: markers of protocol extensions (strict kex, ext-info).
        offer = [a for a in m.group("offer").split(",") if not a.startswith(("kex-strict-", "ext-info-"))] or ["?"]
        what = m.group("what")
        return RemoteError(
            f"{label}: the node's sshd{server} offers only legacy {what}s that this ssh client disables "
            f"(their offer: {','.join(offer)}); {_how_to(legacy_options(what, offer), host)}"
        )
    if "Host key verification failed" in text:
        return RemoteError(
            f"{label}: the node's host key is not in known_hosts and strict host key checking is on; verify its "
            f"fingerprint and add it (connect once with 'ssh {host}', or ssh-keyscan into known_hosts)"
        )
    if "Could not resolve hostname" in text:
        return RemoteError(f"{label}: unknown host ({said})")
    for needle, what in (
        ("Connection refused", "connection refused: no sshd listening there"),
        ("timed out", "connection timed out"),
        ("Timeout, server", "connection timed out"),
        ("No route to host", "no route to host"),
        ("Network is unreachable", "network unreachable"),
    ):
        if needle in text:
            return RemoteError(f"{label}: {what} ({said})")
    if "Permission denied" in text:
        hint = ""
        if "no mutual signature algorithm" in log:
            hint = f"; the node{server} accepts only ssh-rsa signatures for your key: {_how_to(['PubkeyAcceptedAlgorithms=+ssh-rsa'], host)}"
        return RemoteError(f"{label}: authentication failed ({said}); halint logs in with keys or an agent only (BatchMode){hint}")
    if "error in libcrypto" in text:
        return RemoteError(
            f"{label}: this machine's crypto policy refuses the node's SHA-1 signatures ({said}); on RHEL 9 family "
            "runners: update-crypto-policies --set DEFAULT:SHA1"
        )
    for needle in ("Bad configuration option", "command-line line", "Can't open user config file", "Unsupported option",
                   "no argument after keyword", "terminating, "):
        if needle in text:
            return RemoteError(f"{label}: bad ssh configuration ({said}); check --ssh-config and --ssh-option")
    if said:
        return RemoteError(f"{label}: ssh failed ({said})")
    return RemoteError(f"{label}: ssh failed (exit status {rc})" if rc is not None else f"{label}: ssh failed")


# What ``ssh -v`` prints on every connection (its version, the login, the closing figures):
# never the reason one was lost.
_CHATTER = ("OpenSSH_", "Authenticated to ", "Transferred: ", "Bytes per second: ")


def lost(label: str, log: str) -> RemoteError:
    """The connection went away while a step ran on the node."""
    said = _last_said([line for line in _lines(log) if not line.startswith(_CHATTER)])
    return RemoteError(f"{label}: the connection to the node was lost" + (f" ({said})" if said else ""))


def _last_said(lines: list[str]) -> str:
    """The most telling line ssh printed, without warnings and banners."""
    for line in reversed(lines):
        if line.startswith("@") or line.startswith("Warning: Permanently added") or line.startswith("Pseudo-terminal"):
            continue
        return line.removeprefix("ssh: ")
    return ""
