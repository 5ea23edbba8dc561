"""The options objects of the grain-boundary analyses, one per analysis, shared by the Python API,
the CLI (built from its flags) and study files (the ``[[analyses]]`` keys of ``gb_steps`` and
``gb_map`` are these models' file keys):

* :class:`StepOptions`: the step analysis of a profile (``tracerdiff gb-step``, a study's
  ``gb_steps`` and the line route of ``gb_map``);
* :class:`BoundaryMapOptions` (:mod:`.boundary_map`): every boundary of a map (``gb-map``).

File keys carry units (``window = "12 um"``, ``dt = "16 d"``, ``d_bulk = "2.6e-8+-0.3e-8
cm^2/s"``); Python code may pass the float fields by name in internal units (``window_um=12.0``,
``dt_s=1.4e6``, ``d_bulk=2.6e-8``, ``d_bulk_err=3e-9``: cm^2/s, um, s, nm, degrees).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ..errors import InputError
from ..units import parse_quantity, parse_quantity_with_error

__all__ = ["GBOptionsModel", "StepOptions", "options_message", "quantity_field"]


def quantity_field(kind: str, example: str) -> Any:
    """A pydantic validator: a float in internal units from a quantity string (with its unit), a
    number, or a list of them; ``example`` is named when the text is not such a quantity."""

    def check(v: Any) -> Any:
        if isinstance(v, list):
            return [check(t) for t in v]
        if v is None or isinstance(v, bool) or not isinstance(v, str):
            return v
        try:
            return parse_quantity(v, kind)
        except InputError as exc:
            raise ValueError(f"{exc}; expected e.g. {example!r}") from None

    return BeforeValidator(check)


LengthUm = Annotated[float, quantity_field("length", "12 um")]
LengthNm = Annotated[float, quantity_field("length_nm", "0.5 nm")]
Seconds = Annotated[float, quantity_field("time", "16 d")]


def _finite(v: float | None, what: str, *, positive: bool = True) -> None:
    if v is not None and not (math.isfinite(v) and (v > 0 if positive else v >= 0)):
        raise ValueError(f"{what} must be {'positive' if positive else '>= 0'}, got {v:g}")


def options_message(exc: ValidationError, model: type[BaseModel]) -> str:
    """One line from the first error of a validation: ``key: what was expected``."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        known = ", ".join(sorted(f.alias or n for n, f in model.model_fields.items()))
        return f"unknown option {loc!r}; expected one of {known}"
    return f"{loc}: {msg}" if loc else msg


class GBOptionsModel(BaseModel):
    """Base of the options models: frozen, unknown keys forbidden, file keys or Python names; a
    bad value raises :class:`~tracerdiff.errors.InputError` naming the option (from Python) or
    a validation error with the key and line (in a study file)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_name=True,
                              validate_by_alias=True)

    #: the file keys that hold a quantity and need their unit in a file
    QUANTITY_KEYS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise InputError(options_message(exc, type(self))) from None

    # validation inside other models (a study file) keeps pydantic's own path and context
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @model_validator(mode="before")
    @classmethod
    def _units_under_file_keys(cls, data: Any) -> Any:
        """Under a file key (``window``) a quantity needs its unit; the float goes by its name
        (``window_um``)."""
        if isinstance(data, dict):
            for key in cls.QUANTITY_KEYS:
                v = data.get(key)
                items = v if isinstance(v, (list, tuple)) else [v]
                if key not in cls.WITH_ERRORS and v is not None and not all(isinstance(t, str)
                                                                 for t in items):
                    name = next((n for n, f in cls.model_fields.items() if f.alias == key), key)
                    raise ValueError(f"{key}: expected a quantity with its unit (e.g. "
                                     f"{_EXAMPLES.get(key, '1 um')!r}) or {name} in internal "
                                     f"units, got {v!r}")
        return data

    #: file keys whose text may carry a standard error ("V+-E unit"), with their kind; the
    #: error goes to the field ``<key>_err``
    WITH_ERRORS: ClassVar[dict[str, str]] = {"d_bulk": "diffusivity"}

    @model_validator(mode="before")
    @classmethod
    def _error_text(cls, data: Any) -> Any:
        """``d_bulk = "2.6e-8+-0.3e-8 cm^2/s"``: the value and its standard error."""
        if not isinstance(data, dict):
            return data
        for key, kind in cls.WITH_ERRORS.items():
            if not isinstance(data.get(key), str) or f"{key}_err" not in cls.model_fields:
                continue
            if data.get(f"{key}_err") is not None:
                raise ValueError(f"{key}: give its error in the text ('2.6e-8+-0.3e-8 "
                                 f"{'cm^2/s' if kind == 'diffusivity' else 'cm/s'}'), not also "
                                 f"as {key}_err")
            try:
                v, e = parse_quantity_with_error(data[key], kind)
            except InputError as exc:
                raise ValueError(f"{key}: {exc}") from None
            data = {**data, key: v, f"{key}_err": e}
        return data

    @classmethod
    def check_file_units(cls, data: Any) -> Any:
        """In a file, quantities are strings with units and Python names are not keys."""
        if not isinstance(data, dict):
            return data
        for key in cls.QUANTITY_KEYS:
            v = data.get(key)
            items = v if isinstance(v, list) else [v]
            if v is not None and not all(isinstance(t, str) for t in items):
                raise ValueError(f"{key}: expected a quantity with its unit (e.g. "
                                 f"{_EXAMPLES.get(key, '1 um')!r}), got {v!r}")
        for name, f in cls.model_fields.items():
            errs = {f"{k}_err": k for k in cls.WITH_ERRORS}
            if name in data and (f.alias not in (None, name) or name in errs):
                key = f.alias or errs[name]
                raise ValueError(f"{name}: not a study key; use {key!r} with its unit")
        return data


_EXAMPLES = {"d_bulk": "2.6e-8 cm^2/s", "delta": "0.5 nm", "window": "12 um", "guard": "1.5 um",
             "resolution": "1 um", "width": "20 um", "dt": "16 d", "time": "110 h",
             "min_length": "5 um", "pixel_size": "0.5 um", "field_of_view": "256 um",
             "line_width": "1 um", "min_grain": "2 um", "reference_T": "22 degC",
             "density": "5e21 cm^-3", "extrapolate": "-110 degC", "k": "1.5e-6 cm/s",
             "d_eff": "2.2e-9 cm^2/s", "grain_size": "16+-11 um",
             "grain_size_error": "0.6 um"}


class StepOptions(GBOptionsModel):
    """Options of the step analysis of one profile (:func:`analyze_profile_steps`).

    ``boundaries``: positions (um along the profile) or ``"auto"`` (steps detected; their
    angles are unknown and flagged). ``d_bulk`` (cm^2/s) and ``d_bulk_err``; ``delta_nm``
    (None: 0.5 nm); ``window_um`` fit extent per side (None: up to the next boundary);
    ``guard_um`` (None: 2.5 x ``resolution_um``); ``order`` 1 or 2; ``angle_deg`` /
    ``flux_angle_deg`` one value or one per boundary (signed degrees of the GB normal and of the
    diffusion direction from the profile); ``width_um`` the profile width for the inclined-GB
    smearing (None: the profile's ``width_um`` attribute, else 0); ``curvature`` shared |
    separate | auto. The two-profile flux estimator (with a later profile of the same line):
    ``dt_s`` the time between them, ``closed_end`` left | right, ``time_s`` the exchange time
    of the first (see :func:`tracerdiff.grain_boundary.flux.two_map_flux`).
    """

    QUANTITY_KEYS: ClassVar[tuple[str, ...]] = ("d_bulk", "delta", "window", "guard",
                                                "resolution", "width", "dt", "time")

    boundaries: Literal["auto"] | list[float] = "auto"
    d_bulk: float | None = None
    d_bulk_err: float | None = None
    delta_nm: LengthNm | None = Field(default=None, alias="delta")
    window_um: LengthUm | None = Field(default=None, gt=0, alias="window")
    guard_um: LengthUm | None = Field(default=None, alias="guard")
    resolution_um: LengthUm = Field(default=1.0, alias="resolution")
    order: Literal[1, 2] = 2
    angle_deg: float | list[float] = Field(default=0.0, alias="angle")
    flux_angle_deg: float | list[float] = Field(default=0.0, alias="flux_angle")
    width_um: LengthUm | None = Field(default=None, alias="width")
    curvature: Literal["auto", "shared", "separate"] = "shared"
    dt_s: Seconds | None = Field(default=None, alias="dt")
    closed_end: Literal["left", "right"] | None = None
    time_s: Seconds | None = Field(default=None, alias="time")

    @field_validator("angle_deg", "flux_angle_deg")
    @classmethod
    def _one_angle(cls, v: float | list[float]) -> float | list[float]:
        """One angle given as a one-item list is that angle (for every boundary)."""
        return float(v[0]) if isinstance(v, list) and len(v) == 1 else v

    @model_validator(mode="after")
    def _consistent(self) -> StepOptions:
        self.check(self.boundaries)
        return self

    def check(self, boundaries: Literal["auto"] | list[float]) -> None:
        """The checks of the options together, for these ``boundaries``."""
        _finite(self.d_bulk, "d_bulk (D_b, cm^2/s)")
        _finite(self.d_bulk_err, "the error of d_bulk", positive=False)
        _finite(self.delta_nm, "delta (nm)")
        _finite(self.resolution_um, "the lateral resolution (um)")
        _finite(self.guard_um, "guard (um)", positive=False)
        _finite(self.width_um, "width (um)", positive=False)
        _finite(self.dt_s, "dt (s)")
        _finite(self.time_s, "time (s)")
        if boundaries == "auto":
            if isinstance(self.angle_deg, list) or self.angle_deg != 0.0:
                raise ValueError("angle needs explicit boundary positions (not 'auto')")
            if isinstance(self.flux_angle_deg, list) and len(self.flux_angle_deg) > 1:
                raise ValueError("boundaries 'auto' takes one flux_angle")
        if self.dt_s is None and (self.closed_end is not None or self.time_s is not None):
            raise ValueError("closed_end and time belong to the two-profile flux: give dt")

    @property
    def delta(self) -> float:
        """delta (nm), 0.5 nm unless given."""
        return 0.5 if self.delta_nm is None else self.delta_nm

    @property
    def detected(self) -> bool:
        """True when the boundaries are found automatically."""
        return self.boundaries == "auto"

    def record(self) -> dict[str, Any]:
        """JSON-plain form (Python names, internal units)."""
        return self.model_dump(mode="json")
