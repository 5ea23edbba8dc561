"""The root command group: each command's module is imported when the command runs.

``tracerdiff series ...`` imports the module of ``series`` only, and ``--version`` none; the
root ``--help`` (which lists every command) imports them all.  A module registers its commands
with ``register(app)`` on a :class:`typer.Typer`, as it would on the root app.
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

import typer
import typer.main
from typer.core import TyperGroup

from .help import help_text, use_plain_help

__all__ = ["LazyGroup", "registered_commands"]

#: module name -> the typer app its ``register`` filled (registered once per process)
_REGISTERED: dict[str, typer.Typer] = {}


def _no_callback() -> None:
    """Makes a module's app a group even when it registers one command."""


def _registered(module: str) -> typer.Typer:
    sub = _REGISTERED.get(module)
    if sub is None:
        sub = typer.Typer(
            add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None
        )
        sub.callback()(_no_callback)
        importlib.import_module(f"{__package__}.{module}").register(sub)
        _REGISTERED[module] = sub
    return sub


def registered_commands(module: str) -> dict[str, Any]:
    """The click commands (and groups) that ``module``'s ``register`` adds, by name."""
    group = typer.main.get_command(_registered(module))
    commands: dict[str, Any] = getattr(group, "commands", {})
    return {name: use_plain_help(cmd) for name, cmd in commands.items()}


class LazyGroup(TyperGroup):
    """A group whose commands come from ``command_modules`` (name -> module of this package),
    each module imported on first use; help pages are plain text (:mod:`.help`)."""

    command_modules: ClassVar[dict[str, str]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._loaded: set[str] = set()

    def _load(self, module: str) -> None:
        if module not in self._loaded:
            for name, cmd in registered_commands(module).items():
                self.commands.setdefault(name, cmd)
            self._loaded.add(module)

    def _load_all(self) -> None:
        for module in dict.fromkeys(self.command_modules.values()):
            self._load(module)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands:
            module = self.command_modules.get(cmd_name)
            if module is not None:
                self._load(module)
            if cmd_name not in self.commands:  # unknown name: suggestions need every command
                self._load_all()
        return self.commands.get(cmd_name)

    def list_commands(self, ctx: Any) -> list[str]:
        self._load_all()
        order = {name: i for i, name in enumerate(self.command_modules)}
        return sorted(self.commands, key=lambda n: order.get(n, len(order)))

    def format_help(self, ctx: Any, formatter: Any) -> None:
        formatter.write(help_text(self, ctx) + "\n")
