"""Errors that end a command with exit code 2 and one clear line, never a traceback."""

from __future__ import annotations


class HalintError(Exception):
    """A usage or input error: the message is shown as one line and the exit code is 2."""

    exit_code = 2

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}{self.message}"


class InputError(HalintError):
    """A file that cannot be read or understood at all (missing, binary, huge, a directory...)."""


class UsageError(HalintError):
    """Bad command-line arguments or configuration."""
