"""CLI commands for reading and quantifying images: filled in by the io/imaging work."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the io/imaging commands to ``app``."""
