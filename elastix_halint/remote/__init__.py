"""Reaching nodes with nothing installed on them: the system OpenSSH client, POSIX sh scripts
sent on stdin, and a binary-safe stream coming back (docs/remote.md).

- ``dest``: one ``--ssh`` value → :class:`~elastix_halint.remote.dest.Dest` (host part + root).
- ``shell``: the :class:`~elastix_halint.remote.shell.NodeShell` interface every node-side step
  uses, and :class:`~elastix_halint.remote.shell.LocalShell` (the same scripts, run here).
- ``ssh``: :class:`~elastix_halint.remote.ssh.Connection`, one multiplexed ssh connection per node.
- ``errors``: every ssh failure turned into one line (:class:`~elastix_halint.remote.errors.RemoteError`).
- ``frames``: the framing of what a node sends back (binary, or armoured for Ansible ``raw``).
- ``scripts``: the node-side ``.sh`` files (``scripts.text("collect")``).
- ``nodes``: reach several nodes in parallel.
"""
