"""Overlays of the map: the boundaries of a grain-label image on the map's grid or of a
registered micrograph (the micrograph route of ``gb-map``: its segmentation, control points or
the map's field), and the ``gb-map`` result (:func:`tracerdiff.grain_boundary.map_analysis.
analyze_gb_map`, the call of ``tracerdiff gb-map --labels`` or ``--micrograph``) with each
boundary coloured by its k."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from ..grain_boundary.boundary_map import BoundaryMapResult

if TYPE_CHECKING:
    import xarray as xr

    from ..grain_boundary.gbmap import GBMapResult
    from ..imaging.options import ProfileLine
    from .session import StepSettings

__all__ = [
    "Micrograph",
    "boundary_k_image",
    "edge_keys",
    "field_registration",
    "open_micrograph",
    "run_gb_map",
    "run_gb_map_lines",
]


def edge_keys(labels: np.ndarray) -> np.ndarray:
    """Per pixel next to another grain the key ``min * big + max`` of the two labels, else -1
    (``big`` = the largest label + 1)."""
    lab = np.asarray(labels, dtype=np.int64)
    big = int(lab.max()) + 1
    key = np.full(lab.shape, -1, dtype=np.int64)
    for sa, sb in (((slice(None), slice(None, -1)), (slice(None), slice(1, None))),
                   ((slice(None, -1), slice(None)), (slice(1, None), slice(None)))):  # fmt: skip
        a, b = lab[sa], lab[sb]
        k = np.minimum(a, b) * big + np.maximum(a, b)
        m = a != b
        key[sa] = np.where(m, k, key[sa])
        key[sb] = np.where(m, k, key[sb])
    return key


def check_labels(labels: np.ndarray, fds: xr.Dataset) -> np.ndarray:
    """The label image, refused unless it is on the map's grid."""
    shape = (int(fds.sizes["y"]), int(fds.sizes["x"]))
    if labels.shape != shape:
        raise InputError(f"the label image is {labels.shape} px but the map {shape} px; "
                         "labels must be on the map's pixel grid")  # fmt: skip
    return labels


def boundary_k_image(result: BoundaryMapResult) -> np.ndarray:
    """k (cm/s) on every pixel of a measured boundary; 0 on boundaries not measurable; NaN
    off the boundaries."""
    key = edge_keys(result.labels)
    out = np.where(key >= 0, 0.0, np.nan)
    for s in result.steps:  # each boundary by its own pixels (a grain pair may meet twice)
        if s.grains is None or not (s.measured and s.estimate is not None):
            continue
        if math.isfinite(s.estimate.k):
            out.flat[s.boundary.pixels] = s.estimate.k
    return out


def field_registration(fds: xr.Dataset, shape: tuple[int, int]) -> Any:
    """Micrograph pixels -> map um when the micrograph covers the map's field (the study's
    ``micrograph_registration = "map"``): its corner pixels on the corners of the field."""
    from ..microstructure import register_field

    return register_field(fds["x"].values, fds["y"].values, micrograph_shape=shape)


@dataclass(frozen=True, eq=False)
class Micrograph:
    """A micrograph of the field: its segmentation and its registration (micrograph pixels ->
    map um; None: it covers the map's field, registered on each map shown)."""

    name: str
    segmentation: Any = field(repr=False)
    points: tuple[np.ndarray, np.ndarray] | None = field(repr=False)

    def registration(self, fds: xr.Dataset) -> Any:
        """The registration on the map ``fds``: the control points, or the map's field."""
        from ..microstructure import register_points

        shape = tuple(self.segmentation.shape)
        if self.points is None:
            return field_registration(fds, (int(shape[0]), int(shape[1])))
        return register_points(*self.points, micrograph_shape=shape)

    def mask_on(self, fds: xr.Dataset) -> np.ndarray:
        """Its boundaries on the map's pixel grid (bool), as ``gb-map --png`` draws them."""
        from ..grain_boundary.gbmap import boundary_mask_on

        return boundary_mask_on(fds, self.segmentation, self.registration(fds))


def open_micrograph(path: str, pixel_size_um: Any,
                    points: tuple[Any, Any] | None = None) -> Micrograph:  # fmt: skip
    """Segment the micrograph at ``path`` (or take its labels), as ``gb-map --micrograph``;
    ``points`` (micrograph col,row -> map x,y um; >= 3) register it, None: the map's field."""
    from pathlib import Path

    from ..microstructure.grains import segmentation_of

    seg = segmentation_of(path, pixel_size_um)
    pts = None if points is None else (np.asarray(points[0], float), np.asarray(points[1], float))
    return Micrograph(Path(path).name, seg, pts)


def run_gb_map_lines(fds: xr.Dataset, micrograph: Micrograph, settings: StepSettings,
                     lines: Sequence[ProfileLine]) -> GBMapResult:  # fmt: skip
    """The crossings of ``lines`` with the micrograph's boundaries: :func:`analyze_gb_map` on
    the micrograph route, as ``tracerdiff gb-map MAP --micrograph M --points ... --lines ...
    --width W`` with the page's D_b, delta, guard, resolution and order (one width: the
    first line's)."""
    from ..grain_boundary.gbmap import GBMapResult
    from ..grain_boundary.map_analysis import GBMapOptions, analyze_gb_map

    if not lines:
        raise InputError("gb-map on the micrograph: draw a line across the boundaries first")
    opts = GBMapOptions.model_validate({
        **_settings_keys(settings), "order": settings.order, "width_um": lines[0].width_um,
        "lines": [(ln.start_um, ln.end_um) for ln in lines],
    })  # fmt: skip
    res = analyze_gb_map(fds, opts, segmentation=micrograph.segmentation,
                         registration=micrograph.registration(fds))  # fmt: skip
    assert isinstance(res, GBMapResult)
    return res


def _settings_keys(settings: StepSettings) -> dict[str, Any]:
    return {
        "d_bulk": settings.d_bulk,
        "d_bulk_err": settings.d_bulk_err,
        "delta_nm": settings.delta_nm,
        "guard_um": settings.guard_um,
        "resolution_um": settings.resolution_um,
    }


def run_gb_map(fds: xr.Dataset, labels: np.ndarray, settings: StepSettings) -> BoundaryMapResult:
    """Every boundary between the labelled grains: :func:`~tracerdiff.grain_boundary.
    map_analysis.analyze_gb_map` with one :class:`GBMapOptions`, as ``tracerdiff gb-map MAP
    --labels L`` with the page's D_b, delta, guard and resolution (other keys at their
    defaults, the command's)."""
    from ..grain_boundary.map_analysis import GBMapOptions, analyze_gb_map

    res = analyze_gb_map(fds, GBMapOptions(**_settings_keys(settings)),
                         labels=check_labels(labels, fds))  # fmt: skip
    assert isinstance(res, BoundaryMapResult)  # the boundary route (no micrograph)
    return res


def overlay_arrays(image: np.ndarray, block: int) -> dict[str, Any]:
    """The overlay at the display resolution (block maximum, so thin boundaries stay)."""
    a = np.asarray(image, dtype=np.float32)
    if block > 1:
        ny, nx = (a.shape[0] // block) * block, (a.shape[1] // block) * block
        a = np.fmax.reduce(
            np.fmax.reduce(a[:ny, :nx].reshape(ny // block, block, nx // block, block), axis=3),
            axis=1,
        )
    return {"image": [a]}
