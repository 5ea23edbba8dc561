"""The ``tracerdiff`` command: a typer app whose commands live one group per module."""

from __future__ import annotations

import sys

import typer

try:  # typer >= 0.20 vendors its own click
    from typer._click import exceptions as _click_exc
except ImportError:  # pragma: no cover - older typer uses click itself
    from click import exceptions as _click_exc  # type: ignore[no-redef]

from ..errors import TracerdiffError

app = typer.Typer(
    name="tracerdiff",
    help="Isotope-tracer SIMS to diffusion coefficients (grain boundary, bulk, effective).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"tracerdiff {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
) -> None:
    """Isotope-tracer SIMS to diffusion coefficients.

    Example: tracerdiff demo
    """


# --- command groups: each module adds its commands to `app` -------------------------------------
def _register() -> None:
    import importlib

    names: tuple[str, ...] = (
        "info_cmd",
        "study_cmds",
        "imaging_cmds",
        "model_cmds",
        "fit_cmds",
        "gb_cmds",
        "sim_cmds",
        "example_cmd",
    )
    for name in names:
        importlib.import_module(f"{__package__}.{name}").register(app)


_register()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; library errors become one line on stderr and exit code 2."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        rv = app(args=args, standalone_mode=False, prog_name="tracerdiff")
    except TracerdiffError as exc:
        if debug:
            raise
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except _click_exc.ClickException as exc:
        # usage errors (bad option values, missing arguments) as one line, like library errors
        hint = ""
        ctx = getattr(exc, "ctx", None)
        if ctx is not None:
            hint = f" (see '{ctx.command_path} --help')"
        message = exc.format_message()
        if message:  # a bare group name prints its help and has nothing to add
            sys.stderr.write(f"error: {message}{hint}\n")
        sys.exit(2 if exc.exit_code in (1, 2) else exc.exit_code)
    except typer.Abort:
        sys.stderr.write("aborted\n")
        sys.exit(1)
    if isinstance(rv, int) and rv != 0:
        sys.exit(rv)
    sys.exit(0)
