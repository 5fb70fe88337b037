"""``Option``/``Argument`` for command modules that must not import Typer when they are loaded.

They take the arguments of ``typer.Option``/``typer.Argument`` and only record them. When the
Typer app is built (``halint --help``, completion, an unusual command line), ``for_typer``
hands Typer the function with real Typer parameters; for an ordinary command line,
``commands.direct`` reads the same declarations and calls the function itself, so
``halint lint`` and ``halint parse`` never pay for importing Typer and Click.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~4 ms at every start; these names are only annotations
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Option", "Argument", "BadParameter", "Param", "for_typer", "prepare"]


class Param:
    """One declared parameter: which Typer factory, its default, option names and keywords."""

    __slots__ = ("factory", "default", "decls", "kwargs")

    def __init__(self, factory: str, default: Any, decls: tuple[str, ...], kwargs: dict):
        self.factory, self.default, self.decls, self.kwargs = factory, default, decls, kwargs

    @property
    def is_option(self) -> bool:
        return self.factory == "Option"

    def to_typer(self):
        import typer

        return getattr(typer, self.factory)(self.default, *self.decls, **self.kwargs)


def Option(default: Any = ..., *param_decls: str, **kwargs: Any) -> Any:  # noqa: N802 - typer's name
    return Param("Option", default, param_decls, kwargs)


def Argument(default: Any = ..., **kwargs: Any) -> Any:  # noqa: N802 - typer's name
    return Param("Argument", default, (), kwargs)


def BadParameter(message: str, param_hint: str | None = None) -> Exception:  # noqa: N802 - typer's name
    """Click's ``BadParameter`` (``raise BadParameter(...)`` in a command body)."""
    import typer

    return typer.BadParameter(message, param_hint=param_hint)


def for_typer(func):
    """``func`` as Typer must see it: the same function, with Typer parameters as defaults."""
    import functools
    import inspect

    @functools.wraps(func)
    def command(*args, **kwargs):
        return func(*args, **kwargs)

    signature = inspect.signature(func, eval_str=True)
    command.__signature__ = signature.replace(parameters=[
        p.replace(default=p.default.to_typer()) if isinstance(p.default, Param) else p
        for p in signature.parameters.values()
    ])
    return command


def _declared(func) -> bool:
    import inspect

    inner = inspect.unwrap(func)
    defaults = (*(getattr(inner, "__defaults__", None) or ()), *(getattr(inner, "__kwdefaults__", None) or {}).values())
    return any(isinstance(d, Param) for d in defaults)


def prepare(app) -> None:
    """Hand Typer real parameters in every command and callback of ``app`` (and of the Typer
    apps added to it) declared with this module; ``cli.build_app`` calls it once."""
    for info in app.registered_commands:
        if info.callback is not None and _declared(info.callback):
            info.callback = for_typer(info.callback)
    from typer import Typer

    for info in (app.registered_callback, *app.registered_groups):
        if info is None:
            continue
        if callable(info.callback) and _declared(info.callback):
            info.callback = for_typer(info.callback)
        if isinstance(getattr(info, "typer_instance", None), Typer):
            prepare(info.typer_instance)
