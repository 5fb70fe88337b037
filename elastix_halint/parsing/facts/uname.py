"""``uname -n`` (also ``/etc/hostname``, which has the same form): the node name; and the
``HOSTNAME=`` line of RHEL/CentOS 5-6 ``/etc/sysconfig/network``, where those keep it."""

from __future__ import annotations

import re

from elastix_halint.diagnostics import VALUE_ERROR, Diagnostic, Severity
from elastix_halint.model.facts import Uname
from elastix_halint.parsing.facts._lines import load_with, parse_lines, result, token_span, value_error
from elastix_halint.model.span import Span
from elastix_halint.source import SourceFile

KIND = "uname"
GRAMMAR = "facts_uname.lark"
HOSTNAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9])?)*")


def sniff(text: str) -> bool:
    return False  # any one-word file would match; only the name tells


def _comment_or_blank(text: str) -> bool:
    return not text.strip() or text.lstrip().startswith("#")


def parse(source: SourceFile):
    diags: list = []
    names = list(parse_lines(source, GRAMMAR, "a single host name", diags, skip=_comment_or_blank))
    if not names:
        if not diags:
            diags.append(value_error(Span.point(source.path, 1), "no node name in this file"))
        return result(KIND, source, None, diags)
    for extra in names[1:]:
        diags.append(value_error(token_span(source.path, extra.number, extra.tree.children[0]), "a second node name; only the first counts"))
    token = names[0].tree.children[0]
    span = token_span(source.path, names[0].number, token)
    if not HOSTNAME.fullmatch(str(token)):
        diags.append(Diagnostic(VALUE_ERROR, Severity.WARNING, f"{str(token)!r} is not a valid host name", span))
    return result(KIND, source, Uname(str(token), span), diags)


def load(path: str, display: str | None = None):
    return load_with(parse, path, display)


_HOSTNAME_LINE = re.compile(r"""^\s*HOSTNAME\s*=\s*(["']?)([^"'\s#]*)\1\s*(#.*)?$""")


def parse_sysconfig_network(source: SourceFile):
    """The ``HOSTNAME=`` of ``/etc/sysconfig/network`` as a ``Uname`` (None when not set)."""
    found = None
    for number, text in enumerate(source.text.splitlines(), 1):
        m = _HOSTNAME_LINE.match(text)
        if m and m.group(2):
            found = Uname(m.group(2), Span(source.path, number, m.start(2) + 1, number, m.end(2) + 1))
    return result(KIND, source, found, [])
