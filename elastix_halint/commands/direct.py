"""Run an ordinary command line without building the Typer app.

Importing Typer and its Click costs more than starting Python (and building the app more
still), which is more than ``halint --version`` or a ``halint lint`` of a small bundle should
cost. So ``cli.main`` first asks ``run`` here, which answers without Typer when it can do
*exactly* what Typer would:

* ``halint --version``;
* ``halint --help`` and ``halint COMMAND --help`` (``-h``): the pages were rendered by Typer
  itself when the wheel was built (``write_help_pages``, called by hatch_build.py) and are
  used only where Click would render them identically: a terminal at least 80 columns wide
  (Click's help is never wider) and the Typer release they were rendered with;
* a command whose module declares its parameters with ``commands.params`` (listed in
  ``commands.PLAIN``), on a command line made only of forms read the same way by Click:
  ``--opt value``, ``--opt=value``, ``-o value``, ``-ovalue``, flags, positional arguments,
  ``--``. The function is called with the values Typer would pass (an empty list option is
  ``None`` when its default is, as Typer makes it).

Anything else (an unknown option, a missing value, a value that starts with ``-``, a
bundled short flag, a parameter kind or keyword not understood here, a missing help page) is
``NOT_HANDLED``, and Typer runs the line, with its own messages. A command body that rejects a
value with ``params.BadParameter`` does so before it has done anything; Typer then runs the
line again to report it with its usage line.
"""

from __future__ import annotations

import os
import sys

NOT_HANDLED = object()
HELP_FLAGS = ("--help", "-h")
HELP_WIDTH = 80  # Click's default max_content_width: pages are the same on any wider terminal

# Annotation text -> how Click reads the parameter (``from __future__ import annotations``).
_SCALAR = {"str", "Optional[str]", "str | None"}
_LIST = {"List[str]", "Optional[List[str]]", "list[str]", "list[str] | None"}
_FLAG = {"bool"}
# Typer keywords that change nothing in how a command line is read.
_INERT = {"help", "metavar", "show_default", "hidden", "rich_help_panel"}


def run(args: list[str]):
    """The command's return value, or ``NOT_HANDLED``."""
    if args == ["--version"]:
        from elastix_halint import __version__

        sys.stdout.write(f"halint {__version__}\n")
        return 0
    if args and args[-1] in HELP_FLAGS:
        page = help_page(args[:-1])
        if page is None:
            return NOT_HANDLED
        sys.stdout.write(page)
        return 0
    planned = plan(args)
    if planned is None:
        return NOT_HANDLED
    func, kwargs = planned
    try:
        return func(**kwargs)
    except Exception as exc:
        if _is_usage_error(exc):  # raised before the command did anything: Typer says it better
            return NOT_HANDLED
        raise


def _is_usage_error(exc: Exception) -> bool:
    if "typer" not in sys.modules:
        return False
    try:
        from typer._click.exceptions import UsageError
    except ImportError:  # pragma: no cover - Typer releases that use Click itself
        from click.exceptions import UsageError
    return isinstance(exc, UsageError)


# -- commands ----------------------------------------------------------------------------------


def commands() -> dict:
    """Command name -> function, for the modules that declare with ``commands.params``."""
    import importlib

    from elastix_halint.commands import PLAIN

    table: dict = {}
    for name in PLAIN:
        table.update(importlib.import_module(f"elastix_halint.commands.{name}").COMMANDS)
    return table


class _Spec:
    __slots__ = ("name", "kind", "param")

    def __init__(self, name: str, kind: str, param):
        self.name, self.kind, self.param = name, kind, param


def _specs(func) -> list[_Spec] | None:
    """How Click reads each parameter of ``func``, or None when one is not understood here."""
    from elastix_halint.commands.params import Param

    code = func.__code__
    names = code.co_varnames[: code.co_argcount]
    defaults = func.__defaults__ or ()
    if code.co_kwonlyargcount or len(defaults) != len(names):
        return None
    out = []
    for name, param in zip(names, defaults):
        annotation = func.__annotations__.get(name)
        if not isinstance(param, Param) or set(param.kwargs) - _INERT:
            return None
        kind = "scalar" if annotation in _SCALAR else "list" if annotation in _LIST else "flag" if annotation in _FLAG else None
        if kind is None or (kind == "flag" and (not param.is_option or param.default is not False or not param.decls)):
            return None
        if kind == "list" and param.default not in (None, ...):
            return None
        if any("/" in d or not d.startswith("-") for d in param.decls):
            return None
        out.append(_Spec(name, kind, param))
    return out


def plan(args: list[str]):
    """``(function, keyword arguments)`` for a command line read as Click would, or None."""
    if not args or args[0].startswith("-"):
        return None
    func = commands().get(args[0])
    specs = _specs(func) if func is not None else None
    if specs is None:
        return None
    options = {}
    for spec in specs:
        if spec.param.is_option:
            for decl in spec.param.decls or ("--" + spec.name.replace("_", "-"),):
                options[decl] = spec
    values: dict[str, list] = {s.name: [] for s in specs}
    positional: list[str] = []
    rest = iter(args[1:])
    for arg in rest:
        if arg == "--":
            positional += list(rest)
            break
        if not arg.startswith("-") or arg == "-":
            positional.append(arg)
            continue
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            spec = options.get(name)
            if spec is None or (spec.kind == "flag" and eq):
                return None
        else:
            spec = options.get(arg[:2])
            if spec is None or (spec.kind == "flag" and len(arg) > 2):
                return None
            eq, value = (True, arg[2:]) if len(arg) > 2 else ("", "")
        if spec.kind == "flag":
            values[spec.name].append(True)
            continue
        if not eq:
            value = next(rest, None)
            if value is None or (value.startswith("-") and value != "-"):
                return None
        values[spec.name].append(value)
    arguments = [s for s in specs if not s.param.is_option]
    if any(s.kind == "list" for s in arguments[:-1]):
        return None
    for spec in arguments:
        if spec.kind == "list":
            values[spec.name], positional = positional, []
        elif positional:
            values[spec.name].append(positional.pop(0))
    if positional:
        return None
    kwargs = {}
    for spec in specs:
        got, default = values[spec.name], spec.param.default
        if spec.kind == "list":
            if not got and default is ...:
                return None
            kwargs[spec.name] = list(got) if got or default is not None else None
        elif got:
            kwargs[spec.name] = got[-1]  # Click: the last of a repeated option wins
        elif default is ...:
            return None
        else:
            kwargs[spec.name] = default
    return func, kwargs


# -- help pages ----------------------------------------------------------------------------------


def _columns() -> int:
    """``shutil.get_terminal_size().columns``, as Click asks it (without importing shutil)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    try:
        lines = int(os.environ["LINES"])
    except (KeyError, ValueError):
        lines = 0
    if columns <= 0 or lines <= 0:
        try:
            size = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            size = 0
        if columns <= 0:
            columns = size or 80
    return columns


def _typer_is(dist_info: str) -> bool:
    """Whether the Typer that would be imported is the release named by ``dist_info``."""
    for folder in sys.path:
        if os.path.isdir(os.path.join(folder or ".", "typer")):
            return os.path.isdir(os.path.join(folder or ".", dist_info))
    return False


def help_page(command: list[str]) -> str | None:
    try:
        from elastix_halint._help_pages import PAGES, TYPER
    except ImportError:  # a source checkout: no pages rendered
        return None
    page = PAGES.get(" ".join(command))
    if page is None or _columns() < HELP_WIDTH or not _typer_is(TYPER):
        return None
    return page


def render_help_pages() -> dict[str, str]:
    """Every help page as Typer renders it on a terminal of ``HELP_WIDTH`` columns: the
    top-level one (key ``""``) and one per command (key: its name)."""
    import contextlib
    import io

    import typer.main

    from elastix_halint.cli import build_app

    app = build_app()
    group = typer.main.get_command(app)
    pages = {}
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(HELP_WIDTH)
    try:
        for name in ["", *group.commands]:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                try:
                    app(args=[*name.split(), "--help"], prog_name="halint", standalone_mode=False)
                except SystemExit:
                    pass
            pages[name] = out.getvalue()
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved
    return pages


def write_help_pages(path: str) -> None:
    """The ``_help_pages`` module (hatch_build.py puts it into the wheel)."""
    import importlib.metadata

    pages = render_help_pages()
    dist = importlib.metadata.distribution("typer")
    dist_info = f"{dist.metadata['Name'].replace('-', '_')}-{dist.version}.dist-info"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('"""Help pages rendered by Typer when the wheel was built (commands/direct.py)."""\n\n')
        fh.write(f"TYPER = {dist_info!r}\n")
        fh.write(f"PAGES = {pages!r}\n")
