"""What one viewer session analyses, through the library functions the CLI calls.

The map is :func:`tracerdiff.imaging.fraction_map` with one :class:`FractionOptions` (as
``tracerdiff fraction``); a line is a :class:`~tracerdiff.imaging.ProfileLine` profiled by
:func:`tracerdiff.imaging.line_profile` (as ``tracerdiff profile``) and analysed by
:func:`tracerdiff.grain_boundary.profile_steps.analyze_profile_steps` with one
:class:`~tracerdiff.grain_boundary.options.StepOptions` (as ``tracerdiff gb-step``);
regions are :func:`tracerdiff.imaging.regions.roi_stats` (as ``tracerdiff fraction --roi``).
Nothing here imports Panel or Bokeh, so it is tested and timed without a browser.
Units: positions um, D cm^2/s, k cm/s, delta nm.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from ..results import ResultMixin

if TYPE_CHECKING:
    import xarray as xr

    from ..grain_boundary import StepResult
    from ..grain_boundary.detect import StepDetection
    from ..grain_boundary.options import StepOptions
    from ..grain_boundary.profile_steps import ProfileSteps
    from ..imaging.options import FractionOptions, ProfileLine

__all__ = [
    "Line",
    "LineAnalysis",
    "MapSource",
    "StepSettings",
    "analyse_line",
    "as_map_source",
    "open_map",
    "study_maps",
]


def Line(start_um: tuple[float, float], end_um: tuple[float, float],
         width_um: float) -> ProfileLine:  # fmt: skip
    """The :class:`~tracerdiff.imaging.ProfileLine` of two end points and a width (um)."""
    from ..imaging.options import ProfileLine

    return ProfileLine.model_validate(
        {"start_um": start_um, "end_um": end_um, "width_um": width_um}
    )


@dataclass(frozen=True)
class StepSettings:
    """The inputs of the step analysis that the page offers (``gb-step``'s flags).

    ``d_bulk`` (cm^2/s) with ``d_bulk_err``, ``delta_nm``, ``guard_um`` (None: the library's
    2.5 x ``resolution_um``), ``order`` of the polynomials.
    """

    d_bulk: float
    d_bulk_err: float | None = None
    delta_nm: float = 0.5
    guard_um: float | None = None
    resolution_um: float = 1.0
    order: int = 2

    def __post_init__(self) -> None:
        if not (math.isfinite(self.d_bulk) and self.d_bulk > 0):
            raise InputError(f"D_b must be a positive diffusivity (cm^2/s), got {self.d_bulk}")
        if self.order not in (1, 2):
            raise InputError(f"polynomial order must be 1 or 2, got {self.order}")

    def step_options(self, boundaries: Sequence[float] | None) -> StepOptions:
        """The :class:`StepOptions` of ``gb-step`` for these boundaries (None: detected); the
        width comes from the profile, as ``gb-step`` takes it from the profile file."""
        from ..grain_boundary.options import StepOptions

        return StepOptions.model_validate({
            "boundaries": "auto" if boundaries is None else sorted(float(b) for b in boundaries),
            "d_bulk": self.d_bulk, "d_bulk_err": self.d_bulk_err, "delta_nm": self.delta_nm,
            "guard_um": self.guard_um, "resolution_um": self.resolution_um, "order": self.order,
        })  # fmt: skip


@dataclass(frozen=True, eq=False)
class LineAnalysis(ResultMixin):
    """One line: its profile (dataset with ``x_um``, ``C``, ``C_err``), the steps detected on it
    and the step analysis of each boundary (``auto``: the detected ones)."""

    line: ProfileLine
    profile: xr.Dataset
    detection: StepDetection
    steps: ProfileSteps
    auto: bool

    @property
    def results(self) -> tuple[StepResult, ...]:
        """One :class:`StepResult` per boundary."""
        return self.steps.results

    @property
    def boundaries_um(self) -> tuple[float, ...]:
        """Positions (um along the line) of the analysed boundaries."""
        return tuple(float(r.position_um) for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain: the line, ``boundaries`` ("auto" or positions), ``detected`` positions
        and one ``results`` entry per boundary (keys of ``gb-step --json``)."""
        return {
            "line": self.line.model_dump(mode="json"),
            "boundaries": "auto" if self.auto else list(self.boundaries_um),
            "detected_um": [float(v) for v in self.detection.positions_um],
            "results": [r.to_dict() for r in self.results],
        }


def analyse_line(
    fds: xr.Dataset,
    line: ProfileLine,
    settings: StepSettings,
    boundaries: Sequence[float] | None = None,
) -> LineAnalysis:
    """The profile of ``line`` on the fraction map ``fds`` and its step analysis: detected steps
    (``boundaries`` None, as ``gb-step --gb auto``) or the positions given (um along the line,
    as ``gb-step --gb X --gb Y``)."""
    from ..grain_boundary import detect_steps
    from ..grain_boundary.profile_steps import analyze_profile_steps
    from ..imaging import line_profile

    prof = line_profile(fds, line)
    if boundaries is not None and not boundaries:
        steps = None
    else:
        steps = analyze_profile_steps(prof, settings.step_options(boundaries))
    det = (
        steps.detection
        if steps is not None and steps.detection is not None
        else (
            detect_steps(*(np.asarray(prof[v].values, dtype=float) for v in ("x_um", "C", "C_err")))
        )
    )
    if steps is None:  # no boundary placed: nothing to analyse
        from ..grain_boundary.profile_steps import ProfileSteps

        x, c, e = (np.asarray(prof[v].values, dtype=float) for v in ("x_um", "C", "C_err"))
        steps = ProfileSteps(results=(), x_um=x, C=c, C_err=e, options=settings.step_options([]))
    return LineAnalysis(line=line, profile=prof, detection=det, steps=steps,
                        auto=boundaries is None)  # fmt: skip


@dataclass(frozen=True, eq=False)
class MapSource:
    """The map of a session: the fraction dataset, the count images it came from (None for a
    saved fraction map), the files, the pair and the fraction options used."""

    fraction: xr.Dataset
    images: xr.Dataset | None
    files: tuple[str, ...]
    pair: str
    options: FractionOptions | None

    @property
    def calibrated(self) -> bool:
        """True when the map has a physical pixel size (um)."""
        from ..imaging import is_pixel_units

        return not is_pixel_units(self.fraction)

    def recalibrated(self, pixel_size_um: tuple[float, float]) -> MapSource:
        """The same map with the pixel size given (um), the fraction map recomputed."""
        from ..imaging import calibrate

        if self.images is None:
            fds = calibrate(self.fraction, pixel_size_um=pixel_size_um)
            return dataclasses.replace(self, fraction=fds)
        images = calibrate(self.images, pixel_size_um=pixel_size_um)
        return dataclasses.replace(
            self, images=images, fraction=_fraction(images, self.options, self.pair)
        )


def _fraction(images: xr.Dataset, options: FractionOptions | None, pair: str) -> xr.Dataset:
    from ..imaging import fraction_map

    return fraction_map(images, options, pair=pair)


def open_map(
    files: list[str],
    *,
    pair: str | None = None,
    options: FractionOptions | None = None,
    pixel_size_um: tuple[float, float] | None = None,
    **reader_options: Any,
) -> MapSource:
    """Read count images (or a saved fraction map, .nc) with :func:`~tracerdiff.imaging.
    open_counts` and make the fraction map with ``options``, as ``tracerdiff fraction`` does;
    without a pixel size in the file or given, lengths are in pixels."""
    from ..imaging import open_counts

    ds = open_counts(files, pixel_size_um=pixel_size_um, require_length=False, **reader_options)
    if "n_a" in ds.data_vars and "n_b" in ds.data_vars:
        from ..imaging.summed import as_fraction_dataset

        if options is not None and options.model_dump(exclude_unset=True):
            raise InputError("fraction options apply to count images, not to a fraction map")
        fds = as_fraction_dataset(ds, pair=pair)
        return MapSource(fds, None, tuple(files), str(fds.attrs.get("pair", pair)), None)
    p = pair or "6Li/7Li"
    return MapSource(_fraction(ds, options, p), ds, tuple(files), p, options)


def as_map_source(
    ds: xr.Dataset, *, pair: str | None = None, options: FractionOptions | None = None
) -> MapSource:
    """A dataset in memory (count images or a fraction map) as a session map."""
    if "n_a" in ds.data_vars and "n_b" in ds.data_vars:
        return MapSource(ds, None, (), str(ds.attrs.get("pair", pair or "")), None)
    p = pair or "6Li/7Li"
    return MapSource(_fraction(ds, options, p), ds, (), p, options)


def study_maps(study: str | Path) -> dict[str, tuple[list[str], str, FractionOptions]]:
    """The image measurements of a study: id -> (files, pair, corrections)."""
    from ..study import load_study

    spec = load_study(study).spec
    out = {m.id: ([str(f) for f in m.files], m.pair, m.corrections)
           for m in spec.measurements if m.kind == "image"}  # fmt: skip
    if not out:
        raise InputError(f"{Path(study).name}: the study has no image measurement to show")
    return out
