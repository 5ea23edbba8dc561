"""``FractionOptions``: the one options object of the fraction computation.

The same validated model is built by the Python API (``fraction_map(ds, **options)``), by the
CLI (``tracerdiff fraction`` / ``profile`` from their flags) and by study files (a measurement's
``[measurements.corrections]`` table), so every option exists once, with one set of checks.

Values are in internal units (times in s); study files and the CLI give times as quantities with
units (``dwell_time = "1 ms"``, ``em_dead_time = "44 ns"``), Python code may pass the float
fields (``dwell_time_s=1e-3``, ``em_tau_s=44e-9``) by name.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from ..errors import InputError
from ..units import parse_quantity, parse_quantity_with_error
from .deadtime import EM_DEAD_TIME_S

__all__ = ["FractionOptions", "ProfileLine", "fraction_options"]

Reference = float | tuple[float, float]


def _pair_value(v: Any, *, what: str, example: str) -> Reference:
    """A number, ``"0.0759+-0.001"``, or ``[value, stderr]``: value or (value, stderr)."""
    if isinstance(v, bool):
        raise ValueError(f"expected {what} such as {example}, got {v!r}")
    if isinstance(v, (int, float)):
        return float(v)
    if (
        isinstance(v, (list, tuple))
        and len(v) == 2
        and all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in v)
    ):
        return float(v[0]), float(v[1])
    if isinstance(v, str):
        try:
            value, err = parse_quantity_with_error(v, "dimensionless")
        except InputError:
            raise ValueError(f"expected {what} such as {example}, got {v!r}") from None
        return value if err is None else (value, err)
    raise ValueError(f"expected {what} such as {example}, got {v!r}")


def _check01(r: Reference, what: str, expected: str) -> Reference:
    value, err = (r, 0.0) if isinstance(r, float) else r
    if not (np.isfinite(value) and 0.0 <= value <= 1.0):
        raise ValueError(f"expected {expected}, got {value:g}")
    if not (np.isfinite(err) and err >= 0):
        raise ValueError(f"{what} stderr must be >= 0, got {err:g}")
    return r


def _background(v: Any) -> Reference | str | None:
    if v is None or (isinstance(v, str) and v.strip().lower() == "natural"):
        return None if v is None else "natural"
    ex = "0.0759, '0.0759+-0.001' or 'natural'"
    return _check01(
        _pair_value(v, what="a fraction", example=ex),
        "background",
        "'natural' or an isotope fraction between 0 and 1 such as 0.0759",
    )


def _source(v: Any) -> Reference | None:
    if v is None:
        return None
    r = _pair_value(v, what="a fraction", example="0.95 or '0.95+-0.01'")
    return _check01(r, "source", "an isotope fraction between 0 and 1 such as 0.95")


def _alpha(v: Any) -> Reference | None:
    if v is None:
        return None
    r = _pair_value(v, what="a ratio", example="1.02 or '1.02+-0.01'")
    value, err = (r, 0.0) if isinstance(r, float) else r
    if not (np.isfinite(value) and value > 0 and np.isfinite(err) and err >= 0):
        raise ValueError(f"imf_alpha must be > 0 (stderr >= 0), got {v!r}")
    return r


def _seconds(v: Any) -> float | None:
    """A time: a quantity string with a unit (``"1 ms"``), or a float in s."""
    if v is None:
        return None
    if isinstance(v, str):
        try:
            return parse_quantity(v, "time")
        except InputError as exc:
            raise ValueError(f"{exc}; expected a time such as '1 ms'") from None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"expected a time such as '1 ms', got {v!r}")
    return float(v)


def _dtype(v: Any) -> Any:
    """``"float32"``, ``numpy.float32`` or ``numpy.dtype("float32")``: the name."""
    try:
        return np.dtype(v).name
    except TypeError:
        return v


Seconds = Annotated[float, BeforeValidator(_seconds)]


class FractionOptions(BaseModel):
    """Corrections and settings of the fraction map (science.md section 2, docs/imaging.md).

    ``dead_time``: auto | tof | em | none; ``shots_per_pixel`` x ``scans`` primary pulses per
    pixel (ToF); ``dwell_time_s`` (key ``dwell_time``) and ``em_tau_s`` (key ``em_dead_time``)
    for the electron multiplier; ``saturated``: raise | nan; ``drift``/``upsample``: frame
    alignment; ``bin``: k x k summing; ``imf_alpha``; ``background``/``source``: normalisation
    ``C' = (C - C_bg)/(C_s - C_bg)`` (value or (value, stderr); background ``"natural"``);
    ``mass_resolution`` (M/dM) for the interference check; ``min_counts``; ``systematic``:
    separate | combined; ``dtype`` of the map's arrays.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_by_name=True, validate_by_alias=True
    )

    shots_per_pixel: int | None = Field(default=None, gt=0)
    scans: int | None = Field(default=None, gt=0)
    dead_time: Literal["auto", "none", "tof", "em"] = "auto"
    dwell_time_s: Seconds | None = Field(default=None, gt=0, alias="dwell_time")
    em_tau_s: Seconds = Field(default=EM_DEAD_TIME_S, gt=0, alias="em_dead_time")
    saturated: Literal["raise", "nan"] = "raise"
    drift: bool = True
    upsample: int = Field(default=10, ge=1)
    bin: int = Field(default=1, ge=1)
    background: Annotated[Reference | str | None, BeforeValidator(_background)] = None
    source: Annotated[Reference | None, BeforeValidator(_source)] = None
    imf_alpha: Annotated[Reference | None, BeforeValidator(_alpha)] = None
    mass_resolution: float | None = Field(default=None, gt=0)
    min_counts: float = Field(default=1.0, ge=0)
    systematic: Literal["separate", "combined"] = "separate"
    dtype: Annotated[Literal["float32", "float64"], BeforeValidator(_dtype)] = "float32"

    @model_validator(mode="before")
    @classmethod
    def _units_required(cls, data: Any) -> Any:
        """Under the file keys (``dwell_time``, ``em_dead_time``) a time needs its unit."""
        if isinstance(data, dict):
            for key in ("dwell_time", "em_dead_time"):
                v = data.get(key)
                if v is not None and not isinstance(v, str):
                    raise ValueError(
                        f"{key}: expected a time with its unit such as '1 ms', got {v!r}"
                    )
        return data

    @model_validator(mode="after")
    def _normalisation_pair(self) -> FractionOptions:
        if (self.background is None) != (self.source is None):
            raise ValueError("normalisation needs both background and source fractions")
        return self

    @property
    def normalised(self) -> bool:
        """True when the map is normalised to background and source."""
        return self.source is not None

    def record(self) -> dict[str, Any]:
        """JSON-plain form (field names, internal units) for results and provenance."""
        return self.model_dump(mode="json")


def fraction_options(options: FractionOptions | None = None, **kwargs: Any) -> FractionOptions:
    """``options`` or a validated :class:`FractionOptions` from keyword options; a bad value is
    an :class:`InputError` naming the option."""
    if options is not None:
        if kwargs:
            raise InputError(
                f"give a FractionOptions or keyword options, not both ({', '.join(sorted(kwargs))})"
            )
        return options
    try:
        return FractionOptions(**kwargs)
    except ValidationError as exc:
        raise InputError(validation_message(exc)) from None


def validation_message(exc: ValidationError) -> str:
    """One line from the first error of a pydantic validation: ``key: what was expected``."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        known = ", ".join(sorted(FractionOptions.model_fields))
        return f"unknown fraction option {loc!r}; expected one of {known}"
    return f"{loc}: {msg}" if loc else msg


def _point(v: Any) -> tuple[float, float]:
    """``"X,Y"`` (um, or with a unit) or ``[x, y]`` in um."""
    from ..parsing import point_field

    return point_field(v)


def _length_um(v: Any) -> float:
    """A length: a quantity string with a unit (``"20 um"``), or a float in um."""
    if isinstance(v, str):
        try:
            return parse_quantity(v, "length")
        except InputError as exc:
            raise ValueError(f"{exc}; expected a length such as '20 um'") from None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"expected a length such as '20 um', got {v!r}")
    return float(v)


class ProfileLine(BaseModel):
    """A line profile across a map: ``start``/``end`` points and the ``width`` across the line
    (um). File keys ``start``, ``end`` (``"X,Y"`` in um) and ``width`` (with its unit,
    ``"20 um"``); Python names ``start_um``, ``end_um``, ``width_um`` (floats in um)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_by_name=True, validate_by_alias=True
    )

    start_um: Annotated[tuple[float, float], BeforeValidator(_point)] = Field(alias="start")
    end_um: Annotated[tuple[float, float], BeforeValidator(_point)] = Field(alias="end")
    width_um: Annotated[float, BeforeValidator(_length_um)] = Field(gt=0, alias="width")

    @model_validator(mode="before")
    @classmethod
    def _width_unit(cls, data: Any) -> Any:
        if isinstance(data, dict) and "width" in data and not isinstance(data["width"], str):
            raise ValueError(
                f"width: expected a length with its unit such as '20 um', got {data['width']!r}"
            )
        return data
