"""Field types of study files: quantities with units, quantities with errors, points, files.

Each annotated type parses the TOML value into internal units (science.md section 9) and raises
``ValueError`` with a message that says the expected form; the loader adds the key and the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationInfo

from ..errors import InputError
from ..parsing import point_field
from ..units import INTERNAL_UNITS, parse_quantity, parse_quantity_with_error
from .paths import check_regular_file, resolve_study_path

__all__ = [
    "Background",
    "Conductivity",
    "Diffusivity",
    "Dimensionless",
    "Energy",
    "Fraction",
    "InputFile",
    "Length",
    "LengthNm",
    "LengthWithError",
    "NumberDensity",
    "Point",
    "Temperature",
    "Time",
    "ValueErr",
    "Velocity",
    "guess_kind",
    "study_file",
]

_EXAMPLES = {
    "diffusivity": "2.6e-8 cm^2/s",
    "velocity": "1.5e-6 cm/s",
    "length": "16 um",
    "length_nm": "0.5 nm",
    "time": "110 h",
    "temperature": "22 degC",
    "energy": "0.43 eV",
    "conductivity": "1e-3 S/cm",
    "number_density": "5.0e21 cm^-3",
    "dimensionless": "0.95",
}


def _parse(kind: str) -> Any:
    def check(v: Any) -> float:
        example = _EXAMPLES.get(kind, "1.0")
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            raise ValueError(f"expected a quantity string such as {example!r}, got {v!r}")
        if not isinstance(v, str) and kind != "dimensionless":
            raise ValueError(f"expected a quantity with units such as {example!r}, got {v!r}")
        try:
            return parse_quantity(v, kind)
        except InputError as exc:
            msg = str(exc) if "expected" in str(exc) else f"{exc}; expected e.g. {example!r}"
            raise ValueError(msg) from None

    return BeforeValidator(check)


@dataclass(frozen=True)
class ValueErr:
    """A value with an optional standard deviation/error, in internal units."""

    value: float
    stderr: float | None = None


def _parse_err(kind: str) -> Any:
    def check(v: Any) -> ValueErr:
        if isinstance(v, ValueErr):
            return v
        if not isinstance(v, str):
            raise ValueError(f"expected a string such as '16+-11 um', got {v!r}")
        try:
            value, err = parse_quantity_with_error(v, kind)
        except InputError as exc:
            raise ValueError(f"{exc} (e.g. '16+-11 um')") from None
        return ValueErr(value, err)

    return BeforeValidator(check)


def _fraction(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise ValueError(f"expected an isotope fraction between 0 and 1 such as 0.0759, got {v!r}")
    x = parse_quantity(v, "dimensionless") if isinstance(v, str) else float(v)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"expected an isotope fraction between 0 and 1 such as 0.0759, got {v!r}")
    return x


def _background(v: Any) -> float | str:
    if v == "natural":
        return "natural"
    try:
        return _fraction(v)
    except (ValueError, InputError):
        raise ValueError(
            f"expected 'natural' or an isotope fraction between 0 and 1 such as 0.0759, got {v!r}"
        ) from None


def _input_file(v: Any, info: ValidationInfo) -> Path:
    if not isinstance(v, str) or not v:
        raise ValueError(f"expected a file path (relative to the study file), got {v!r}")
    return study_file(v, info.context)


def study_file(raw: str, context: dict[str, Any] | None) -> Path:
    """A path of the study, inside its folder or an allowed root, and a regular file."""
    ctx = context or {}
    base = Path(ctx.get("base_dir", "."))
    p = resolve_study_path(raw, base=base, roots=tuple(ctx.get("roots", ())))
    check_regular_file(p, shown=raw)
    return p


Diffusivity = Annotated[float, _parse("diffusivity")]
Velocity = Annotated[float, _parse("velocity")]
Length = Annotated[float, _parse("length")]
LengthNm = Annotated[float, _parse("length_nm")]
Time = Annotated[float, _parse("time")]
Temperature = Annotated[float, _parse("temperature")]
Energy = Annotated[float, _parse("energy")]
Conductivity = Annotated[float, _parse("conductivity")]
NumberDensity = Annotated[float, _parse("number_density")]
Dimensionless = Annotated[float, _parse("dimensionless")]
LengthWithError = Annotated[ValueErr, _parse_err("length")]
Point = Annotated[tuple[float, float], BeforeValidator(point_field)]
Fraction = Annotated[float, BeforeValidator(_fraction)]
Background = Annotated[float | str, BeforeValidator(_background)]
InputFile = Annotated[Path, BeforeValidator(_input_file)]


def guess_kind(text: str) -> tuple[str, float, str]:
    """The first quantity kind ``text`` parses as: (kind, value in internal units, JSON unit)."""
    try:
        return "dimensionless", float(text), ""
    except ValueError:
        pass
    for kind, (_, unit) in INTERNAL_UNITS.items():
        if kind in ("length_cm", "length_mm", "length_nm"):
            continue
        try:
            return kind, parse_quantity(text, kind), unit
        except InputError:
            continue
    raise ValueError(f"cannot read {text!r} as a quantity with units such as '8.0e-9 cm^2/s'")
