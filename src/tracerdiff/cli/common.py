"""Shared helpers of the CLI commands: printing JSON and results, option parsing."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console

from ..errors import InputError
from ..outputs import atomic_path
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
    "check_count",
    "check_seed",
    "console",
    "emit",
    "err_console",
    "parse_fraction",
    "parse_lengths_xy",
    "parse_point",
    "parse_q",
    "parse_q_with_error",
    "parse_t",
    "read_counts",
    "save_png",
]

#: help of the calibration options of every command that reads images
PIXEL_SIZE_HELP = "Pixel size 'P' or 'PX,PY' (e.g. '0.5 um'; bare: um); overrides the file's."
FIELD_OF_VIEW_HELP = "Field of view 'F' or 'FX,FY' (e.g. '256 um'; bare: um); overrides the file's."
CALIBRATION_HINT = "pass --pixel-size (e.g. '0.5 um') or --field-of-view (e.g. '256 um')"


# soft_wrap: never hard-wrap output (paths and JSON stay whole when piped to a file)
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def emit(payload: dict[str, Any], *, as_json: bool, text: str | None = None) -> None:
    """Print ``payload`` as strict JSON (``--json``) or ``text`` for humans."""
    if as_json:
        sys.stdout.write(to_json(payload) + "\n")
    else:
        console.print(text if text is not None else to_json(payload), highlight=False)


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


def parse_point(text: str, *, option: str, default_unit: str = "um") -> tuple[float, float]:
    """Parse ``"X,Y"`` (optionally with a unit: ``"10,20 um"`` or ``"10 um,20 um"``) in um."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2:
        raise InputError(f"{option}: expected 'X,Y' (e.g. '10,25' in um), got {text!r}")
    unit = ""
    last = parts[1].split()
    if len(last) == 2 and len(parts[0].split()) == 1:
        parts[1], unit = last[0], last[1]
    vals = []
    for p in parts:
        s = f"{p} {unit}".strip()
        v = parse_q(s, "length", option=option, default_unit=default_unit)
        assert v is not None
        vals.append(v)
    return vals[0], vals[1]


def parse_q_with_error(text: str, kind: str, *, option: str) -> tuple[float, float | None]:
    """Parse ``"16+-11 um"`` (or a plain quantity) for an option; the error names the option."""
    try:
        return parse_quantity_with_error(text, kind)
    except InputError as exc:
        raise type(exc)(_named(option, exc)) from None


def parse_lengths_xy(text: str, *, option: str) -> tuple[float, float]:
    """``"X,Y"`` (um, or with a unit) or one value for both axes; both must be positive."""
    if "," in text:
        x, y = parse_point(text, option=option)
    else:
        v = parse_q(text, "length", option=option, default_unit="um")
        assert v is not None
        x = y = v
    if not (x > 0 and y > 0):
        raise InputError(f"{option}: expected one or two positive lengths, got {text!r}")
    return x, y


def save_png(fig: Any, path: str, *, force: bool, dpi: int = 130) -> None:
    """Write ``fig`` as a PNG atomically (never half-written, no overwrite without force), then
    close it."""
    import matplotlib.pyplot as plt

    try:
        with atomic_path(path, force=force) as tmp:
            fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
    finally:
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
        return open_counts(files, require_length=require_length,
                           **calibration(pixel_size, field_of_view), **options)
    except UncalibratedError as exc:
        raise UncalibratedError(f"{str(exc).split('; give')[0]}; {CALIBRATION_HINT}") from None
