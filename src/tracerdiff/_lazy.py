"""Lazy public namespaces (PEP 562): a package names what it exports and which submodule
defines each name; the submodule is imported on first access, so importing the package stays
cheap (the command line starts without loading scipy, xarray or matplotlib)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["attach", "scipy_stats"]


def attach(
    package: str,
    table: dict[str, str],
    *,
    eager: Iterable[str] = (),
    aliases: dict[str, str] | None = None,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` whose public names come from ``table``
    (name -> submodule relative to the package); ``aliases`` maps extra names onto names."""
    alias_of = dict(aliases or {})
    public = sorted(set(table) | set(eager) | set(alias_of))

    def __getattr__(name: str) -> Any:
        target = alias_of.get(name, name)
        module = table.get(target)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), target)
        setattr(importlib.import_module(package), name, value)
        return value

    def __dir__() -> list[str]:
        return public

    return __getattr__, __dir__


def scipy_stats() -> Any:
    """``scipy.stats``, imported on first use (it alone takes ~1 s to import)."""
    from scipy import stats

    return stats
