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
from typing import Any, ClassVar, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from ..options_base import (
    GBOptionsModel,
    LengthNm,
    LengthUm,
    Seconds,
    options_message,
    quantity_field,
)

__all__ = ["GBOptionsModel", "StepOptions", "options_message", "quantity_field"]


def _finite(v: float | None, what: str, *, positive: bool = True) -> None:
    if v is not None and not (math.isfinite(v) and (v > 0 if positive else v >= 0)):
        raise ValueError(f"{what} must be {'positive' if positive else '>= 0'}, got {v:g}")


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

    QUANTITY_KEYS: ClassVar[tuple[str, ...]] = (
        "d_bulk",
        "delta",
        "window",
        "guard",
        "resolution",
        "width",
        "dt",
        "time",
    )

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
