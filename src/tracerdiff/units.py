"""Units at the edges: parse quantity strings with pint into tracerdiff's internal units.

Internal unit system (science.md section 9): CGS for transport (cm, s, K; D in cm^2/s, k in cm/s,
conductivity in S/cm, number density in cm^-3), positions in um, energies in eV.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from .errors import UnitError

__all__ = [
    "E_CHARGE_C",
    "INTERNAL_UNITS",
    "K_B_EV",
    "K_B_J",
    "N_AVOGADRO",
    "celsius_to_kelvin",
    "format_quantity",
    "parse_quantity",
    "parse_quantity_with_error",
]

K_B_EV = 8.617333262e-5  #: Boltzmann constant, eV/K
K_B_J = 1.380649e-23  #: Boltzmann constant, J/K
E_CHARGE_C = 1.602176634e-19  #: elementary charge, C
N_AVOGADRO = 6.02214076e23  #: 1/mol
EV_TO_KJ_PER_MOL = 96.48533212  #: 1 eV per particle in kJ/mol


@lru_cache(maxsize=1)
def _registry() -> Any:
    """The pint unit registry, built on first use (building it takes ~0.4 s)."""
    import pint

    registry: Any = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    registry.define("micron = micrometer")
    return registry


def __getattr__(name: str) -> Any:
    if name == "ureg":  # ``tracerdiff.units.ureg``: the shared registry, built lazily
        return _registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

#: kind of quantity -> internal unit (pint spelling) and the unit string used in JSON
INTERNAL_UNITS: dict[str, tuple[str, str]] = {
    "diffusivity": ("cm**2/s", "cm^2/s"),
    "velocity": ("cm/s", "cm/s"),  # k = D_gb/delta, surface exchange k_s
    "length": ("um", "um"),
    "length_cm": ("cm", "cm"),
    "length_nm": ("nm", "nm"),
    "length_mm": ("mm", "mm"),
    "time": ("s", "s"),
    "temperature": ("K", "K"),
    "energy": ("eV", "eV"),
    "conductivity": ("S/cm", "S/cm"),
    "number_density": ("1/cm**3", "cm^-3"),
    "gradient": ("1/cm", "1/cm"),
    "rate": ("1/s", "1/s"),
    "dimensionless": ("dimensionless", ""),
}

_KIND_WORDS = {
    "dimensionless": "dimensionless number",
    "length_cm": "length",
    "length_nm": "length",
    "length_mm": "length",
    "number_density": "number density",
    "velocity": "velocity (D_gb/delta or k_s)",
}

_PM = re.compile(r"^\s*([^\s±+]+(?:[eE][+-]?\d+)?)\s*(?:\+-|±|\+/-)\s*([^\s]+)\s*(.*)$")


def _normalise(text: str) -> str:
    t = text.strip().replace("^", "**").replace("µ", "u").replace("μ", "u")
    t = re.sub(r"\bdeg\s*C\b", "degC", t)
    t = re.sub(r"(?<![A-Za-z])°C", "degC", t)
    t = re.sub(r"\bcm-3\b", "cm**-3", t)
    return t


def _dimensionality_error() -> type[Exception]:
    from pint import DimensionalityError

    return DimensionalityError


@lru_cache(maxsize=512)
def _parse(text: str) -> Any:
    try:
        q = _registry().Quantity(_normalise(text))
    except Exception as exc:  # pint raises many kinds
        raise UnitError(f"cannot parse quantity {text!r}: {exc}") from None
    return q


def parse_quantity(
    text: str | float | int, kind: str, *, default_unit: str | None = None
) -> float:
    """Parse ``text`` (e.g. ``"2.6e-8 cm^2/s"``, ``"22 degC"``) as a ``kind`` quantity.

    Returns a plain float in the internal unit of ``kind`` (see :data:`INTERNAL_UNITS`).
    A bare number is taken in ``default_unit`` (or the internal unit when that is None).
    Raises :class:`UnitError` naming the expected dimension when it does not match.
    """
    if kind not in INTERNAL_UNITS:
        raise UnitError(f"unknown quantity kind {kind!r}; expected one of {sorted(INTERNAL_UNITS)}")
    target, json_unit = INTERNAL_UNITS[kind]
    if isinstance(text, (int, float)):
        value = float(text)
        unit = default_unit or target
        q: Any = _registry().Quantity(value, _normalise(unit))
    else:
        q = _parse(str(text))
        if q.dimensionless and not str(text).strip().endswith("%") and kind != "dimensionless":
            unit = default_unit or target
            q = _registry().Quantity(float(q.magnitude), _normalise(unit))
    if kind == "energy" and q.check("[energy]/[substance]"):
        q = (q / _registry().Quantity(N_AVOGADRO, "1/mol")).to("eV")  # molar energy -> per particle
    try:
        value = float(q.to(target).magnitude)
    except _dimensionality_error():
        what = _KIND_WORDS.get(kind, kind.replace("_", " "))
        article = "an" if what[0] in "aeiou" else "a"
        raise UnitError(
            f"{text!r} is not {article} {what}; expected something like "
            f"'1.0 {json_unit or '(dimensionless)'}'"
        ) from None
    if not math.isfinite(value):
        raise UnitError(f"{text!r}: the value must be finite")
    return value


def parse_quantity_with_error(text: str, kind: str) -> tuple[float, float | None]:
    """Parse ``"16+-11 um"`` or ``"16 ± 11 um"`` into (value, error) in internal units."""
    m = _PM.match(str(text))
    if not m:
        return parse_quantity(text, kind), None
    value_s, err_s, unit = m.group(1), m.group(2), m.group(3).strip()
    value = parse_quantity(f"{value_s} {unit}".strip(), kind)
    err = parse_quantity(f"{err_s} {unit}".strip(), kind)
    if kind == "temperature" and unit:
        # an error on a temperature is a difference, not an absolute temperature
        err = float(err_s)
        if unit in ("K", "kelvin"):
            err = float(_registry().Quantity(err, _normalise(unit)).to("K").magnitude)
    return value, abs(err)


def celsius_to_kelvin(t_c: float) -> float:
    """Degrees Celsius to kelvin."""
    return float(t_c) + 273.15


def format_quantity(value: float, unit: str, stderr: float | None = None, digits: int = 3) -> str:
    """Human-readable ``value ± stderr unit`` with ``digits`` significant figures."""
    if value is None or not math.isfinite(value):
        return f"nan {unit}".strip()
    if stderr is None or not math.isfinite(stderr):
        return f"{value:.{digits}g} {unit}".strip()
    return f"{value:.{digits}g} ± {stderr:.2g} {unit}".strip()
