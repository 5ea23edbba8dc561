"""``tracerdiff example-data``: the README's quick-start inputs from the bundled demo data."""

from __future__ import annotations

import typer

from .common import emit


def example_data(
    directory: str = typer.Argument(".", help="Folder to write into (created if missing)."),
    force: bool = typer.Option(False, "--force", help="Replace files of the same names."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (keys: docs/cli.md)."),
) -> None:
    """Write example inputs (the simulated LLTO demo study) under the README's names.

    Example: mkdir try && cd try && tracerdiff example-data .
    """
    from ..examples import write_example_data

    res = write_example_data(directory, force=force)
    emit(res.to_dict(), as_json=as_json, text=str(res))


def register(app: typer.Typer) -> None:
    """Add ``example-data`` to the app."""
    app.command("example-data")(example_data)
