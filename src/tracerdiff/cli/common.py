"""Shared helpers of the CLI commands: printing JSON and results, option parsing."""

from __future__ import annotations

import sys
from typing import Any

from ..errors import DataError, InputError
from ..outputs import atomic_path
from ..parsing import parse_lengths_xy, parse_point
from ..quantities import to_json
from ..units import (
    check_fraction01,
    check_positive,
    check_temperature,
    parse_quantity,
    parse_quantity_with_error,
)

#: largest --n-grains of a Monte Carlo chain (memory grows with grains x draws)
MAX_N_GRAINS = 100_000

__all__ = [
    "MAX_N_GRAINS",
    "calibration",
    "check_count",
    "check_seed",
    "emit",
    "image_pixel_size",
    "parse_fraction",
    "parse_lengths_xy",
    "parse_point",
    "parse_q",
    "parse_q_with_error",
    "parse_t",
    "read_counts",
    "save_png",
    "with_calibration_hint",
]

#: help of the calibration options of every command that reads images
PIXEL_SIZE_HELP = "Pixel size 'P' or 'PX,PY' (e.g. '0.5 um'; bare: um); overrides the file's."
FIELD_OF_VIEW_HELP = "Field of view 'F' or 'FX,FY' (e.g. '256 um'; bare: um); overrides the file's."
CALIBRATION_HINT = "pass --pixel-size (e.g. '0.5 um') or --field-of-view (e.g. '256 um')"


def __getattr__(name: str) -> Any:
    """``console`` / ``err_console``: rich consoles (stdout, stderr) made on first use (rich
    takes a while to import); soft_wrap: never hard-wrapped when piped to a file."""
    if name not in ("console", "err_console"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from rich.console import Console

    value = Console(stderr=name == "err_console", soft_wrap=True)
    globals()[name] = value
    return value


def emit(payload: dict[str, Any], *, as_json: bool, text: str | None = None) -> None:
    """Print ``payload`` as strict JSON (``--json``) or ``text`` for humans, as it is: never
    wrapped, and brackets such as ``[um]`` are text, not markup."""
    out = to_json(payload) if as_json or text is None else text
    sys.stdout.write(out.rstrip("\n") + "\n")


def parse_q(
    text: str | None,
    kind: str,
    *,
    option: str,
    default_unit: str | None = None,
    positive: bool = False,
    allow_zero: bool = False,
) -> float | None:
    """Parse an option value with units; the error names the option. ``positive`` refuses
    values <= 0 (< 0 with ``allow_zero``): D, k, times, thicknesses, grain sizes."""
    if text is None:
        return None
    try:
        v = parse_quantity(text, kind, default_unit=default_unit)
        if positive or allow_zero:
            check_positive(v, what=option, allow_zero=allow_zero)
    except InputError as exc:
        raise type(exc)(_named(option, exc)) from None
    return v


def _named(option: str, exc: Exception) -> str:
    msg = str(exc)
    return msg if msg.startswith(option) else f"{option}: {msg}"


def parse_t(text: str | None, *, option: str, min_K: float = 0.0) -> float | None:
    """A temperature option (K or degC, the unit required) in K, at least ``min_K``."""
    if text is None:
        return None
    try:
        return check_temperature(parse_quantity(text, "temperature"), what=option, min_K=min_K)
    except InputError as exc:
        raise type(exc)(_named(option, exc)) from None


def parse_fraction(text: str, *, option: str) -> tuple[float, float | None]:
    """An isotope fraction option (``0.0759`` or ``0.0759+-0.001``) in [0, 1]."""
    v, e = parse_q_with_error(text, "dimensionless", option=option)
    try:
        check_fraction01(v, what=option)
    except InputError as exc:
        raise type(exc)(_named(option, exc)) from None
    return v, e


def check_seed(seed: int | None, *, option: str = "--seed") -> int | None:
    """A random seed must be a non-negative integer."""
    if seed is not None and seed < 0:
        raise InputError(f"{option} must be a non-negative integer, got {seed}")
    return seed


def check_count(n: int | None, *, option: str, maximum: int) -> int | None:
    """A count option in [1, ``maximum``]; the message states the cap."""
    if n is not None and not 1 <= n <= maximum:
        raise InputError(f"{option} must be between 1 and {maximum:,}, got {n:,}")
    return n


def parse_q_with_error(text: str, kind: str, *, option: str) -> tuple[float, float | None]:
    """Parse ``"16+-11 um"`` (or a plain quantity) for an option; the error names the option."""
    try:
        return parse_quantity_with_error(text, kind)
    except InputError as exc:
        raise type(exc)(_named(option, exc)) from None


def save_png(fig: Any, path: str, *, force: bool, dpi: int = 130) -> None:
    """Write ``fig`` (a ``matplotlib.figure.Figure``, see :mod:`tracerdiff.figures`) as a PNG
    atomically (never half-written, no overwrite without force); a figure that pyplot manages
    is closed afterwards."""
    try:
        with atomic_path(path, force=force) as tmp:
            fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
    finally:
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:
            plt.close(fig)


def calibration(pixel_size: str | None, field_of_view: str | None) -> dict[str, Any]:
    """``pixel_size_um`` / ``field_of_view_um`` from ``--pixel-size`` / ``--field-of-view``."""
    if pixel_size is not None and field_of_view is not None:
        raise InputError("give --pixel-size or --field-of-view, not both")
    out: dict[str, Any] = {}
    if pixel_size is not None:
        out["pixel_size_um"] = parse_lengths_xy(pixel_size, option="--pixel-size")
    if field_of_view is not None:
        out["field_of_view_um"] = parse_lengths_xy(field_of_view, option="--field-of-view")
    return out


def read_counts(
    files: list[str],
    *,
    pixel_size: str | None,
    field_of_view: str | None,
    require_length: bool,
    **options: Any,
) -> Any:
    """Count images through :func:`tracerdiff.imaging.open_counts`, calibrated by the options;
    a missing pixel size (where a length is needed) names ``--pixel-size``/``--field-of-view``."""
    from ..imaging.calibration import UncalibratedError, open_counts

    try:
        return open_counts(
            files,
            require_length=require_length,
            **calibration(pixel_size, field_of_view),
            **options,
        )
    except UncalibratedError as exc:
        raise UncalibratedError(with_calibration_hint(exc)) from None
    except DataError as exc:
        if "species=" not in str(exc):
            raise
        raise type(exc)(
            str(exc).split("; pass species=")[0]
            + "; name them with --species (e.g. --species 6Li,7Li)"
        ) from None


def with_calibration_hint(exc: Exception) -> str:
    """The message of a missing-pixel-size error, naming ``--pixel-size``/``--field-of-view``."""
    return f"{str(exc).split('; give')[0]}; {CALIBRATION_HINT}"


def image_pixel_size(
    pixel_size: str | None, field_of_view: str | None, shape: tuple[int, ...], *, what: str
) -> tuple[float, float]:
    """(p_x, p_y) in um of an image of ``shape`` (rows, cols) from ``--pixel-size`` or
    ``--field-of-view``; neither is an error naming both (``what`` needs a physical length)."""
    from ..imaging.calibration import UncalibratedError

    geo = calibration(pixel_size, field_of_view)
    if "pixel_size_um" in geo:
        px, py = geo["pixel_size_um"]
        return float(px), float(py)
    if "field_of_view_um" in geo:
        fx, fy = geo["field_of_view_um"]
        return fx / shape[1], fy / shape[0]
    raise UncalibratedError(f"{what} needs a physical length: {CALIBRATION_HINT}")
