"""Grains from an optical / laser-microscope micrograph of a thermally etched surface.

Grain boundaries are grooves: dark thin lines.  A ridge filter (Sato, dark ridges) enhances them,
an Otsu threshold gives the boundary mask, its skeleton the one-pixel GB network, and a marker
watershed on the ridge image splits the field into grains (label 0 on the watershed lines).
Pixel sizes in um (x along columns, y along rows, science.md section 9).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import DataError, InputError
from ..results import ResultMixin

__all__ = ["GrainSegmentation", "pixel_sizes", "segment_micrograph", "to_gray"]


@dataclass(frozen=True, eq=False)
class GrainSegmentation(ResultMixin):
    """``labels`` (int, 0 = boundary line), ``boundaries`` (bool, the thresholded grooves),
    ``skeleton`` (bool, one pixel wide GB network), ``ridge`` (filter response) and the pixel
    sizes (um)."""

    labels: NDArray[np.int64]
    boundaries: NDArray[np.bool_]
    skeleton: NDArray[np.bool_]
    ridge: NDArray[np.float64]
    pixel_size_x_um: float
    pixel_size_y_um: float

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the micrograph."""
        return (int(self.labels.shape[0]), int(self.labels.shape[1]))

    @property
    def n_grains(self) -> int:
        """Number of grains (labels > 0)."""
        return int(np.unique(self.labels[self.labels > 0]).size)

    def to_dict(self) -> dict[str, Any]:
        """Keys: shape, n_grains, pixel_size_x_um, pixel_size_y_um, boundary_fraction."""
        return {
            "shape": list(self.shape),
            "n_grains": self.n_grains,
            "pixel_size_x_um": self.pixel_size_x_um,
            "pixel_size_y_um": self.pixel_size_y_um,
            "boundary_fraction": float(self.skeleton.mean()),
        }


def pixel_sizes(pixel_size_um: float | Sequence[float]) -> tuple[float, float]:
    """(x, y) pixel sizes in um from one size or a pair; both must be positive."""
    if isinstance(pixel_size_um, (int, float)):
        px = py = float(pixel_size_um)
    else:
        vals = [float(v) for v in pixel_size_um]
        if len(vals) != 2:
            raise InputError(f"pixel size must be one value or (x, y) in um, got {vals}")
        px, py = vals
    if not (px > 0 and py > 0 and math.isfinite(px * py)):
        raise InputError(f"pixel size must be positive (um), got {pixel_size_um}")
    return px, py


def to_gray(image: ArrayLike) -> NDArray[np.float64]:
    """A 2D float image in [0, 1] from a gray or RGB(A) array (raises on other shapes)."""
    a = np.asarray(image, dtype=float)
    if a.ndim == 3 and a.shape[2] in (3, 4):
        a = a[:, :, :3] @ np.array([0.2125, 0.7154, 0.0721])
    if a.ndim != 2 or min(a.shape) < 8:
        raise InputError(f"a micrograph must be a 2D gray or RGB image of >= 8 px, got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise DataError("the micrograph holds non-finite values")
    lo, hi = float(a.min()), float(a.max())
    if hi <= lo:
        raise DataError("the micrograph is uniform: no grain boundaries to see")
    return (a - lo) / (hi - lo)


def segment_micrograph(
    image: ArrayLike,
    *,
    pixel_size_um: float | Sequence[float],
    line_width_um: float = 1.0,
    min_grain_um: float = 2.0,
    dark_lines: bool = True,
) -> GrainSegmentation:
    """Segment a micrograph into grains.

    ``pixel_size_um`` is one size or (x, y) in um; ``line_width_um`` the groove width (sets the
    ridge filter scales); grains of equivalent-circle diameter below ``min_grain_um`` are merged
    into their neighbours; ``dark_lines`` False for bright boundaries.

    >>> import numpy as np
    >>> micrograph = np.full((40, 120), 200.0)  # 0.5 um pixels, a dark groove at x = 30 um
    >>> micrograph[:, 59:61] = 40.0
    >>> print(segment_micrograph(micrograph, pixel_size_um=0.5).n_grains)
    2
    """
    from scipy import ndimage as ndi
    from skimage import filters, measure, morphology, segmentation

    px, py = pixel_sizes(pixel_size_um)
    img = to_gray(image)
    s = max(line_width_um / math.sqrt(px * py) / 2.0, 0.5)
    ridge = filters.sato(img, sigmas=(s, 2 * s), black_ridges=dark_lines)
    thr = filters.threshold_otsu(ridge)
    mask = ridge > thr
    skel = morphology.skeletonize(mask)
    interior = ~ndi.binary_dilation(mask, structure=morphology.disk(1).astype(bool))
    markers = measure.label(interior, connectivity=1)
    min_px = math.pi * (min_grain_um / 2) ** 2 / (px * py)
    sizes = np.bincount(markers.ravel())
    small = sizes < min_px
    small[0] = False
    markers[small[markers]] = 0
    if markers.max() == 0:
        raise DataError("no grain found in the micrograph (check pixel size and line width)")
    labels = segmentation.watershed(ridge, markers, watershed_line=True)
    labels = segmentation.relabel_sequential(labels)[0]
    return GrainSegmentation(
        labels=labels.astype(np.int64),
        boundaries=mask,
        skeleton=skel,
        ridge=ridge,
        pixel_size_x_um=px,
        pixel_size_y_um=py,
    )
