"""Every boundary of a fraction map: k = D_gb/delta per boundary, along its own normal, and a
pooled estimate over all of them.

The grains come from a label image on the map's pixel grid (EBSD, a segmentation, a registered
micrograph) or from a segmentation of the fraction map itself
(:func:`tracerdiff.microstructure.segment_fraction_map`).  Each boundary between two grains is
fitted from pixels of its two grains only (:mod:`.boundaries`: windows stop at other boundaries
and triple junctions, guard band 2.5 x the resolution), with the step machinery of the profile
analysis (:mod:`.boundary_fit`); the population of k is a lognormal fitted to every analysed
boundary's likelihood (:mod:`.population`).  No angles are assumed.  Units: um, cm^2/s, cm/s.
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray
from pydantic import Field, model_validator

from ..errors import DataError, InputError, ShapeMismatchError
from ..outputs import atomic_write_text
from ..quantities import quantity
from ..results import ResultMixin
from ._windows import check_options
from .boundaries import Boundary, BoundaryWindow, boundary_window, find_boundaries, grain_boxes
from .boundary_fit import BoundaryStep, fit_boundaries
from .options import GBOptionsModel, LengthNm, LengthUm
from .population import LognormalPopulation, fit_lognormal_population
from .step import resolve_guard

__all__ = ["BoundaryMapOptions", "BoundaryMapResult", "analyze_boundary_map"]

CHUNK = 128  # boundaries per batched fit (memory of the padded design)


class BoundaryMapOptions(GBOptionsModel):
    """Options of :func:`analyze_boundary_map` (``tracerdiff gb-map``, a study's ``gb_map``).

    ``d_bulk`` (cm^2/s) and its stderr ``d_bulk_err``, ``delta_nm`` (None: 0.5 nm);
    ``resolution_um`` the lateral resolution (guard band 2.5 x unless ``guard_um``);
    ``window_um`` the largest distance from the trace a fit pixel may have (default 8 um: beyond
    it the in-grain field departs from the quadratic model, see docs/grain_boundary.md);
    ``min_length_um`` boundaries shorter than this are listed as not measurable (default 2 x
    guard); ``min_pixels`` per side; ``curvature`` "shared" (default) or "separate". File keys
    ``d_bulk``, ``delta``, ``resolution``, ``guard``, ``window``, ``min_length`` with units."""

    QUANTITY_KEYS: ClassVar[tuple[str, ...]] = (
        "d_bulk",
        "delta",
        "resolution",
        "guard",
        "window",
        "min_length",
    )

    d_bulk: float | None = None
    d_bulk_err: float | None = None
    delta_nm: LengthNm | None = Field(default=None, alias="delta")
    resolution_um: LengthUm = Field(default=1.0, alias="resolution")
    guard_um: LengthUm | None = Field(default=None, alias="guard")
    window_um: LengthUm = Field(default=8.0, gt=0, alias="window")
    min_length_um: LengthUm | None = Field(default=None, alias="min_length")
    min_pixels: int = 8
    curvature: Literal["shared", "separate"] = "shared"

    @model_validator(mode="after")
    def _checked(self) -> BoundaryMapOptions:
        try:
            check_options(
                d_bulk=1.0 if self.d_bulk is None else self.d_bulk,
                d_bulk_err=self.d_bulk_err,
                delta_nm=self.delta,
                guard_um=self.guard,
                window_um=self.window_um,
                order=2,
            )
        except InputError as exc:
            raise ValueError(str(exc)) from None
        if self.min_pixels < 3:
            raise ValueError(f"min_pixels must be >= 3 per side, got {self.min_pixels}")
        if self.min_length_um is not None and not self.min_length_um >= 0:
            raise ValueError(f"min_length_um must be >= 0, got {self.min_length_um}")
        return self

    @property
    def delta(self) -> float:
        """delta (nm), 0.5 nm unless given."""
        return 0.5 if self.delta_nm is None else self.delta_nm

    @property
    def guard(self) -> float:
        """Guard band (um): ``guard_um`` or 2.5 x ``resolution_um``."""
        try:
            return resolve_guard(self.guard_um, self.resolution_um)
        except InputError as exc:
            raise ValueError(str(exc)) from None

    @property
    def min_length(self) -> float:
        """Shortest boundary analysed (um)."""
        return 2.0 * self.guard if self.min_length_um is None else float(self.min_length_um)

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the options."""
        return {
            "d_bulk": quantity(self.d_bulk, self.d_bulk_err or None, "cm^2/s"),
            "delta": quantity(self.delta, None, "nm"),
            "resolution": quantity(self.resolution_um, None, "um"),
            "guard": quantity(self.guard, None, "um"),
            "window": quantity(self.window_um, None, "um"),
            "min_length": quantity(self.min_length, None, "um"),
            "min_pixels": self.min_pixels,
            "curvature": self.curvature,
        }


def _q(v: tuple[float, float | None] | None, note: str | None) -> dict[str, Any]:
    if v is None:
        return quantity(None, None, "cm/s", note=note)
    return quantity(v[0], v[1], "cm/s", note=note)


@dataclass(frozen=True, eq=False)
class BoundaryMapResult(ResultMixin):
    """Every boundary's step (:class:`BoundaryStep`, ``steps``), the pooled population (None
    when fewer than two boundaries were analysed, ``population_message`` says why), the label
    image used and where it came from."""

    steps: tuple[BoundaryStep, ...]
    population: LognormalPopulation | None
    options: BoundaryMapOptions
    labels_source: str
    pixel_size_um: tuple[float, float]
    origin_um: tuple[float, float]
    population_message: str = ""
    labels: NDArray[np.int64] = field(default_factory=lambda: np.zeros((0, 0), np.int64))

    @property
    def n_measured(self) -> int:
        """Boundaries whose k has a bounded 95 % set above zero."""
        return sum(s.measured for s in self.steps)

    def summary(self) -> dict[str, Any]:
        """Keys: n_boundaries, n_analysed, n_measured, D_gb_over_delta_gmean, _median, _hmean,
        _mean ({value, stderr, unit}), sigma_ln, population (fit details)."""
        pop = self.population
        note = self.population_message or None
        if pop is not None and not pop.success:
            note = pop.message
        g = None if pop is None else pop.gmean
        out = {
            "n_boundaries": len(self.steps),
            "n_analysed": sum(s.estimate is not None for s in self.steps),
            "n_measured": self.n_measured,
            "D_gb_over_delta_gmean": _q(g, note),
            "D_gb_over_delta_median": _q(g, note),
            "D_gb_over_delta_hmean": _q(None if pop is None else pop.hmean, note),
            "D_gb_over_delta_mean": _q(None if pop is None else pop.mean, note),
        }
        out["sigma_ln"] = (
            pop.to_dict()["sigma_ln"] if pop is not None else quantity(None, None, "", note=note)
        )
        out["population"] = None if pop is None else pop.to_dict()
        return out

    def to_dict(self) -> dict[str, Any]:
        """Keys: labels (source), options, boundaries, summary (docs/grain_boundary.md)."""
        return {
            "labels": self.labels_source,
            "pixel_size_um": list(self.pixel_size_um),
            "options": self.options.to_dict(),
            "boundaries": [s.to_dict() for s in self.steps],
            "summary": self.summary(),
        }

    def to_csv_text(self) -> str:
        """One row per boundary (k and intervals in cm/s, positions um)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(
            [
                "grain_a",
                "grain_b",
                "x_um",
                "y_um",
                "length_um",
                "normal_deg",
                "dC_gb",
                "dC_gb_err",
                "dCdn_per_cm",
                "dCdn_err",
                "k_cm_s",
                "k_err",
                "ci95_lo",
                "ci95_hi",
                "status",
                "reason",
            ]
        )
        for s in self.steps:
            d = s.to_dict()
            k, ci = d["D_gb_over_delta"], d["ci95_D_gb_over_delta"] or [None, None]
            gr = d["grains"] or ["", ""]
            w.writerow(
                [
                    gr[0],
                    gr[1],
                    *d["midpoint_um"],
                    d["length_um"],
                    d["normal_deg"],
                    d["dC_gb"]["value"],
                    d["dC_gb"]["stderr"],
                    d["dCdn_bulk"]["value"],
                    d["dCdn_bulk"]["stderr"],
                    k["value"],
                    k["stderr"],
                    ci[0],
                    ci[1],
                    d["status"],
                    d["reason"],
                ]
            )
        return buf.getvalue().replace("None", "")

    def write_csv(self, path: str | os.PathLike[str], *, force: bool = False) -> None:
        """Write :meth:`to_csv_text` atomically (no overwrite without ``force``)."""
        atomic_write_text(path, self.to_csv_text(), force=force)


def _grid(fraction: xr.Dataset) -> tuple[tuple[float, float], tuple[float, float]]:
    """Pixel sizes and the image corner (um) of a fraction map (uniform x, y coordinates)."""
    if not all(v in fraction for v in ("C", "C_err")) or fraction["C"].dims != ("y", "x"):
        raise InputError("the fraction map needs C and C_err on dims (y, x)")
    x, y = fraction["x"].to_numpy(), fraction["y"].to_numpy()
    if x.size < 2 or y.size < 2:
        raise ShapeMismatchError("the fraction map needs >= 2 pixels along x and y")
    px, py = float(np.median(np.diff(x))), float(np.median(np.diff(y)))
    if not (px > 0 and py > 0):
        raise InputError("fraction-map coordinates must increase along x and y")
    return (px, py), (float(x[0]) - px / 2, float(y[0]) - py / 2)


def _skip_reason(b: Boundary, w: BoundaryWindow | None, opts: BoundaryMapOptions) -> str:
    if b.length_um < opts.min_length:
        return f"shorter ({b.length_um:.3g} um) than {opts.min_length:.3g} um"
    assert w is not None
    for side, n in (("a", w.index_a.size), ("b", w.index_b.size)):
        if n < opts.min_pixels:
            return (
                f"grain {side} has {n} usable pixels beyond the guard band "
                f"(needs >= {opts.min_pixels})"
            )
    return ""


def _labels_for(fraction: xr.Dataset, labels: ArrayLike | None) -> tuple[NDArray[np.int64], str]:
    if labels is None:
        from ..microstructure.fraction_segment import segment_fraction_map

        return segment_fraction_map(fraction).labels, "segmented from the fraction map"
    lab = np.asarray(labels)
    if lab.ndim != 2 or not np.issubdtype(lab.dtype, np.integer):
        raise InputError(f"labels must be a 2D integer image, got {lab.dtype} {lab.shape}")
    if lab.shape != fraction["C"].shape:
        raise ShapeMismatchError(
            f"labels {lab.shape} are not on the map's pixel grid {fraction['C'].shape}"
        )
    return lab.astype(np.int64), "given"


def analyze_boundary_map(
    fraction: xr.Dataset, labels: ArrayLike | None = None, *, options: BoundaryMapOptions
) -> BoundaryMapResult:
    """k = D_gb/delta at every boundary of ``fraction`` (a fraction map: C, C_err on (y, x),
    coordinates in um) between the grains of ``labels`` (an integer image on the map's grid;
    None: segmented from the map itself), and the pooled lognormal population. The map must
    carry a physical pixel size (a map in pixel units is refused)."""
    from ..imaging.calibration import require_length

    require_length(fraction, what="the boundary analysis")
    if options.d_bulk is None:
        raise InputError("the boundary analysis needs d_bulk (D_b, e.g. '2.6e-8 cm^2/s')")
    lab, source = _labels_for(fraction, labels)
    ps, origin = _grid(fraction)
    c = np.asarray(fraction["C"].to_numpy(), dtype=float)
    e = np.asarray(fraction["C_err"].to_numpy(), dtype=float)
    valid = np.isfinite(c) & np.isfinite(e) & (e > 0)
    if not valid.any():
        raise DataError("the fraction map holds no pixel with a finite value and error")
    boxes = grain_boxes(lab)
    steps: dict[int, BoundaryStep] = {}
    items: list[tuple[int, Boundary, BoundaryWindow]] = []
    for i, b in enumerate(find_boundaries(lab, pixel_size_um=ps, origin_um=origin)):
        w = None
        if b.length_um >= options.min_length:
            w = boundary_window(
                lab,
                b,
                pixel_size_um=ps,
                guard_um=options.guard,
                window_um=options.window_um,
                boxes=boxes,
                origin_um=origin,
                valid=valid,
            )
        why = _skip_reason(b, w, options)
        if why:
            n = (0, 0) if w is None else (w.index_a.size, w.index_b.size)
            steps[i] = BoundaryStep(
                boundary=b,
                grains=b.grains if source == "given" else None,
                status="not_measurable",
                reason=why,
                n_a=n[0],
                n_b=n[1],
            )
        else:
            assert w is not None
            items.append((i, b, w))
    _fit_chunks(items, steps, c.ravel(), e.ravel(), options, source == "given")
    ordered = tuple(steps[i] for i in sorted(steps))
    pop, msg = _population(ordered)
    return BoundaryMapResult(
        steps=ordered,
        population=pop,
        options=options,
        labels_source=source,
        pixel_size_um=ps,
        origin_um=origin,
        population_message=msg,
        labels=lab,
    )


def _fit_chunks(
    items: list[tuple[int, Boundary, BoundaryWindow]],
    steps: dict[int, BoundaryStep],
    c: NDArray[np.float64],
    e: NDArray[np.float64],
    options: BoundaryMapOptions,
    grains_known: bool,
) -> None:
    """Batched fits, ``CHUNK`` boundaries at a time, into ``steps``."""
    assert options.d_bulk is not None
    for k in range(0, len(items), CHUNK):
        part = items[k : k + CHUNK]
        res = fit_boundaries(
            [(b, w) for _, b, w in part],
            c,
            e,
            d_bulk=options.d_bulk,
            d_bulk_err=options.d_bulk_err or 0.0,
            delta_nm=options.delta,
            curvature=options.curvature,
            grains_known=grains_known,
        )
        for (i, _, _), r in zip(part, res, strict=True):
            steps[i] = r


def _population(steps: tuple[BoundaryStep, ...]) -> tuple[LognormalPopulation | None, str]:
    ratios = [s.ratio for s in steps if s.ratio is not None]
    try:
        return fit_lognormal_population(ratios), ""
    except DataError as exc:
        return None, str(exc)


def boundary_k(result: BoundaryMapResult) -> NDArray[np.float64]:
    """k per boundary (cm/s), NaN where not measured: for colouring maps."""
    return np.array(
        [s.estimate.k if s.measured and s.estimate is not None else math.nan for s in result.steps]
    )
