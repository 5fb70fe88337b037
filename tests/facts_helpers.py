"""Helpers shared by the fact parser tests."""

from __future__ import annotations

from pathlib import Path

from elastix_halint.diagnostics import Severity
from elastix_halint.source import SourceFile

DATA = Path(__file__).resolve().parent / "data" / "facts"


def parse_text(module, text: str, path: str = "facts/x"):
    return module.parse(SourceFile(path, text))


def load_data(module, name: str):
    return module.load(str(DATA / name), f"data/{name}")


def errors(result) -> list:
    return [d for d in result.diagnostics if d.severity >= Severity.ERROR]


def lines_of(result) -> list[int]:
    return [d.span.line for d in result.diagnostics]

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples" / "elastix-2.3"
