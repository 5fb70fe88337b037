"""A Rich progress bar (bytes, files, rate) on a terminal; silence everywhere else."""

from __future__ import annotations

import sys


class Progress:
    """``with Progress("snapshot", total_bytes, total_files, enabled) as p: p.advance(n)``."""

    def __init__(self, label: str, total_bytes: int, total_files: int, enabled: bool):
        self.label, self.total_bytes, self.total_files = label, total_bytes, total_files
        self.enabled = enabled
        self._bar = self._task = None
        self._files = 0

    @staticmethod
    def wanted(quiet: bool) -> bool:
        return not quiet and sys.stderr.isatty()

    def __enter__(self) -> "Progress":
        if self.enabled:
            from rich.progress import (BarColumn, DownloadColumn, Progress as Bar, TextColumn,
                                       TimeRemainingColumn, TransferSpeedColumn)

            from elastix_halint.report.frames import make_console

            self._bar = Bar(
                TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                TextColumn("{task.fields[files]}"), TransferSpeedColumn(), TimeRemainingColumn(),
                console=make_console(stderr=True), transient=True,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task(self.label, total=self.total_bytes, files=self._files_text())
        return self

    def _files_text(self) -> str:
        return f"{self._files}/{self.total_files} files"

    def advance(self, nbytes: int, files: int = 1) -> None:
        if self._bar is not None:
            self._files += files
            self._bar.update(self._task, advance=nbytes, files=self._files_text())

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
