"""Wheel build hook: work done once at build time instead of at every run.

* Each grammars/*.lark is compiled into a Lark LALR parser: the wheel carries
  ``elastix_halint/_grammars/<name>.lark.bin`` next to each grammar, and ``halint`` loads it
  instead of building the parser (see elastix_halint/parsing/lark_prebuilt.py, which does the
  work and is loaded here by file path so the build imports nothing of the package).
* The ``--help`` pages are rendered by Typer into ``elastix_halint/_help_pages.py``, so
  ``halint --help`` needs no Typer at run time (elastix_halint/commands/direct.py; rendered in a
  child Python that imports the package from this tree).

Editable installs do neither: parsers are built and help is rendered at run time.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def _prebuilt_module(root: str):
    path = os.path.join(root, "elastix_halint", "parsing", "lark_prebuilt.py")
    spec = importlib.util.spec_from_file_location("_halint_lark_prebuilt", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class PrebuiltGrammarsHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        prebuilt = _prebuilt_module(self.root)
        self._out = tempfile.mkdtemp(prefix="halint-grammars-")
        grammars = os.path.join(self.root, "grammars")
        for name in sorted(os.listdir(grammars)):
            if not name.endswith(".lark"):
                continue
            with open(os.path.join(grammars, name), encoding="utf-8") as fh:
                grammar = fh.read()
            target = os.path.join(self._out, name + prebuilt.SUFFIX)
            prebuilt.save(grammar, prebuilt.options(), target)
            build_data["force_include"][target] = f"elastix_halint/_grammars/{name}{prebuilt.SUFFIX}"
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
