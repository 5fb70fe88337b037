"""drbdadm's parts composed into one run (see the package's docstring)."""

from __future__ import annotations

from elastix_halint.parsing.drbdadm.addresses import Addresses
from elastix_halint.parsing.drbdadm.connections import Connections
from elastix_halint.parsing.drbdadm.hosts import Hosts
from elastix_halint.parsing.drbdadm.options import Options
from elastix_halint.parsing.drbdadm.postparse import PostParse
from elastix_halint.parsing.drbdadm.postparse9 import PostParse9
from elastix_halint.parsing.drbdadm.reader import Reader
from elastix_halint.parsing.drbdadm.resources import Resources
from elastix_halint.parsing.drbdadm.volumes import Volumes


class Emulator(Reader, Options, Addresses, Volumes, Hosts, Resources, Connections, PostParse, PostParse9):
    """One drbdadm run (``dump all``) of ``version`` over a configuration: ``run(source)`` gives
    its :class:`Verdict`.

    ``include(pattern, source)`` gives the files an ``include`` statement of ``source`` (a
    SourceFile) names, as ``[(real_path, source_or_None)]`` in drbdadm's glob order (None:
    cannot be opened); ``hostname``: the machine drbdadm runs on."""
