"""Wheel build hook: work done once at build time instead of at every run.

* Lark builds the LALR parser of each grammars/*.lark and its tables are written into
  ``elastix_halint/_lalr_tables.py``, which ``halint`` runs without importing Lark (see
  elastix_halint/parsing/lalr_tables.py, which does the work and is loaded here by file path
  so the build imports nothing of the package, and parsing/lalr.py).
* The ``--help`` pages are rendered by Typer into ``elastix_halint/_help_pages.py``, so
  ``halint --help`` needs no Typer at run time (elastix_halint/commands/direct.py; rendered in a
  child Python that imports the package from this tree).

Editable installs do neither: tables are built (by Lark) and help is rendered at run time.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def _tables_module(root: str):
    path = os.path.join(root, "elastix_halint", "parsing", "lalr_tables.py")
    spec = importlib.util.spec_from_file_location("_halint_lalr_tables", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildTimeTablesHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        self._out = tempfile.mkdtemp(prefix="halint-grammars-")
        tables = os.path.join(self._out, "_lalr_tables.py")
        _tables_module(self.root).write(tables, os.path.join(self.root, "grammars"))
        build_data["force_include"][tables] = "elastix_halint/_lalr_tables.py"
        pages = os.path.join(self._out, "_help_pages.py")
        write = "import sys; from elastix_halint.commands.direct import write_help_pages; write_help_pages(sys.argv[1])"
        done = subprocess.run([sys.executable, "-c", write, pages], cwd=self.root, capture_output=True, text=True)
        if done.returncode == 0:
            build_data["force_include"][pages] = "elastix_halint/_help_pages.py"
        else:  # halint still works: --help then goes through Typer
            self.app.display_warning(f"help pages not rendered: {done.stderr.strip().splitlines()[-1:]}")

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        out = getattr(self, "_out", None)
        if out:
            shutil.rmtree(out, ignore_errors=True)
