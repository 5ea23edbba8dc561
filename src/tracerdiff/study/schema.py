"""The study file schema (pydantic v2, unknown keys forbidden).

Sections: ``[study]``, ``[sample]``, ``[[histories]]`` (ordered stages), ``[[measurements]]``,
``[[analyses]]`` (tagged by ``type``, in :mod:`.schema_analyses`) and ``[[comparisons]]``.
Quantities are strings with units, parsed into internal units (science.md section 9); file paths
are relative to the study file. See docs/study.md for a documented example of every section.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from ..imaging.options import FractionOptions
from ._base import ID_PATTERN, Model
from .fields import (
    Diffusivity,
    Fraction,
    InputFile,
    Length,
    LengthNm,
    LengthWithError,
    NumberDensity,
    Point,
    Temperature,
    Time,
    study_file,
)
from .schema_analyses import (
    ANALYSIS_TYPES,
    AnalysisSpec,
    ArrheniusPoint,
    ArrheniusSpec,
    EvolutionFitSpec,
    FractionMapSpec,
    GBMapSpec,
    GBStepsSpec,
    GrainsSpec,
    HavenRatioSpec,
    LineProfileSpec,
    LineSpec,
    MapLine,
    NernstEinsteinSpec,
    ProfileFitSpec,
    QuenchCheckSpec,
    SeriesModelSpec,
)

__all__ = [
    "ANALYSIS_TYPES",
    "AnalysisSpec",
    "ArrheniusPoint",
    "ArrheniusSpec",
    "Comparison",
    "ControlPoint",
    "Corrections",
    "EvolutionFitSpec",
    "FractionMapSpec",
    "GBMapSpec",
    "GBStepsSpec",
    "GrainsSpec",
    "HavenRatioSpec",
    "History",
    "LineProfileSpec",
    "LineSpec",
    "MapLine",
    "Measurement",
    "NernstEinsteinSpec",
    "PathsSpec",
    "ProfileFitSpec",
    "QuenchCheckSpec",
    "Sample",
    "SeriesModelSpec",
    "StageSpec",
    "StudyFile",
    "StudyInfo",
    "files_of",
    "stage_index",
]

_ID = ID_PATTERN
_Model = Model


class StudyInfo(_Model):
    """``[study]``: a title, free text and the one seed every random stream derives from."""

    title: str
    description: str = ""
    seed: int = Field(default=0, ge=0)


class ControlPoint(_Model):
    """A micrograph pixel (column, row) and the SIMS map position (x, y in um) it shows."""

    micrograph: Point
    sims: Point


class Sample(_Model):
    """``[sample]``: the material and what is known about it (internal units)."""

    material: str
    li_density: NumberDensity | None = None
    grain_size: LengthWithError | None = None
    micrograph: InputFile | None = None
    micrograph_pixel_size: Length | tuple[Length, Length] | None = None
    micrograph_registration: Literal["map"] | list[ControlPoint] = "map"
    gb_width: LengthNm = Field(default=0.5, gt=0)
    d_bulk: Diffusivity | None = Field(default=None, gt=0)
    d_bulk_temperature: Temperature | None = None
    description: str = ""

    @field_validator("grain_size")
    @classmethod
    def _grain_size_positive(cls, v: Any) -> Any:
        if v is not None and (not v.value > 0 or (v.stderr is not None and v.stderr < 0)):
            raise ValueError("expected a grain size above 0 with an error of at least 0")
        return v

    @field_validator("micrograph_pixel_size")
    @classmethod
    def _pixel_size_positive(cls, v: Any) -> Any:
        sizes = v if isinstance(v, tuple) else (v,)
        if v is not None and not all(s > 0 for s in sizes):
            raise ValueError("expected a pixel size above 0")
        return v


class StageSpec(_Model):
    """One step of a thermal history: an isotope exchange, storage or an anneal."""

    name: str = Field(pattern=_ID)
    kind: Literal["exchange", "storage", "anneal"]
    temperature: Temperature
    duration: Time = Field(gt=0)
    boundary: Literal["source", "closed"] | None = None
    source_fraction: Fraction | None = None

    @property
    def boundary_resolved(self) -> str:
        """The boundary condition: ``source`` for an exchange, ``closed`` otherwise, if unset."""
        return self.boundary or ("source" if self.kind == "exchange" else "closed")


class History(_Model):
    """``[[histories]]``: one sample's ordered stages, the first one an exchange."""

    name: str = Field(pattern=_ID)
    stages: list[StageSpec] = Field(min_length=1)
    description: str = ""

    @field_validator("stages")
    @classmethod
    def _exchange_first(cls, stages: list[StageSpec]) -> list[StageSpec]:
        first = next((i for i, s in enumerate(stages) if s.kind == "exchange"), None)
        if first is None:
            raise ValueError("no stage of kind 'exchange'; expected the isotope exchange first")
        if first > 0:
            s = stages[0]
            raise ValueError(
                f"stage {s.name!r} ({s.kind}) comes before the exchange {stages[first].name!r}; "
                "expected the exchange first"
            )
        names = [s.name for s in stages]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"stage names must be unique; repeated: {sorted(dup)}")
        return stages


#: a measurement's ``corrections``: the library's one options object of the fraction map
Corrections = FractionOptions


class Measurement(_Model):
    """``[[measurements]]``: files, instrument, isotope pair and where in a history it was taken."""

    id: str = Field(pattern=_ID)
    kind: Literal["image", "profile", "spot_linescan"]
    files: list[InputFile] = Field(min_length=1)
    instrument: str = ""
    pair: str = "6Li/7Li"
    history: str | None = None
    after: str | None = None
    corrections: FractionOptions = FractionOptions()
    options: dict[str, Any] = Field(default_factory=dict)
    description: str = ""

    @field_validator("pair")
    @classmethod
    def _pair(cls, v: str) -> str:
        parts = v.split("/")
        if len(parts) != 2 or not all(p.strip() and p.strip()[0].isdigit() for p in parts):
            raise ValueError(f"expected 'A/B' such as '6Li/7Li', got {v!r}")
        return "/".join(p.strip() for p in parts)

    @field_validator("options")
    @classmethod
    def _option_files(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        pos = v.get("positions_um")
        if isinstance(pos, str):  # a table of positions, a file of the study like the others
            try:
                study_file(pos, info.context)
            except ValueError as exc:
                raise ValueError(f"positions_um: {exc}") from None
        return v


class Comparison(_Model):
    """A recovered number shown beside the truth and/or a published value in the report."""

    label: str
    result: str  # "<analysis id>.<key>[.<key>...]"
    truth: str | None = None  # "<file>#/json/pointer"
    published: str | None = None  # a quantity string, e.g. "8.0e-9 cm^2/s"
    note: str = ""

    @field_validator("truth")
    @classmethod
    def _truth_file(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is not None:
            name = v.split("#")[0]
            if not name:
                raise ValueError("expected '<file>#/json/pointer' relative to the study file")
            study_file(name, info.context)
        return v


class PathsSpec(_Model):
    """``[paths]``: folders outside the study's folder its files may be in (relative ones start
    at the study's folder). The loader reads them before the other sections."""

    roots: list[str] = Field(default_factory=list)


class StudyFile(_Model):
    """The whole study file."""

    study: StudyInfo
    sample: Sample
    histories: list[History] = Field(default_factory=list)
    measurements: list[Measurement] = Field(default_factory=list)
    analyses: list[AnalysisSpec] = Field(default_factory=list)
    comparisons: list[Comparison] = Field(default_factory=list)
    paths: PathsSpec = PathsSpec()

    def history(self, name: str) -> History:
        """The history called ``name``."""
        return next(h for h in self.histories if h.name == name)

    def measurement(self, mid: str) -> Measurement:
        """The measurement with id ``mid``."""
        return next(m for m in self.measurements if m.id == mid)


def stage_index(history: History, name: str) -> int:
    """Index of the stage called ``name`` in ``history``."""
    return next(i for i, s in enumerate(history.stages) if s.name == name)


def files_of(study: StudyFile) -> list[Path]:
    """Every input file the study names (measurements, tables, micrograph)."""
    out: list[Path] = [p for m in study.measurements for p in m.files]
    if study.sample.micrograph:
        out.append(study.sample.micrograph)
    for a in study.analyses:
        for name in ("table", "tracer_table", "conductivity_table", "micrograph"):
            p = getattr(a, name, None)
            if isinstance(p, Path):
                out.append(p)
    return out
