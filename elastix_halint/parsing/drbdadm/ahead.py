"""drbdadm's verdicts on a large file, worked out in a forked process while halint parses it.

The emulations of drbdadm 8.3, 8.4 and 9 read the whole text again, each on its own: on a
400-resource drbd.conf they are ~40% of a ``halint parse`` and do not need halint's model. So
when the file is large and a second CPU is there, a child forked at the start of the parse
(``elastix_halint.forked``) works all three out while this process builds the model.

One input is not known yet then: drbdadm-83 is judged as run on the node named most often in
the model's ``on`` sections. The child takes the name its own 8.3 reading finds most often
(``Reader`` with ``hostname=None``) and says which; its 8.3 verdict is used only when that is
the name the model gives, else 8.3 is worked out again here. Anything the child could not do
(killed, an error) is worked out here when asked for, as without it: the verdicts are the
same either way (tests/test_drbdadm_ahead.py compares them on the corpus).
"""

from __future__ import annotations

import os

from elastix_halint import forked

# Below this size (bytes of the entry file) the three emulations take less than the fork.
MIN_BYTES = 32 * 1024

# Work a command has for the parse of a large file, done while the child works instead of
# after it: callables ``(source, resources)``, run when the parse is ready to wait for the
# verdicts (``halint parse --format json`` writes the resources' JSON then).
meanwhile: list = []


# Children started before their parse asked (:func:`prestart`): (path shown, real path, root)
# -> (the text judged, Ahead); and the process that started them (a forked worker inherits
# the table, not the children).
_started: dict = {}
_owner: list = [0]


def _pays(text: str) -> bool:
    return len(text) >= MIN_BYTES and forked.cpus() >= 2 and forked.available()


def _key(source, root: str | None) -> tuple:
    """What a prestarted child and its parse must agree on: the names the file is read under."""
    return source.path, os.path.realpath(source.real_path or source.path), root


def start(source, include, root: str | None = None) -> "Ahead | None":
    """An ``Ahead`` for ``source`` (its includes read under ``root``) when it pays, else None:
    the one :func:`prestart` started for this very text, if any."""
    early = None
    if _owner[0] == os.getpid():
        early = _started.pop(_key(source, root), None)
    stop_unused()  # a guess that missed only takes a CPU from this parse's child
    if early is not None and early[0] == source.text:
        return early[1]
    if early is not None:
        early[1].stop()
    if not _pays(source.text):
        return None
    return Ahead(source, include)


def prestart(real: str, shown: str, root: str | None = None) -> None:
    """Start judging the drbd.conf a parse will read as ``shown`` (includes under ``root``)
    now, when it pays: ``halint lint`` does before it loads its rules (~130M instructions
    that the child would otherwise wait for). The parse takes the child if it reads the same
    text under the same names (:func:`start`); anything else stops it."""
    from elastix_halint.errors import InputError
    from elastix_halint.parsing.drbd_includes import includer
    from elastix_halint.source import read_source

    try:
        source = read_source(real, shown)
    except (InputError, ValueError, OSError):  # the parse will say what is wrong, as always
        return
    if _pays(source.text):
        stop_unused()
        _started[_key(source, root)] = (source.text, Ahead(source, includer(root)))
        _owner[0] = os.getpid()


def stop_unused() -> None:
    """Stop the children :func:`prestart` started that no parse took."""
    mine = _owner[0] == os.getpid()
    while _started:
        child = _started.popitem()[1][1]
        if mine:
            child.stop()


class Ahead:
    def __init__(self, source, include):
        self._child = forked.Forked(lambda: _judge_all(source, include))

    def stop(self) -> None:
        self._child.stop()

    def verdicts(self, node83: str, *context) -> dict:
        """Version -> Verdict, as far as the child's are right for ``node83``; the
        :data:`meanwhile` jobs are given ``context`` first."""
        for job in meanwhile:
            job(*context)
        try:
            guessed, done = self._child.result()
        except Exception:  # noqa: BLE001 - worked out here instead, where it shows as it would
            return {}
        if guessed != node83:
            done.pop("8.3", None)
        return done


def _judge_all(source, include) -> tuple[str, dict]:
    from elastix_halint.parsing.drbdadm.emulator import Emulator
    from elastix_halint.parsing.drbdadm.verdict import Verdicts

    done = {}
    guessed = ""
    for version in Verdicts.VERSIONS:
        emulator = Emulator(version, include, None if version == "8.3" else "")
        done[version] = emulator.run(source)
        if version == "8.3":
            guessed = emulator.hostname
    return guessed, done
