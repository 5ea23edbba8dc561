"""Schemas of the ``[[analyses]]`` of a study file, one per ``type`` (pydantic v2, unknown keys
forbidden); see docs/study.md for an example of each."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ..fitting.evolution_options import EvolutionFitOptions
from ..fitting.fit_options import ProfileFitOptions
from ..grain_boundary.map_analysis import GBMapOptions
from ..grain_boundary.options import StepOptions
from ..imaging.options import ProfileLine
from ..microstructure.grains import GrainOptions
from ..models.arrhenius_options import ArrheniusOptions
from ..models.haven_options import HavenOptions
from ..models.series_options import SeriesOptions
from ..units import K_B_EV
from ._base import ID_PATTERN, Model
from .fields import (
    Diffusivity,
    Energy,
    InputFile,
    Length,
    NumberDensity,
    Point,
    Temperature,
    Time,
)
from .schema_impedance import ImpedanceSpec
from .schema_regions import RegionsSpec

__all__ = [
    "ANALYSIS_TYPES",
    "AnalysisSpec",
    "ArrheniusPoint",
    "ArrheniusSpec",
    "BulkArrhenius",
    "EvolutionFitSpec",
    "FractionMapSpec",
    "GBMapSpec",
    "GBStepsSpec",
    "GrainsSpec",
    "HavenRatioSpec",
    "LineProfileSpec",
    "LineSpec",
    "MapLine",
    "NernstEinsteinSpec",
    "ProfileFitSpec",
    "QuenchCheckSpec",
    "RegionsSpec",
    "SeriesModelSpec",
]

_ID = ID_PATTERN
_Model = Model


class _Analysis(_Model):
    id: str = Field(pattern=_ID)
    title: str = ""

    def depends_on(self) -> list[str]:
        """Ids of analyses whose results this one uses."""
        return []

    def measurements(self) -> list[str]:
        """Ids of the measurements this one reads."""
        return []


class FractionMapSpec(_Analysis):
    """Isotope-fraction map of an image measurement (with optional line overlays)."""

    type: Literal["fraction_map"]
    measurement: str
    vmin: float | None = None
    vmax: float | None = None

    def measurements(self) -> list[str]:
        return [self.measurement]


class LineSpec(ProfileLine):
    """A line across a map (the library's :class:`~tracerdiff.imaging.ProfileLine`: start and
    end points in um, a width) with the GB positions along it (um) or ``"auto"``."""

    boundaries: Literal["auto"] | list[float] = "auto"


class LineProfileSpec(_Analysis):
    """A line profile of an image measurement (the ``tracerdiff profile`` of a study)."""

    type: Literal["line_profile"]
    measurement: str
    line: ProfileLine

    def measurements(self) -> list[str]:
        return [self.measurement]


class GBStepsSpec(_Analysis, StepOptions):
    """The fraction step at grain boundaries: k = D_gb/delta per boundary, and a summary.

    The step options are the library's :class:`~tracerdiff.grain_boundary.StepOptions` (the
    flags of ``tracerdiff gb-step``); ``flux_from`` names a later measurement of the same
    field for the two-profile flux estimator (``dt`` defaults to the time between the two in
    the history)."""

    type: Literal["gb_steps"]
    measurement: str
    lines: list[LineSpec] = Field(default_factory=list)
    flux_from: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _file_units(cls, data: Any) -> Any:
        return cls.check_file_units(data)

    @model_validator(mode="after")
    def _consistent(self) -> GBStepsSpec:
        for where in [ln.boundaries for ln in self.lines] or [self.boundaries]:
            self.check(where)
        return self

    def measurements(self) -> list[str]:
        return [self.measurement, *([self.flux_from] if self.flux_from else [])]


class MapLine(_Model):
    """A profile line across a map: start and end points (um)."""

    start: Point
    end: Point


class GBMapSpec(_Analysis, GBMapOptions):
    """The boundaries of a map (``tracerdiff gb-map``): ``route = "boundaries"`` (default
    without ``lines``) fits every boundary between the grains of ``labels`` (an integer image
    on the map's grid; none: segmented from the map); ``route = "micrograph"`` (default with
    ``lines``) the crossings of the lines with the boundaries of the [sample] micrograph. The
    options are the library's :class:`~tracerdiff.grain_boundary.GBMapOptions`."""

    type: Literal["gb_map"]
    measurement: str
    route: Literal["boundaries", "micrograph"] | None = None
    labels: InputFile | None = None

    @model_validator(mode="before")
    @classmethod
    def _file_units(cls, data: Any) -> Any:
        return cls.check_file_units(data)

    @model_validator(mode="after")
    def _route(self) -> GBMapSpec:
        if self.resolved_route == "micrograph" and self.labels is not None:
            raise ValueError("labels belong to the boundaries route (no lines)")
        if self.resolved_route == "boundaries" and self.lines:
            raise ValueError("lines belong to the micrograph route")
        return self

    @property
    def resolved_route(self) -> str:
        """``route``, or micrograph with lines and boundaries without."""
        return self.route or ("micrograph" if self.lines else "boundaries")

    def measurements(self) -> list[str]:
        return [self.measurement]


class ProfileFitSpec(_Analysis, ProfileFitOptions):
    """A long-range profile fitted by erfc, surface exchange or thin film at one time; the
    options are the library's :class:`~tracerdiff.fitting.fit_options.ProfileFitOptions` (the
    flags of ``tracerdiff fit erfc|exchange|thin-film``); ``time`` defaults to the time since
    the exchange began (from the history)."""

    type: Literal["profile_fit"]
    measurement: str

    @model_validator(mode="before")
    @classmethod
    def _file_units(cls, data: Any) -> Any:
        return cls.check_file_units(data)

    def measurements(self) -> list[str]:
        return [self.measurement]


class EvolutionFitSpec(_Analysis, EvolutionFitOptions):
    """D (isothermal stages) or D0 and Ea (``fit = "arrhenius"``: stages at several
    temperatures) from how a measured profile evolves into later ones through the history; the
    options are the library's :class:`~tracerdiff.fitting.evolution_options.EvolutionFitOptions`
    (the flags of ``tracerdiff fit evolution``); ``time`` defaults to the times between the
    measurements in the history, ``initial_time`` to the exchange (first) stage."""

    type: Literal["evolution_fit"]
    initial: str
    later: list[str] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _file_units(cls, data: Any) -> Any:
        return cls.check_file_units(data)

    def measurements(self) -> list[str]:
        return [self.initial, *self.later]


class GrainsSpec(_Analysis, GrainOptions):
    """Grain sizes from a micrograph (or a label image): diameters, mean linear intercept; the
    options are the library's :class:`~tracerdiff.microstructure.GrainOptions` (the flags of
    ``tracerdiff grains``). ``micrograph`` and ``pixel_size`` default to [sample]."""

    type: Literal["grains"]
    micrograph: InputFile | None = None

    @model_validator(mode="before")
    @classmethod
    def _file_units(cls, data: Any) -> Any:
        return cls.check_file_units(data)


class BulkArrhenius(_Model):
    """Bulk diffusivity law D_b(T) = D_ref exp(-Ea/k_B (1/T - 1/T_ref)) (cm^2/s, K, eV)."""

    D_ref: Diffusivity = Field(gt=0)
    T_ref: Temperature = Field(gt=0)
    Ea: Energy = Field(ge=0)

    def at(self, temperature_k: float) -> float:
        """D_b (cm^2/s) at ``temperature_k`` (K)."""
        return self.D_ref * math.exp(-self.Ea / K_B_EV * (1 / temperature_k - 1 / self.T_ref))


class SeriesModelSpec(_Analysis, SeriesOptions):
    """Effective D of a polycrystal from D_b, k and the grain size (series / MG / brick), or
    k = D_gb/delta from the D_eff of another analysis (``d_eff_from``). The options are the
    library's :class:`~tracerdiff.models.series_options.SeriesOptions` (the flags of
    ``tracerdiff series``); ``k_from``, ``grain_size_from``, ``d_eff_from`` take values from
    other analyses, ``d_bulk``, ``grain_size`` and ``delta`` default to [sample]."""

    type: Literal["series_model"]
    k_from: str | None = None
    grain_size_from: str | None = None
    d_eff_from: str | None = None
    d_bulk_arrhenius: BulkArrhenius | None = None

    @model_validator(mode="before")
    @classmethod
    def _file_units(cls, data: Any) -> Any:
        return cls.check_file_units(data)

    @field_validator("d_eff_from")
    @classmethod
    def _solve_or_forward(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is not None and (info.data.get("k") is not None or info.data.get("k_from")):
            raise ValueError(
                "give d_eff_from (solve for k) or k / k_from (compute D_eff), not both"
            )
        return v

    @field_validator("d_bulk_arrhenius")
    @classmethod
    def _one_bulk(cls, v: BulkArrhenius | None, info: ValidationInfo) -> BulkArrhenius | None:
        if v is not None and info.data.get("d_bulk") is not None:
            raise ValueError("give d_bulk (one temperature) or d_bulk_arrhenius, not both")
        return v

    def depends_on(self) -> list[str]:
        return [a for a in (self.k_from, self.grain_size_from, self.d_eff_from) if a]


class ArrheniusPoint(_Model):
    """One D value at a temperature."""

    temperature: Temperature
    value: Diffusivity
    stderr: Diffusivity | None = None


class ArrheniusSpec(_Analysis, ArrheniusOptions):
    """Arrhenius fit of D(T) from a table, listed points and/or other analyses' results; the
    options are the library's :class:`~tracerdiff.models.arrhenius_options.ArrheniusOptions`
    (the flags of ``tracerdiff arrhenius``)."""

    type: Literal["arrhenius"]
    table: InputFile | None = None
    points: list[ArrheniusPoint] = Field(default_factory=list)
    from_analyses: list[str] = Field(default_factory=list)
    key: str = "D_eff"

    @model_validator(mode="before")
    @classmethod
    def _file_units(cls, data: Any) -> Any:
        return cls.check_file_units(data)

    def depends_on(self) -> list[str]:
        return list(self.from_analyses)


class NernstEinsteinSpec(_Analysis):
    """D_sigma from a conductivity table (Nernst-Einstein)."""

    type: Literal["nernst_einstein"]
    table: InputFile
    density: NumberDensity | None = None
    charge: int = Field(default=1, ge=1)


class HavenRatioSpec(_Analysis, HavenOptions):
    """Haven ratio from a tracer Arrhenius analysis (or table) and a conductivity table, or from
    two values (``d_tracer``, ``d_sigma``); the options are the library's
    :class:`~tracerdiff.models.haven_options.HavenOptions` (the flags of ``tracerdiff haven``);
    ``shared_ea`` defaults to true here, ``density`` to [sample] li_density."""

    type: Literal["haven_ratio"]
    tracer: str | None = None
    tracer_table: InputFile | None = None
    conductivity_table: InputFile | None = None
    shared_ea: bool = True

    @model_validator(mode="before")
    @classmethod
    def _file_units(cls, data: Any) -> Any:
        return cls.check_file_units(data)

    def depends_on(self) -> list[str]:
        return [self.tracer] if self.tracer else []


class QuenchCheckSpec(_Analysis):
    """Cryo quench check: diffusion lengths during SIMS imaging against the resolution."""

    type: Literal["quench_check"]
    arrhenius: str | None = None
    table: InputFile | None = None
    #: an Arrhenius analysis of D_b, checked beside the law of ``arrhenius`` / ``table``
    bulk_arrhenius: str | None = None
    stage_temperature: Temperature
    time: Time = Field(gt=0)
    resolution: Length = Field(gt=0)

    def depends_on(self) -> list[str]:
        return [a for a in (self.arrhenius, self.bulk_arrhenius) if a]


AnalysisSpec = Annotated[
    FractionMapSpec
    | LineProfileSpec
    | GBStepsSpec
    | GBMapSpec
    | ProfileFitSpec
    | EvolutionFitSpec
    | GrainsSpec
    | SeriesModelSpec
    | ArrheniusSpec
    | NernstEinsteinSpec
    | HavenRatioSpec
    | QuenchCheckSpec
    | ImpedanceSpec
    | RegionsSpec,
    Field(discriminator="type"),
]

ANALYSIS_TYPES = (
    "fraction_map",
    "line_profile",
    "gb_steps",
    "gb_map",
    "profile_fit",
    "evolution_fit",
    "grains",
    "series_model",
    "arrhenius",
    "nernst_einstein",
    "haven_ratio",
    "quench_check",
    "impedance",
    "regions",
)
