"""The page's text inputs parsed with the project's one quantity parser (units at the edge):
D_b, delta, guard, resolution, line width and pixel size, into plain floats (cm^2/s, nm, um)."""

from __future__ import annotations

from ..errors import InputError
from ..units import parse_quantity, parse_quantity_with_error
from .session import StepSettings

__all__ = ["parse_length_um", "parse_pixel_size", "step_settings"]


def _named(what: str, exc: Exception) -> InputError:
    return InputError(f"{what}: {exc}")


def parse_length_um(text: str, *, what: str) -> float:
    """A positive length (bare numbers in um)."""
    try:
        v = float(parse_quantity(text, "length", default_unit="um"))
    except InputError as exc:
        raise _named(what, exc) from None
    if not v > 0:
        raise InputError(f"{what}: expected a positive length, got {text!r}")
    return v


def parse_pixel_size(text: str) -> tuple[float, float]:
    """Pixel size 'P' or 'PX,PY' (bare numbers in um)."""
    parts = [t for t in text.split(",") if t.strip()]
    if len(parts) not in (1, 2):
        raise InputError(f"pixel size: expected 'P' or 'PX,PY' (um), got {text!r}")
    vals = [parse_length_um(p, what="pixel size") for p in parts]
    return (vals[0], vals[-1])


def step_settings(d_bulk: str, delta: str, guard: str, resolution: str, order: int) -> StepSettings:
    """The step-analysis inputs of the page (an empty guard: the library default)."""
    if not d_bulk.strip():
        raise InputError("D_b: enter the bulk diffusivity, e.g. '2.6e-8 cm^2/s'")
    try:
        db, db_err = parse_quantity_with_error(d_bulk, "diffusivity")
        delta_nm = float(parse_quantity(delta, "length_nm"))
    except InputError as exc:
        raise _named("D_b or delta", exc) from None
    guard_um = parse_length_um(guard, what="guard") if guard.strip() else None
    res = parse_length_um(resolution, what="resolution")
    if not delta_nm > 0:
        raise InputError(f"delta: expected a positive width, got {delta!r}")
    return StepSettings(
        d_bulk=float(db),
        d_bulk_err=None if db_err is None else float(db_err),
        delta_nm=delta_nm,
        guard_um=guard_um,
        resolution_um=res,
        order=int(order),
    )
