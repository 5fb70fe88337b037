"""The options every remote-capable command takes, defined once.

Use them as parameter defaults and turn the values into a :class:`Remote`::

    from elastix_halint.commands import remote_options as ro

    def my_command(..., ssh: list[str] | None = ro.SSH, ssh_config: str | None = ro.SSH_CONFIG,
                   ssh_option: list[str] | None = ro.SSH_OPTION):
        remote = ro.parse(ssh, ssh_config, ssh_option)   # None when no --ssh was given
        ...  remote.dests (list of Dest), remote.options (SshOptions), remote.connect()

Keep the imports of the remote package inside :func:`parse`: this module is imported on every
start of ``halint``.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at start-up

from elastix_halint.commands.params import Option
from elastix_halint.model.record import Record

if TYPE_CHECKING:
    from elastix_halint.remote.dest import Dest
    from elastix_halint.remote.ssh import SshOptions

SSH = Option(
    None, "--ssh", metavar="DEST",
    help="A node over ssh (repeatable): [user@]host, an ssh_config alias or ssh://[user@]host[:port], "
         "optionally followed by its root folder rsync-style (node1:/srv/root; default /). Nothing is installed on the node.",
)
SSH_CONFIG = Option(None, "--ssh-config", metavar="FILE", help="ssh configuration file (ssh -F FILE).")
SSH_OPTION = Option(
    None, "--ssh-option", metavar="OPT",
    help="ssh option Name=value (repeatable; ssh -o), e.g. HostKeyAlgorithms=+ssh-rsa for a CentOS 5 node.",
)


class Remote(Record):
    dests: "list[Dest]"
    options: "SshOptions"

    def connect(self, open_now: bool = True):
        """Context manager: one open :class:`~elastix_halint.remote.ssh.Connection` per node, in
        the order of --ssh, opened in parallel and closed on every way out (``open_now=False``:
        only logging in; each ``open()`` waits for its login)."""
        from elastix_halint.remote import nodes

        return nodes.connected(self.dests, self.options, open_now)


def parse(ssh: list[str] | None, ssh_config: str | None, ssh_option: list[str] | None) -> Remote | None:
    """The parsed options, None without --ssh; UsageError for malformed ones."""
    from elastix_halint.errors import UsageError

    if not ssh:
        if ssh_config or ssh_option:
            raise UsageError("--ssh-config and --ssh-option need --ssh DEST")
        return None
    from elastix_halint.remote.dest import parse_dest
    from elastix_halint.remote.ssh import SshOptions

    options = SshOptions(ssh_config, tuple(ssh_option or ()))
    options.check()
    return Remote([parse_dest(value) for value in ssh], options)
