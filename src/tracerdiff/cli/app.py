"""The ``tracerdiff`` command: a typer app whose commands live one group per module."""

from __future__ import annotations

import sys
from typing import Any

import typer

try:  # typer >= 0.20 vendors its own click
    from typer._click import exceptions as _click_exc
except ImportError:  # pragma: no cover - older typer uses click itself
    from click import exceptions as _click_exc  # type: ignore[no-redef]

from ..errors import TracerdiffError
from .lazy_group import LazyGroup

#: command (or group) name -> the module of this package whose ``register(app)`` adds it, in
#: the order of the root help; a module is imported only when one of its commands runs
COMMANDS: dict[str, str] = {
    "info": "info_cmd",
    "run": "study_cmds",
    "validate": "study_cmds",
    "demo": "study_cmds",
    "example-data": "example_cmd",
    "fraction": "imaging_cmds",
    "profile": "imaging_cmds",
    "depth-profile": "depth_cmds",
    "fit": "fit_cmds",
    "gb-step": "gb_cmds",
    "gb-map": "gb_cmds",
    "grains": "gb_cmds",
    "series": "model_cmds",
    "arrhenius": "model_cmds",
    "nernst-einstein": "model_cmds",
    "haven": "model_cmds",
    "quench-check": "model_cmds",
    "regime": "model_cmds",
    "impedance": "impedance_cmds",
    "simulate": "sim_cmds",
    "view": "view_cmd",
}


#: options whose value is an output path (every other file named on the command line is an input)
_OUTPUT_OPTIONS = ("-o", "--out", "--output", "--png", "--csv")


class _Commands(LazyGroup):
    command_modules = COMMANDS

    def invoke(self, ctx: Any) -> Any:
        """Run the command: no output may replace an input; a failing command leaves none of
        its outputs (``--help`` and ``--version`` end before this, without loading the guards)."""
        from ..outputs import command_outputs, named_input_files, protect_inputs

        args = [*getattr(ctx, "_protected_args", ()), *ctx.args]
        with (
            protect_inputs(named_input_files(args, _OUTPUT_OPTIONS)),
            command_outputs(keep_on=(typer.Exit,)),
        ):
            return super().invoke(ctx)


app = typer.Typer(
    name="tracerdiff",
    cls=_Commands,
    help=(
        "Isotope-tracer SIMS to diffusion coefficients (grain boundary, bulk, effective).\n\n"
        "Example: mkdir try && cd try && tracerdiff example-data . && tracerdiff run study.toml"
        " -o results/\n\n"
        "Each command's help has its own example: tracerdiff COMMAND --help"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
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


_QUIET_LOGGERS = ("distributed", "h5py", "tifffile", "numexpr", "matplotlib", "PIL", "asyncio")


def _quiet_third_party(debug: bool) -> None:
    """Third-party log lines and warnings stay off stderr (unless --debug); tracerdiff's own
    warnings stay visible."""
    import logging
    import warnings

    if debug:
        return
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    warnings.filterwarnings("default", module=r"tracerdiff(\..*)?$")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _os_error_message(exc: OSError) -> str:
    """An OSError as one line naming the path (never file contents)."""
    import errno

    words = {
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
        errno.EISDIR: "is a folder, expected a file",
        errno.ENOTDIR: "not a folder",
        errno.EROFS: "read-only file system",
        errno.ENOSPC: "no space left on the device",
        errno.ENOENT: "no such file or folder",
        errno.EEXIST: "already exists",
    }
    what = words.get(exc.errno or -1) or _one_line(exc.strerror or type(exc).__name__)
    paths = [p for p in (exc.filename, getattr(exc, "filename2", None)) if p is not None]
    where = " -> ".join(str(p) for p in paths)
    return f"{where}: {what}" if where else what


def _last_line_of_defence(exc: BaseException) -> tuple[str, int]:
    """The one stderr line and exit code for an exception that escaped the commands."""
    if isinstance(exc, TracerdiffError):
        return f"error: {exc}", 2
    if isinstance(exc, OSError):
        return f"error: {_os_error_message(exc)}", 2
    if isinstance(exc, MemoryError):
        return "error: out of memory; try a smaller input, grid or --n-grains", 2
    if isinstance(exc, RecursionError):
        return "error: the input is nested too deeply (recursion limit reached)", 2
    if isinstance(exc, ValueError) and _is_mathtext(exc):
        return (
            "error: a label or file name is not valid matplotlib mathtext (a '$' in it?): "
            f"{_one_line(str(exc))[:200]}"
        ), 2
    return f"internal error: {type(exc).__name__}; rerun with --debug", 1


def _is_mathtext(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        if "mathtext" in tb.tb_frame.f_code.co_filename or "_mathtext" in str(
            tb.tb_frame.f_globals.get("__name__", "")
        ):
            return True
        tb = tb.tb_next
    return False


def _usage_error(exc: _click_exc.ClickException) -> None:
    """Usage errors (bad option values, missing arguments) as one line, like library errors;
    a bare group name prints the group's help (on stdout) and exits with code 2."""
    if isinstance(exc, _click_exc.NoArgsIsHelpError):
        sys.stdout.write(exc.format_message() + "\n")
        sys.exit(2)
    hint = ""
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        hint = f" (see '{ctx.command_path} --help')"
    message = exc.format_message()
    if message:  # a bare group name prints its help and has nothing to add
        sys.stderr.write(f"error: {_one_line(message)}{hint}\n")
    sys.exit(2 if exc.exit_code in (1, 2) else exc.exit_code)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; library errors become one line on stderr and exit code 2,
    an unexpected one 'internal error: <Type>' and exit code 1 (``--debug``: the traceback)."""
    from .textsafe import ascii_safe

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    _quiet_third_party(debug)
    for stream in (sys.stdout, sys.stderr):
        ascii_safe(stream)
    try:
        rv = app(args=args, standalone_mode=False, prog_name="tracerdiff")
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except _click_exc.ClickException as exc:
        _usage_error(exc)
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("aborted\n")
        sys.exit(1)
    except Exception as exc:  # the last line of defence: one line, never a traceback
        if debug:
            raise
        line, code = _last_line_of_defence(exc)
        sys.stderr.write(line + "\n")
        sys.exit(code)
    if isinstance(rv, int) and rv != 0:
        sys.exit(rv)
    sys.exit(0)
