"""Option values shared by the model commands: required quantities, values with standard
errors, temperatures, and Arrhenius tables fitted with the library's options."""

from __future__ import annotations

from typing import Any

import typer

from ..errors import InputError
from .common import parse_q, parse_q_with_error, parse_t

__all__ = ["ALLOW_COLD", "JSON", "fit_table", "required", "required_temperature", "with_error"]

JSON = typer.Option(False, "--json", help="Print JSON (stable keys, see docs/cli.md).")
ALLOW_COLD = typer.Option(False, "--allow-cold", help="Accept T_K below 50 K in the tables.")


def required(text: str | None, kind: str, option: str, *, positive: bool = True) -> float:
    """The quantity ``text`` of ``kind`` in internal units; an error naming ``option`` if absent."""
    v = parse_q(text, kind, option=option, positive=positive)
    if v is None:
        raise InputError(f"{option} is required")
    return v


def with_error(text: str | None, kind: str, option: str) -> tuple[float | None, float | None]:
    """'1.5e-6+-0.2e-6 cm/s' -> (value, standard error); (None, None) when not given."""
    if text is None:
        return None, None
    v, e = parse_q_with_error(text, kind, option=option)
    if not v > 0:
        raise InputError(f"{option} must be > 0; got {text!r}")
    return v, e


def required_temperature(text: str, option: str) -> float:
    """A required temperature in K ('22 degC', '295 K'; a bare number is refused)."""
    v = parse_t(text, option=option)
    if v is None:
        raise InputError(f"{option} is required")
    return v


def fit_table(
    path: str,
    density: str | None,
    charge: int,
    allow_cold: bool,
    reference_t: str | None = None,
    excess_scatter: str = "random_effects",
) -> Any:
    """The Arrhenius fit of the table at ``path`` (:func:`~tracerdiff.models.arrhenius_options.
    arrhenius_of_table`, the study's function) with the options of the flags."""
    from ..models.arrhenius_options import ArrheniusOptions, arrhenius_of_table

    opts: dict[str, Any] = {
        "density_cm3": parse_q(density, "number_density", option="--density"),
        "charge": charge,
        "allow_cold": allow_cold,
        "reference_T_K": parse_t(reference_t, option="--reference-T"),
        "excess_scatter": excess_scatter,
    }
    return arrhenius_of_table(path, ArrheniusOptions(**opts))
