"""Grains from the fraction map itself: with slow grain boundaries the map is a staircase of
nearly flat grains, and the boundaries are where the fraction jumps.

The gradient of C is taken with Gaussian-derivative filters (``sigma_px``); a white top-hat
(``ridge_px`` square) keeps its ridges, a few pixels wide at each step, and removes the smooth
in-grain gradient (significant at high counts); divided by the noise of the filter (the
propagated C_err) it gives a step significance z per pixel.  Pixels with z below
``z_grain`` form the grain cores (connected regions of at least ``min_grain_px`` pixels after a
one-pixel erosion); a marker watershed on z assigns every other pixel to a grain.  Boundaries
whose jump is within noise (far from the source) are not seen: those grains stay merged, and a
boundary analysis reports poor fits there rather than steps that were never resolved.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..errors import DataError, InputError
from ..results import ResultMixin

__all__ = ["FractionSegmentation", "segment_fraction_map"]


@dataclass(frozen=True, eq=False)
class FractionSegmentation(ResultMixin):
    """``labels`` (int >= 1 per grain, every pixel assigned) and the step significance ``z``."""

    labels: NDArray[np.int64]
    z: NDArray[np.float64]
    sigma_px: float
    z_grain: float

    @property
    def n_grains(self) -> int:
        """Number of grains."""
        return int(np.unique(self.labels).size)

    def to_dict(self) -> dict[str, Any]:
        """Keys: n_grains, sigma_px, z_grain, method."""
        return {
            "n_grains": self.n_grains,
            "sigma_px": self.sigma_px,
            "z_grain": self.z_grain,
            "method": "gradient significance of C, marker watershed",
        }


def _noise_factor(sigma_px: float) -> float:
    """Standard deviation of a Gaussian-derivative filter's response to unit white noise."""
    from scipy import ndimage as ndi

    n = int(8 * sigma_px) * 2 + 1
    delta = np.zeros((n, n))
    delta[n // 2, n // 2] = 1.0
    r = ndi.gaussian_filter(delta, sigma_px, order=(0, 1))
    return float(math.sqrt(np.sum(r**2)))


def segment_fraction_map(
    fraction: xr.Dataset,
    *,
    sigma_px: float = 1.0,
    z_grain: float = 4.0,
    min_grain_px: int = 12,
    ridge_px: int = 7,
) -> FractionSegmentation:
    """Grains of a fraction map (C and C_err on (y, x)) from the significance of its gradient
    (module docstring)."""
    from scipy import ndimage as ndi
    from skimage import segmentation

    if not (sigma_px > 0 and z_grain > 0 and min_grain_px >= 1):
        raise InputError("sigma_px and z_grain must be > 0, min_grain_px >= 1")
    c = np.asarray(fraction["C"].to_numpy(), dtype=float)
    e = np.asarray(fraction["C_err"].to_numpy(), dtype=float)
    ok = np.isfinite(c) & np.isfinite(e) & (e > 0)
    if c.ndim != 2 or ok.sum() < 16:
        raise DataError("the fraction map needs a 2D C with finite values and errors")
    cf = np.where(ok, c, float(np.nanmedian(c[ok])))
    ef = ndi.gaussian_filter(np.where(ok, e, float(np.median(e[ok]))), sigma_px)
    gx = ndi.gaussian_filter(cf, sigma_px, order=(0, 1))
    gy = ndi.gaussian_filter(cf, sigma_px, order=(1, 0))
    g = np.hypot(gx, gy)
    # a step is a ridge of |grad C| a few pixels wide; the smooth in-grain gradient is not:
    # the white top-hat keeps the ridges and removes that background
    g = g - ndi.grey_opening(g, size=(ridge_px, ridge_px))
    z = g / (ef * _noise_factor(sigma_px))
    core = ndi.binary_erosion(z < z_grain) & ok
    markers, _ = ndi.label(core)
    sizes = np.bincount(markers.ravel())
    small = sizes < min_grain_px
    small[0] = False
    markers[small[markers]] = 0
    if markers.max() == 0:
        raise DataError("no grain found in the fraction map (no flat region between steps)")
    labels = segmentation.watershed(z, markers)
    labels = segmentation.relabel_sequential(labels)[0]
    return FractionSegmentation(
        labels=np.asarray(labels, dtype=np.int64),
        z=z,
        sigma_px=float(sigma_px),
        z_grain=float(z_grain),
    )
