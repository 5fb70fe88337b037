"""``/proc/drbd`` of DRBD 8.0-8.4 (state per minor) and 9 (version lines only)."""

from __future__ import annotations

from elastix_halint.diagnostics import VALUE_ERROR, Diagnostic, Severity
from elastix_halint.model.record import replace
from elastix_halint.model.span import Span
from elastix_halint.model.facts import DrbdFlags, DrbdMinor, ProcDrbd, SyncProgress
from elastix_halint.parsing.facts._lines import line_span, load_with, parse_lines, result, token_span, tokens, value_error
from elastix_halint.parsing.larkkit import suggest
from elastix_halint.source import SourceFile

KIND = "procdrbd"
GRAMMAR = "facts_procdrbd.lark"

# drbd_strings.c
CONNECTION_STATES = (
    "StandAlone Disconnecting Unconnected Timeout BrokenPipe NetworkFailure ProtocolError WFConnection "
    "WFReportParams TearDown Connected StartingSyncS StartingSyncT WFBitMapS WFBitMapT WFSyncUUID "
    "SyncSource SyncTarget PausedSyncS PausedSyncT VerifyS VerifyT Ahead Behind Unconfigured"
).split()
ROLES = ("Primary", "Secondary", "Unknown")
DISK_STATES = "Diskless Attaching Failed Negotiating Inconsistent Outdated DUnknown Consistent UpToDate".split()


def sniff(text: str) -> bool:
    return text.lstrip().startswith("version:") and "(api:" in text.split("\n", 1)[0]


def _flags(text: str) -> DrbdFlags:
    six = len(text) >= 6
    return DrbdFlags(
        text=text,
        suspended=text[0] == "s",
        paused_after=text[1] == "a",
        paused_peer=text[2] == "p",
        paused_user=text[3] == "u",
        congested=(text[4] != "-") if six else None,
        al_suspended=(text[5] == "s") if six else None,
    )


def _check_word(file: str, number: int, token, allowed, what: str, diags: list) -> None:
    if str(token) not in allowed:
        guess = suggest(str(token), allowed)
        diags.append(
            Diagnostic(VALUE_ERROR, Severity.WARNING, f"unknown {what} {str(token)!r}", token_span(file, number, token), suggestion=guess)
        )


def _minor(file: str, line, diags: list) -> DrbdMinor:
    minor, cs, role_key, role, peer_role, disk, peer_disk, *rest = line.tree.children
    _check_word(file, line.number, cs, CONNECTION_STATES, "connection state", diags)
    for tok in (role, peer_role):
        _check_word(file, line.number, tok, ROLES, "role", diags)
    for tok in (disk, peer_disk):
        _check_word(file, line.number, tok, DISK_STATES, "disk state", diags)
    protocol = str(rest[0]) if len(rest) == 2 else None
    return DrbdMinor(
        minor=int(minor),
        cs=str(cs),
        role=str(role),
        peer_role=str(peer_role),
        disk=str(disk),
        peer_disk=str(peer_disk),
        protocol=protocol,
        flags=_flags(str(rest[-1])),
        span=Span(file, line.number, minor.column, line.number, len(line.text.rstrip()) + 1),
    )


def _counters(file: str, line, minor: DrbdMinor) -> DrbdMinor:
    counters, wo = [], None
    for tok in line.tree.children:
        name, value = str(tok).split(":", 1)
        if name == "wo":
            wo = value
        elif value.isdigit():
            counters.append((name, int(value)))
    span = token_span(file, line.number, line.tree.children[0])
    span = replace(span, end_column=line.tree.children[-1].end_column)
    return replace(minor, counters=tuple(counters), write_ordering=wo, counters_span=span)


def _number(tok) -> int:
    return int(str(tok).replace(",", ""))


def _progress(file: str, line) -> SyncProgress:
    key, percent, remaining, total, unit = tokens(line.tree, "SYNC_KEY", "PERCENT", "INT", "UNIT")
    scale = 1024 if str(unit) == "M" else 1
    return SyncProgress(
        verify=str(key).startswith("verified"),
        percent=float(percent),
        remaining=int(remaining) * scale,
        total=int(total) * scale,
        span=token_span(file, line.number, key),
    )


def _finish(line, sync: SyncProgress) -> SyncProgress:
    duration = tokens(line.tree, "DURATION")[0]
    speed = tokens(line.tree, "NUMBER")[0]
    return replace(sync, finish=str(duration), speed_kib=_number(speed), stalled=bool(tokens(line.tree, "STALLED")))


def parse(source: SourceFile):
    diags: list[Diagnostic] = []
    file = source.path
    header: dict = {}
    minors: list[DrbdMinor] = []
    details: list[str] = []

    def line_span_of(number: int):
        return line_span(file, number, source.line(number))

    def attach(number: int, what: str) -> bool:
        # Counters and progress lines belong to the minor line above them.
        if minors:
            return True
        diags.append(value_error(line_span_of(number), f"{what} before any minor line"))
        return False

    for line in parse_lines(source, GRAMMAR, "a /proc/drbd line", diags):
        kind = line.tree.data
        if kind == "version_line":
            version, *ints = line.tree.children
            header.update(
                version=str(version),
                api=int(ints[0]),
                proto_min=int(ints[1]),
                proto_max=int(ints[2]) if len(ints) > 2 else int(ints[1]),
                span=token_span(file, line.number, version),
            )
        elif kind == "build_line":
            header["build"] = f"{line.tree.children[0]} {line.tree.children[1]}"
        elif kind == "transports_line":
            header["transports"] = str(line.tree.children[1])
        elif kind == "minor_line":
            minors.append(_minor(file, line, diags))
        elif kind == "unconfigured_line":
            num = line.tree.children[0]
            minors.append(DrbdMinor(minor=int(num), cs="Unconfigured", span=token_span(file, line.number, num)))
        elif kind == "counters_line" and attach(line.number, "counters"):
            minors[-1] = _counters(file, line, minors[-1])
        elif kind == "progress_line" and attach(line.number, "sync progress"):
            minors[-1] = replace(minors[-1], sync=_progress(file, line))
        elif kind == "finish_line" and attach(line.number, "sync progress"):
            if minors[-1].sync is None:
                diags.append(value_error(line_span_of(line.number), "'finish:' line without a sync progress line above it"))
            else:
                minors[-1] = replace(minors[-1], sync=_finish(line, minors[-1].sync))
        elif kind == "detail_line":
            details.append(line.text.strip())
    if "version" not in header and source.text.strip():
        diags.append(value_error(line_span_of(1), "no 'version:' line: this does not look like /proc/drbd"))
    seen: set[int] = set()
    for m in minors:
        if m.minor in seen:
            diags.append(value_error(m.span, f"minor {m.minor} is listed twice"))
        seen.add(m.minor)
    model = ProcDrbd(
        version=header.get("version"),
        api=header.get("api"),
        proto_min=header.get("proto_min"),
        proto_max=header.get("proto_max"),
        build=header.get("build"),
        transports=header.get("transports"),
        minors=tuple(minors),
        span=header.get("span"),
        details=tuple(details),
    )
    return result(KIND, source, model, diags)


def load(path: str, display: str | None = None):
    return load_with(parse, path, display)
