from __future__ import annotations

import re

from elastix_halint.builtin.drbd._helpers import report_once
from elastix_halint.lint.rule import Finding, Rule, Severity


class HandlerProgramMissing(Rule):
    """A handler whose program is missing or not executable on the node.

    ## What it checks
    The program (first word of each command) of every `handlers` entry, when the node's
    `facts/stat` lists it: "cannot stat" (it does not exist) or no execute bit. Programs the
    captured facts do not mention are not judged.

    ## Why it matters
    Handlers run exactly when something has gone wrong — fencing, split brain, I/O errors —
    and a missing program fails silently then: with `resource-and-stonith` I/O stays frozen.
    The path differs between distributions and architectures ("your distribution may place
    the drbd-peer-outdater binary in /usr/lib64/heartbeat", DRBD User's Guide 8.3 "Using
    Heartbeat with dopd").

    ## Example
    ```
    fence-peer "/usr/lib/heartbeat/drbd-peer-outdater -t 5";   # x86_64: /usr/lib64/heartbeat
    ```

    ## Fix
    Use the path where the program is installed on both nodes (`rpm -ql heartbeat | grep
    outdater`), and make scripts executable.
    """

    id = "DRBD130"
    name = "handler-program-missing"
    severity = Severity.WARNING
    scope = "node"
    needs = ("drbd", "stat")

    @report_once
    def check_node(self, node, ctx):
        listing = node.facts.sources.get("stat")
        missing = set(getattr(getattr(listing, "model", None), "missing", ()) or ())
        for res in node.drbd.resources:
            for opt in res.handlers.options:
                for program in _handler_programs(opt):
                    entry = node.facts.stat.get(program)
                    if program in missing:
                        yield Finding(opt.values[0].span, f"the `{opt.name}` handler runs {program}, which does not "
                                                          f"exist on {node.name}", hint=_program_hint(program))
                    elif entry is not None and not entry.mode & 0o111:
                        yield Finding(opt.values[0].span, f"the `{opt.name}` handler runs {program}, which is not "
                                                          f"executable on {node.name} (mode {entry.mode:o})",
                                      related=(entry,), hint=f"chmod 755 {program}")


def _handler_programs(opt) -> list[str]:
    """The absolute program paths a handler command runs (``a; b && c`` → a, b, c)."""
    if not opt.values:
        return []
    commands = re.split(r"[;&|]+", opt.values[0].text)
    words = [c.split()[0] for c in commands if c.split()]
    return [w for w in words if w.startswith("/") and not w.startswith("/proc/")]


def _program_hint(program: str) -> str:
    if "/lib/heartbeat/" in program:
        return f"on x86_64 it is usually {program.replace('/lib/', '/lib64/', 1)}"
    return "install it or correct the path"
