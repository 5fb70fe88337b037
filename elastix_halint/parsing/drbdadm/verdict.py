"""What one drbdadm says of a configuration (:class:`Verdict`), the three versions' verdicts
worked out when asked for (:class:`Verdicts`), and the kinds of error.
"""

from __future__ import annotations

from elastix_halint.model.record import Record


SYNTAX, VALUE, SEMANTIC, INCLUDE = "syntax", "value", "semantic", "include"


class Verdict(Record):
    """``ok``, or the first error: ``file`` and ``line`` as drbdadm prints them (``line`` None
    when drbdadm names no line), its ``message``, and its ``kind``: ``syntax`` (the scanner or
    parser stops), ``include`` (a file it cannot open), ``value`` (a value or range check),
    ``semantic`` (a conflict, a missing statement, volumes, connections). ``depends``: the
    verdict hangs on the machine (a module version requirement)."""

    version: str
    ok: bool
    file: str | None = None
    line: int | None = None
    message: str = ""
    kind: str = ""
    depends: bool = False
    column: int = 1
    # Where the statement really is, when drbdadm prints another place (it names the entry
    # file, not the included one, for a DRBD 9 connection's host it cannot resolve) or none
    # (``line`` None: the statement it read last).
    real_file: str | None = None
    real_line: int | None = None

    def to_json(self) -> dict:
        return {"ok": self.ok, "file": self.file, "line": self.line, "column": self.column, "message": self.message,
                "kind": self.kind or None, "depends_on_machine": self.depends, "real_file": self.real_file,
                "real_line": self.real_line}


class Verdicts:
    """The verdicts of drbdadm 8.3, 8.4 and 9 on one configuration, each worked out the first
    time it is asked for (a parse usually needs one; lint and JSON ask for more)."""

    VERSIONS = ("8.3", "8.4", "9")

    def __init__(self, judge, known: dict | None = None):
        self._judge = judge  # version -> Verdict
        self._done: dict[str, Verdict] = dict(known or {})

    def get(self, version: str) -> Verdict | None:
        if version not in self.VERSIONS:
            return None
        found = self._done.get(version)
        if found is None:
            found = self._done[version] = self._judge(version)
        return found

    def __iter__(self):
        return (self.get(v) for v in self.VERSIONS)

    def __len__(self) -> int:
        return len(self.VERSIONS)

    def __repr__(self) -> str:
        return f"Verdicts({', '.join(f'{v}={self._done[v].ok}' for v in self._done)})"


def most_named(names) -> str:
    """The name given most often (the first of those tied), "" for none: the node drbdadm-83
    is judged as run on."""
    from collections import Counter

    common = Counter(names).most_common(1)
    return common[0][0] if common else ""


class Stop(Exception):
    """drbdadm exits here."""
