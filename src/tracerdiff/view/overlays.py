"""Overlays of the map: the boundaries of a grain-label image on the map's grid, and the
``gb-map`` result (:func:`tracerdiff.grain_boundary.map_analysis.analyze_gb_map`, the call of
``tracerdiff gb-map --labels``) with each boundary's pixels coloured by its k."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from ..grain_boundary.boundary_map import BoundaryMapResult

if TYPE_CHECKING:
    import xarray as xr

    from .session import StepSettings

__all__ = ["boundary_k_image", "edge_keys", "run_gb_map"]


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
    big = int(np.asarray(result.labels).max()) + 1
    table = {}
    for s in result.steps:
        if s.grains is None:
            continue
        k = s.estimate.k if s.measured and s.estimate is not None else 0.0
        table[min(s.grains) * big + max(s.grains)] = k if math.isfinite(k) else 0.0
    out = np.full(key.shape, np.nan)
    on = key >= 0
    out[on] = [table.get(int(k), 0.0) for k in key[on]]
    return out


def run_gb_map(fds: xr.Dataset, labels: np.ndarray, settings: StepSettings) -> BoundaryMapResult:
    """Every boundary between the labelled grains: :func:`~tracerdiff.grain_boundary.
    map_analysis.analyze_gb_map` with one :class:`GBMapOptions`, as ``tracerdiff gb-map MAP
    --labels L`` with the page's D_b, delta, guard and resolution (other keys at their
    defaults, the command's)."""
    from ..grain_boundary.map_analysis import GBMapOptions, analyze_gb_map

    kw: dict[str, Any] = {
        "d_bulk": settings.d_bulk,
        "d_bulk_err": settings.d_bulk_err,
        "delta_nm": settings.delta_nm,
        "guard_um": settings.guard_um,
        "resolution_um": settings.resolution_um,
    }
    res = analyze_gb_map(fds, GBMapOptions(**kw), labels=check_labels(labels, fds))
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
