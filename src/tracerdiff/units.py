"""Units at the edges: parse quantity strings with pint into tracerdiff's internal units.

Internal unit system (science.md section 9): CGS for transport (cm, s, K; D in cm^2/s, k in cm/s,
conductivity in S/cm, number density in cm^-3), positions in um, energies in eV.
"""

from __future__ import annotations

import math
import re
import sys
from functools import lru_cache
from typing import Any

from .errors import InputError, UnitError

__all__ = [
    "E_CHARGE_C",
    "INTERNAL_UNITS",
    "K_B_EV",
    "K_B_J",
    "N_AVOGADRO",
    "celsius_to_kelvin",
    "check_fraction01",
    "check_positive",
    "check_temperature",
    "format_quantity",
    "parse_fraction01",
    "parse_positive",
    "parse_quantity",
    "parse_quantity_with_error",
    "parse_temperature",
]

K_B_EV = 8.617333262e-5  #: Boltzmann constant, eV/K
K_B_J = 1.380649e-23  #: Boltzmann constant, J/K
E_CHARGE_C = 1.602176634e-19  #: elementary charge, C
N_AVOGADRO = 6.02214076e23  #: 1/mol
EV_TO_KJ_PER_MOL = 96.48533212  #: 1 eV per particle in kJ/mol


def _import_pint() -> Any:
    """pint, imported without its optional dask support: when dask is installed, ``pint.compat``
    imports ``dask.base`` (with jinja2 and psutil: ~0.4 s, most of a command's start-up), for
    dask-array quantities tracerdiff never makes.  ``sys.modules["dask"] = None`` makes pint's
    ``find_spec("dask")`` answer None while pint is imported; dask stays importable after."""
    if "pint" in sys.modules or "dask" in sys.modules:
        import pint

        return pint
    sys.modules["dask"] = None  # type: ignore[assignment]
    try:
        import pint
    finally:
        if "dask" in sys.modules and sys.modules["dask"] is None:
            del sys.modules["dask"]
    return pint


@lru_cache(maxsize=1)
def _registry() -> Any:
    """The pint unit registry, built on first use (building it takes ~0.4 s)."""
    pint = _import_pint()

    try:  # the parsed definitions cached in the user's cache folder: 0.04 s instead of 0.3 s
        registry: Any = pint.UnitRegistry(
            autoconvert_offset_to_baseunit=True, cache_folder=":auto:"
        )
    except Exception:  # no writable cache folder (or no cache support): build from scratch
        registry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
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
    "area": ("cm**2", "cm^2"),  # electrode areas (impedance: sigma = d / (A R))
    "time": ("s", "s"),
    "temperature": ("K", "K"),
    "energy": ("eV", "eV"),
    "conductivity": ("S/cm", "S/cm"),
    "number_density": ("1/cm**3", "cm^-3"),
    "gradient": ("1/cm", "1/cm"),
    "rate": ("1/s", "1/s"),
    "temperature_rate": ("K/s", "K/s"),  # heating or cooling rates, e.g. '5 K/min'
    "dimensionless": ("dimensionless", ""),
}

_KIND_WORDS = {
    "dimensionless": "dimensionless number",
    "length_cm": "length",
    "length_nm": "length",
    "length_mm": "length",
    "number_density": "number density",
    "velocity": "velocity (D_gb/delta or k_s)",
    "temperature_rate": "heating or cooling rate",
}

_PM = re.compile(r"^\s*([^\s±+]+(?:[eE][+-]?\d+)?)\s*(?:\+-|±|\+/-)\s*([^\s]+)\s*(.*)$")
#: concise uncertainty notation: "16(11) um" = 16 +- 11 um, "2.35(12)e-8 cm^2/s"
_CONCISE = re.compile(r"^\s*([-+]?\d+)(?:\.(\d+))?\((\d+)\)((?:[eE][-+]?\d+)?)\s*(.*)$")

MAX_TEXT = 200  #: longest quantity string accepted
MAX_NUMBER_EXPONENT = 1000  #: largest |exponent| of a power of a number
MAX_UNIT_EXPONENT = 10  #: largest |exponent| of a power of a unit
_UNSIGNED = r"(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_NUMBER = r"[-+]?" + _UNSIGNED
_POWER = re.compile(r"(\S?)\s*\*\*\s*(\(?\s*)(" + _NUMBER + r")?")
_NUM_TOKEN = re.compile(r"(?<![\w.])" + _UNSIGNED + r"(?![\w.])")
_NONFINITE = re.compile(r"(?i)\b(?:inf|infinity|nan)\b")
_UNIT_DIGITS = re.compile(r"(?<![\w.])([A-Za-z]+)(-?\d+)\b")


def _normalise(text: str) -> str:
    t = text.strip().replace("^", "**").replace("µ", "u").replace("μ", "u")
    t = re.sub(r"\bdeg\s*C\b", "degC", t)
    t = re.sub(r"(?<![A-Za-z])°C", "degC", t)
    return _UNIT_DIGITS.sub(r"\1**\2", t)  # cm2/s -> cm**2/s, cm-3 -> cm**-3


def _check_powers(text: str, t: str) -> None:
    """Refuse power chains and huge exponents before pint evaluates them (9^9^9 runs for
    minutes)."""
    for m in _POWER.finditer(t):
        base, exponent = m.group(1), m.group(3)
        rest = t[m.end() :].lstrip()
        if exponent is None or rest.startswith("**") or (m.group(2) and not rest.startswith(")")):
            raise UnitError(
                f"{text!r}: expected a plain number as the exponent after '^' "
                "(one power per term, e.g. 'cm^2/s')"
            )
        on_number = base.isdigit() or base in ".)"
        limit = MAX_NUMBER_EXPONENT if on_number else MAX_UNIT_EXPONENT
        if abs(float(exponent)) > limit:
            what = "a number" if on_number else "a unit"
            raise UnitError(
                f"{text!r}: the exponent {exponent} of {what} exceeds {limit} in magnitude"
            )


def _check_text(text: str) -> str:
    """The normalised form of ``text`` after refusing what pint must never see."""
    if len(text) > MAX_TEXT:
        raise UnitError(
            f"a quantity of {len(text)} characters; expected at most {MAX_TEXT} "
            "(e.g. '2.6e-8 cm^2/s')"
        )
    t = _normalise(text)
    if _NONFINITE.search(t):
        raise UnitError(f"{text!r}: the value must be a finite number")
    for m in _NUM_TOKEN.finditer(t):
        x = float(m.group(0))
        if not math.isfinite(x) or (
            x == 0.0 and re.search(r"[1-9]", m.group(0).split("e")[0].split("E")[0])
        ):
            raise UnitError(
                f"{text!r}: the number {m.group(0)} is out of the range of "
                "floating point (about 1e-300 to 1e300)"
            )
    if re.search(r"\d\s*\(", t):
        raise UnitError(
            f"{text!r}: a number followed by '(' is read as a product; for a value "
            "with an uncertainty write '16+-11 um' (or '16(11) um' where a value "
            "with an error is accepted)"
        )
    _check_powers(text, t)
    return t


def _pint_errors() -> tuple[type[Exception], ...]:
    _import_pint()
    from pint.errors import DimensionalityError, OffsetUnitCalculusError

    return DimensionalityError, OffsetUnitCalculusError


@lru_cache(maxsize=512)
def _parse(text: str) -> Any:
    t = _check_text(text)
    try:
        q = _registry().Quantity(t)
    except OverflowError:
        raise UnitError(
            f"{text!r}: the value is out of the range of floating point (about 1e-300 to 1e300)"
        ) from None
    except Exception as exc:  # pint raises many kinds
        raise UnitError(f"cannot parse quantity {text!r}: {exc}") from None
    return q


#: kinds whose values are never negative (a negative D, k, sigma or density is impossible)
_NON_NEGATIVE = frozenset({"diffusivity", "velocity", "conductivity", "number_density", "area"})


def _coulomb_hint(text: str, kind: str) -> str:
    if kind == "temperature" and re.search(r"(?<![A-Za-z])C\s*$", text.strip()):
        return "; 'C' is the coulomb: for degrees Celsius write 'degC' (e.g. '22 degC')"
    return ""


def _dimension_error(text: str, kind: str, json_unit: str) -> UnitError:
    what = _KIND_WORDS.get(kind, kind.replace("_", " "))
    article = "an" if what[0] in "aeiou" else "a"
    example = (
        "'22 degC' or '295.15 K'"
        if kind == "temperature"
        else (f"'1.0 {json_unit or '(dimensionless)'}'")
    )
    return UnitError(
        f"{text!r} is not {article} {what}; expected something like {example}"
        + _coulomb_hint(str(text), kind)
    )


def _to_quantity(text: str | float | int, kind: str, target: str, default_unit: str | None) -> Any:
    if isinstance(text, (int, float)):
        if not math.isfinite(float(text)):
            raise UnitError(f"{text!r}: the value must be finite")
        return _registry().Quantity(float(text), _normalise(default_unit or target))
    q = _parse(str(text))
    if q.dimensionless and not str(text).strip().endswith("%") and kind != "dimensionless":
        if kind == "temperature" and default_unit is None:
            raise UnitError(
                f"{text!r}: a temperature needs its unit, K or degC (e.g. '295.15 K' or '22 degC')"
            )
        try:
            magnitude = float(q.magnitude)
        except (OverflowError, ArithmeticError):
            raise UnitError(f"{text!r}: the value must be finite") from None
        q = _registry().Quantity(magnitude, _normalise(default_unit or target))
    return q


def parse_quantity(text: str | float | int, kind: str, *, default_unit: str | None = None) -> float:
    """Parse ``text`` (e.g. ``"2.6e-8 cm^2/s"``, ``"22 degC"``) as a ``kind`` quantity.

    Returns a plain float in the internal unit of ``kind`` (see :data:`INTERNAL_UNITS`).
    A bare number is taken in ``default_unit`` (or the internal unit when that is None; a bare
    temperature string is refused without ``default_unit``). Raises :class:`UnitError` naming
    the expected dimension when it does not match, and for impossible values: a temperature at
    or below 0 K, a negative diffusivity, velocity, conductivity or number density.

    >>> print(f"{parse_quantity('22 degC', 'temperature'):g} K")
    295.15 K
    >>> print(f"{parse_quantity('2.6e-8 m^2/s', 'diffusivity'):g} cm^2/s")
    0.00026 cm^2/s
    >>> print(f"{parse_quantity('0.5 nm', 'length'):g} um")
    0.0005 um
    >>> parse_quantity("22", "temperature")
    Traceback (most recent call last):
    ...
    tracerdiff.errors.UnitError: '22': a temperature needs its unit, K or degC (e.g. ...)
    """
    if kind not in INTERNAL_UNITS:
        raise UnitError(f"unknown quantity kind {kind!r}; expected one of {sorted(INTERNAL_UNITS)}")
    target, json_unit = INTERNAL_UNITS[kind]
    if kind == "temperature_rate" and isinstance(text, str):
        text = re.sub(r"deg\s*C|°C", "delta_degC", text)
    q = _to_quantity(text, kind, target, default_unit)
    if kind == "energy" and q.check("[energy]/[substance]"):
        q = (q / _registry().Quantity(N_AVOGADRO, "1/mol")).to("eV")  # molar energy -> per particle
    try:
        value = float(q.to(target).magnitude)
    except _pint_errors():
        raise _dimension_error(str(text), kind, json_unit) from None
    except (OverflowError, ArithmeticError):
        raise UnitError(f"{text!r}: the value must be finite") from None
    if not math.isfinite(value):
        raise UnitError(f"{text!r}: the value must be finite")
    if kind == "temperature" and value <= 0.0:
        raise UnitError(
            f"{text!r} is {value:.6g} K: a temperature must be above 0 K (absolute zero)"
        )
    if kind in _NON_NEGATIVE and value < 0.0:
        what = _KIND_WORDS.get(kind, kind).split(" (")[0]
        raise UnitError(
            f"{text!r}: {'an' if what[0] in 'aeiou' else 'a'} {what} cannot be negative"
        )
    return value


def _concise(text: str) -> tuple[str, str, str] | None:
    """``"16(11) um"`` -> ("16", "11", "um"); ``"2.35(12) um"`` -> ("2.35", "0.12", "um")."""
    m = _CONCISE.match(text)
    if not m:
        return None
    whole, decimals, digits, exp, unit = m.groups()
    value = f"{whole}.{decimals}{exp}" if decimals else f"{whole}{exp}"
    err = float(digits) * 10.0 ** (-len(decimals or ""))
    return value, f"{err!r}{exp}", unit


def parse_quantity_with_error(text: str, kind: str) -> tuple[float, float | None]:
    """Parse ``"16+-11 um"``, ``"16 ± 11 um"`` or ``"16(11) um"`` (concise notation: the error
    in units of the last digit) into (value, error) in internal units."""
    if len(str(text)) > MAX_TEXT:
        _check_text(str(text))
    parts = _concise(str(text))
    if parts is None:
        m = _PM.match(str(text))
        if not m:
            return parse_quantity(text, kind), None
        parts = (m.group(1), m.group(2), m.group(3).strip())
    value_s, err_s, unit = parts
    value = parse_quantity(f"{value_s} {unit}".strip(), kind)
    if kind == "temperature":
        # an error on a temperature is a difference: K and degC steps are the same size
        if unit and _normalise(unit) not in ("K", "kelvin", "degC"):
            raise UnitError(f"{text!r}: expected a temperature error in K or degC")
        err = parse_quantity(err_s, "dimensionless")
    else:
        err = parse_quantity(f"{err_s} {unit}".strip(), kind)
    return value, abs(err)


def check_positive(value: float, *, what: str, unit: str = "", allow_zero: bool = False) -> float:
    """``value`` if it is finite and > 0 (>= 0 with ``allow_zero``), else an :class:`InputError`
    naming ``what``. The one range check of the CLI options and the study file fields."""
    ok = math.isfinite(value) and (value >= 0.0 if allow_zero else value > 0.0)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise InputError(f"{what} must be {bound}, got {value:g} {unit}".rstrip())
    return value


def check_fraction01(value: float, *, what: str) -> float:
    """``value`` if it is an isotope fraction in [0, 1], else an :class:`InputError`."""
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise InputError(f"{what} must be an isotope fraction between 0 and 1, got {value:g}")
    return value


def check_temperature(value: float, *, what: str, min_K: float = 0.0) -> float:
    """``value`` (K) if it is above ``min_K`` (and 0 K), else an :class:`InputError`."""
    ok = value >= min_K if min_K > 0 else value > 0.0
    if not (math.isfinite(value) and ok):
        bound = f"at least {min_K:g} K" if min_K > 0 else "above 0 K"
        raise InputError(f"{what} must be {bound}, got {value:.6g} K")
    return value


def parse_positive(
    text: str | float,
    kind: str,
    *,
    what: str,
    allow_zero: bool = False,
    default_unit: str | None = None,
) -> float:
    """Parse a ``kind`` quantity that must be > 0 (>= 0 with ``allow_zero``): a D, k, time,
    thickness or grain size."""
    value = parse_quantity(text, kind, default_unit=default_unit)
    return check_positive(value, what=what, unit=INTERNAL_UNITS[kind][1], allow_zero=allow_zero)


def parse_fraction01(text: str | float, *, what: str) -> float:
    """Parse an isotope fraction (``0.0759``, ``7.59 %``) and require it in [0, 1]."""
    return check_fraction01(parse_quantity(text, "dimensionless"), what=what)


def parse_temperature(
    text: str | float, *, what: str, min_K: float = 0.0, default_unit: str | None = None
) -> float:
    """Parse a temperature (with its unit, K or degC) in K and require it >= ``min_K``."""
    value = parse_quantity(text, "temperature", default_unit=default_unit)
    return check_temperature(value, what=what, min_K=min_K)


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
