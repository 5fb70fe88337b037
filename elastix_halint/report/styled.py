"""Lines of text with styles, for the people-facing reports (``lint`` and ``parse`` text).

A report writes lines made of pieces, each a string or a ``(text, Rich style)`` pair. Where Rich
would show no style at all (the output is not a terminal and nothing forces one: the usual
case of CI logs, pipes and files), the lines are written as plain text, with what Rich's
rendering would still do to them done here: control codes it strips (BEL, BS, VT, FF, CR) are
removed and tabs are expanded to columns of 8. Rich and its layout engine, which cost ~25 ms
to import and ~0.5 ms a line, are then not loaded at all. On a terminal (or with
``FORCE_COLOR``/``TTY_COMPATIBLE=1``), each line is a ``rich.text.Text`` printed by a Rich
console, colour off when ``NO_COLOR`` is set.

The pieces are never read as Rich markup and no ``:emoji:`` code is replaced, so a quoted
source line is shown as written (Rich's markup printing turned ``x:100:y`` into ``x💯y``).
"""

from __future__ import annotations

import os
import sys

_STRIPPED = {7: None, 8: None, 11: None, 12: None, 13: None}  # rich.control.STRIP_CONTROL_CODES


def rich_would_style(stream) -> bool:
    """Whether a Rich console on ``stream`` would write escape codes (``Console.is_terminal``,
    and Jupyter, which renders on its own)."""
    import builtins

    if hasattr(builtins, "get_ipython"):
        return True
    stdin_module = getattr(sys.stdin, "__module__", "") or ""
    if stdin_module.startswith("idlelib"):
        return False
    tty_compatible = os.environ.get("TTY_COMPATIBLE", "")
    if tty_compatible in ("0", "1"):
        return tty_compatible == "1"
    force_color = os.environ.get("FORCE_COLOR")
    if force_color is not None:
        return force_color != ""
    isatty = getattr(stream, "isatty", None)
    try:
        return False if isatty is None else bool(isatty())
    except ValueError:
        return False


class Lines:
    """Write report lines to stdout (or stderr) through Rich only where Rich styles them."""

    def __init__(self, stream=None, stderr: bool = False, plain: bool | None = None):
        self.stream = stream or (sys.stderr if stderr else sys.stdout)
        self.custom = stream is not None
        self.stderr = stderr
        self.console = None
        self.plain = not rich_would_style(self.stream) if plain is None else plain
        self.buffer: list[str] = []

    def line(self, *pieces) -> None:
        if not self.plain:
            from rich.text import Text

            self._console().print(Text.assemble(*pieces))
            return
        text = "".join(p if isinstance(p, str) else p[0] for p in pieces)
        if not text.isprintable():
            text = text.translate(_STRIPPED)
            if "\t" in text:
                if not text.isascii():  # tab stops counted in terminal cells: Rich knows them
                    self._rich_plain(text)
                    return
                text = "\n".join(part.expandtabs(8) for part in text.split("\n"))
        self.buffer.append(text)
        if len(self.buffer) >= 512:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.stream.write("\n".join(self.buffer) + "\n")
            self.buffer.clear()
        self.stream.flush()

    def _console(self):
        if self.console is None:
            from elastix_halint.report.frames import make_console

            self.console = make_console(stderr=self.stderr, file=self.stream if self.custom else None)
        return self.console

    def _rich_plain(self, text: str) -> None:
        from rich.text import Text

        self.flush()
        self._console().print(Text(text))
