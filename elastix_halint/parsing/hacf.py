"""``/etc/ha.d/ha.cf`` → :class:`~elastix_halint.model.hacf.HaCf`.

Parse-level diagnostics are about values Heartbeat cannot read (a time that is not a time, a
facility that does not exist, a medium missing its fields). Unknown directive names are kept
with a suggestion and left to the linter (HB100); interface names are checked against node
facts by the linter (HB109), not here.
"""

from __future__ import annotations

from elastix_halint.diagnostics import Diagnostic
from elastix_halint.model.hacf import Arg, Directive, HaCf, parse_bool, parse_int, parse_time_ms
from elastix_halint.model.hacf_keywords import BOOL_FALSE, BOOL_TRUE, BY_NAME, FACILITIES, NAMES, DirectiveSpec
from elastix_halint.parsing.larkkit import suggest
from elastix_halint.parsing.linewise import C_BLANKS, Line, c_split, items, load_with, ocr_fix, read_lines, result, value_error, value_warning
from elastix_halint.parsing.result import ParseResult
from elastix_halint.source import SourceFile

KIND = "hacf"
GRAMMAR = "hacf.lark"
_WORDS = {"NAME": "a directive name", "WORD": "a value", "COMMENT": "a comment"}

# Directives common enough to recognise an ha.cf by content.
_TELLTALE = ("node", "keepalive", "deadtime", "warntime", "initdead", "bcast", "ucast", "mcast", "udpport",
             "auto_failback", "logfacility", "logfile", "debugfile", "crm", "pacemaker")

# Minimum number of words of the whole-line and media directives, and what they are.
_FIELDS = {
    "bcast": (1, "at least one interface"),
    "serial": (1, "at least one serial device"),
    "ucast": (2, "an interface and the peer's address"),
    "ucast6": (2, "an interface and the peer's IPv6 address"),
    "mcast": (5, "interface, group, port, ttl and loop"),
    "mcast6": (5, "interface, group, port, hops and loop"),
    "ping": (1, "at least one address"),
    "ping_group": (2, "a group name and at least one address"),
    "respawn": (2, "a user and a program"),
    "failfast": (2, "a user and a program"),
    "apiauth": (1, "a client name"),
    "stonith": (2, "a device type and its configuration file"),
    "stonith_host": (3, "a host (or *), a device type and its parameters"),
}


def sniff(text: str) -> bool:
    firsts = [c_split(ln)[0] for ln in text.split("\n") if c_split(ln) and not ln.lstrip(C_BLANKS).startswith("#")]
    hits = sum(1 for w in firsts if w in _TELLTALE)
    return hits >= 2 and hits * 2 >= len(firsts)


def _time_error(arg: Arg) -> Diagnostic | None:
    if parse_time_ms(arg.text) is not None:
        return None
    return value_error(
        arg.span,
        f"{arg.text!r} is not a time",
        suggestion=ocr_fix(arg.text, lambda t: parse_time_ms(t) is not None),
        hint="write seconds (2, 1.5) or milliseconds with ms (1500ms)",
    )


def _int_error(arg: Arg, spec: DirectiveSpec) -> Diagnostic | None:
    number = parse_int(arg.text)
    if number is None:
        return value_error(arg.span, f"{arg.text!r} is not a whole number",
                           suggestion=ocr_fix(arg.text, lambda t: parse_int(t) is not None))
    low, high = spec.minimum, spec.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        bounds = f"{low if low is not None else '…'}..{high if high is not None else '…'}"
        return value_error(arg.span, f"{spec.name} {number} is out of range ({bounds})")
    return None


def _choice_error(arg: Arg, spec: DirectiveSpec, choices: tuple[str, ...], what: str) -> Diagnostic | None:
    if arg.text in choices:
        return None
    if spec.value == "facility" or spec.value == "choice":
        listed = ", ".join(choices) if len(choices) <= 8 else ", ".join(choices[:6]) + ", …"
        return value_error(arg.span, f"{arg.text!r} is not a {what} (use {listed})", suggestion=suggest(arg.text, choices))
    extra = [c for c in spec.choices if c not in BOOL_TRUE + BOOL_FALSE]
    return value_error(arg.span, f"{arg.text!r} is not a {what}", suggestion=suggest(arg.text, choices),
                       hint="use on/off, yes/no, true/false, y/n or 1/0" + "".join(f", or {c}" for c in extra))


def _word_error(arg: Arg, spec: DirectiveSpec) -> Diagnostic | None:
    kind = spec.value
    if kind == "time":
        return _time_error(arg)
    if kind == "int":
        return _int_error(arg, spec)
    if kind == "facility":
        return _choice_error(arg, spec, FACILITIES, "syslog facility")
    if kind == "choice":
        return _choice_error(arg, spec, spec.choices, f"valid {spec.name} value")
    if kind == "bool" and parse_bool(arg.text) is None:
        return _choice_error(arg, spec, BOOL_TRUE + BOOL_FALSE, "boolean")
    if kind == "bool+" and parse_bool(arg.text) is None and arg.text.lower() not in spec.choices:
        return _choice_error(arg, spec, BOOL_TRUE + BOOL_FALSE + spec.choices, f"valid {spec.name} value")
    return None


def _medium_numbers(d: Directive) -> list[Diagnostic]:
    """mcast PORT TTL LOOP must be numbers (their ranges are rule HB110)."""
    return [
        value_error(arg.span, f"{d.name} {what} {arg.text!r} is not a whole number")
        for arg, what in zip(d.args[2:5], ("port", "ttl" if d.name == "mcast" else "hops", "loop"))
        if parse_int(arg.text) is None
    ]


def check_directive(d: Directive) -> list[Diagnostic]:
    spec = BY_NAME.get(d.name)
    if spec is None:
        return []
    if spec.form != "option":
        need, what = _FIELDS.get(d.name, (0, ""))
        if len(d.args) < need:
            return [value_error(d.span, f"{d.name} needs {what}")]
        return _medium_numbers(d) if d.name in ("mcast", "mcast6") else []
    if not d.args:
        return [value_warning(d.span, f"{d.name} has no value; Heartbeat ignores the line")]
    diags = [e for e in (_word_error(a, spec) for a in d.args) if e]
    if not spec.repeat and len(d.args) > 1:
        diags.append(
            value_warning(d.span, f"{d.name} takes one value; Heartbeat applies each in turn and "
                                  f"{d.args[-1].text!r} wins")
        )
    return diags


def _directive(line: Line, tree) -> Directive:
    name, *words = tree.children
    args = tuple(Arg(str(w), line.token_span(w)) for w in words)
    known = str(name) in BY_NAME
    end = words[-1] if words else name
    return Directive(
        name=str(name),
        name_span=line.token_span(name),
        args=args,
        span=line.span(name.start_pos, end.end_pos),
        known=known,
        suggestion=None if known else suggest(str(name), NAMES),
    )


def parse(source: SourceFile) -> ParseResult[HaCf]:
    directives, comments, diags = [], [], []
    for line, tree in read_lines(source, GRAMMAR, _WORDS, diags):
        for child in items(line, tree, comments):
            d = _directive(line, child)
            directives.append(d)
            diags.extend(check_directive(d))
    return result(KIND, source, HaCf(tuple(directives), tuple(comments)), diags)


def load(path: str, display: str | None = None) -> ParseResult[HaCf]:
    return load_with(parse, path, display)

