"""Wheel build hook: compile each grammars/*.lark into a Lark LALR parser once, at build time.

The wheel then carries ``elastix_halint/_grammars/<name>.lark.bin`` next to each grammar, and
``halint`` loads it instead of building the parser on every run (see
elastix_halint/parsing/lark_prebuilt.py, which does the work and is loaded here by file path so
the build imports nothing of the package). Editable installs build parsers at run time.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
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

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        out = getattr(self, "_out", None)
        if out:
            shutil.rmtree(out, ignore_errors=True)
