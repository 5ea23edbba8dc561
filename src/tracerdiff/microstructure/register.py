"""Registration of a micrograph to the SIMS map by control points, and the crossings of a
profile line with the grain boundaries.

Control points pair a micrograph pixel (column, row) with a SIMS position (x, y) in um.  An
affine transform is estimated by least squares (skimage ``AffineTransform``), with the residual of
each point in um.  A crossing is where the label under the line changes from one grain to
another; its position is the distance from the line start (um) and its angle phi the angle
between the GB normal (from the local skeleton direction) and the line, in degrees.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError, ShapeMismatchError
from ..quantities import jsonable, quantity
from ..results import ResultMixin
from .segment import GrainSegmentation

__all__ = ["Crossings", "Registration", "line_crossings", "register_field", "register_points"]


@dataclass(frozen=True, eq=False)
class Registration(ResultMixin):
    """Affine map micrograph pixel (col, row) -> SIMS (x, y) um, for a micrograph of
    ``micrograph_shape`` (rows, cols); residuals in um."""

    matrix: NDArray[np.float64]
    residuals_um: NDArray[np.float64]
    micrograph_shape: tuple[int, int]

    @property
    def rms_um(self) -> float:
        """Root-mean-square residual (um)."""
        return float(np.sqrt(np.mean(self.residuals_um**2)))

    def to_sims(self, colrow: ArrayLike) -> NDArray[np.float64]:
        """Micrograph (col, row) pixel coordinates (N, 2) -> SIMS (x, y) um."""
        p = np.atleast_2d(np.asarray(colrow, dtype=float))
        return p @ self.matrix[:2, :2].T + self.matrix[:2, 2]

    def to_micrograph(self, xy_um: ArrayLike) -> NDArray[np.float64]:
        """SIMS (x, y) um (N, 2) -> micrograph (col, row)."""
        inv = np.linalg.inv(self.matrix)
        p = np.atleast_2d(np.asarray(xy_um, dtype=float))
        return p @ inv[:2, :2].T + inv[:2, 2]

    def check(self, segmentation: GrainSegmentation) -> None:
        """Raise :class:`ShapeMismatchError` when the segmentation is not of the micrograph the
        registration was made for."""
        if segmentation.shape != self.micrograph_shape:
            raise ShapeMismatchError(
                f"the micrograph is {segmentation.shape} px but the "
                f"registration was made for {self.micrograph_shape} px"
            )

    def to_dict(self) -> dict[str, Any]:
        """Keys: matrix, residuals_um, rms, micrograph_shape."""
        return {
            "matrix": jsonable(self.matrix),
            "residuals_um": jsonable(self.residuals_um),
            "rms": quantity(self.rms_um, None, "um"),
            "micrograph_shape": list(self.micrograph_shape),
        }


def register_points(
    micrograph_colrow: ArrayLike, sims_xy_um: ArrayLike, *, micrograph_shape: tuple[int, int]
) -> Registration:
    """Affine registration from >= 3 control point pairs (non-collinear); points must lie inside
    the micrograph of ``micrograph_shape`` (rows, cols)."""
    from skimage.transform import AffineTransform

    src = np.atleast_2d(np.asarray(micrograph_colrow, dtype=float))
    dst = np.atleast_2d(np.asarray(sims_xy_um, dtype=float))
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 2:
        raise ShapeMismatchError("control points must be pairs of (col,row) and (x,y)")
    if src.shape[0] < 3:
        raise InputError(f"an affine registration needs >= 3 control points, got {src.shape[0]}")
    rows, cols = micrograph_shape
    if np.any(src < -0.5) or np.any(src[:, 0] > cols - 0.5) or np.any(src[:, 1] > rows - 0.5):
        raise ShapeMismatchError(f"control points fall outside the {rows} x {cols} px micrograph")
    centred = src - src.mean(axis=0)
    if np.linalg.matrix_rank(centred, tol=1e-6 * max(rows, cols)) < 2:
        raise InputError("control points are collinear: the affine map is undetermined")
    tf = AffineTransform.from_estimate(src, dst)
    if not tf:
        raise InputError("the affine registration could not be estimated from the points")
    res = np.linalg.norm(tf(src) - dst, axis=1)
    return Registration(
        matrix=np.asarray(tf.params, dtype=float),
        residuals_um=res,
        micrograph_shape=(int(rows), int(cols)),
    )


def register_field(
    x_um: ArrayLike, y_um: ArrayLike, *, micrograph_shape: tuple[int, int]
) -> Registration:
    """Registration of a micrograph that covers the map's whole field: its corner pixels on
    the corners of the field whose pixel centres are ``x_um``, ``y_um`` (a study's
    ``micrograph_registration = "map"``)."""
    x, y = np.asarray(x_um, dtype=float), np.asarray(y_um, dtype=float)
    fx = float(x[-1] - x[0]) * x.size / (x.size - 1)  # the map's field of view (um)
    fy = float(y[-1] - y[0]) * y.size / (y.size - 1)
    rows, cols = micrograph_shape
    x0, y0 = float(x[0]) - fx / x.size / 2, float(y[0]) - fy / y.size / 2
    src = [(0, 0), (cols - 1, 0), (0, rows - 1)]
    dst = [(x0 + (c + 0.5) * fx / cols, y0 + (r + 0.5) * fy / rows) for c, r in src]
    return register_points(src, dst, micrograph_shape=micrograph_shape)


@dataclass(frozen=True, eq=False)
class Crossings(ResultMixin):
    """Boundary crossings of one line: distances from the start (um) and angles (deg)."""

    start_um: tuple[float, float]
    end_um: tuple[float, float]
    positions_um: NDArray[np.float64]
    angles_deg: NDArray[np.float64]
    tangents: NDArray[np.float64]  # (n, 2) unit GB directions in SIMS (x, y)

    def to_dict(self) -> dict[str, Any]:
        """Keys: start_um, end_um, positions_um, angles_deg."""
        return {
            "start_um": list(self.start_um),
            "end_um": list(self.end_um),
            "positions_um": jsonable(self.positions_um),
            "angles_deg": jsonable(self.angles_deg),
        }


def _angle(
    skel_xy: NDArray[np.float64], at: NDArray[np.float64], d: NDArray[np.float64], radius: float
) -> tuple[float, NDArray[np.float64]]:
    """Angle (deg) between the GB normal and the line, and the GB tangent, from the principal
    axis of the skeleton pixels within ``radius`` (um); 0 and the line normal if too few."""
    near = skel_xy[np.linalg.norm(skel_xy - at, axis=1) <= radius]
    if near.shape[0] < 3:
        return 0.0, np.array([-d[1], d[0]])
    c = near - near.mean(axis=0)
    _, vecs = np.linalg.eigh(c.T @ c)
    tangent = vecs[:, -1]
    normal = np.array([-tangent[1], tangent[0]])
    return math.degrees(math.acos(min(1.0, abs(float(normal @ d))))), tangent


def line_crossings(
    segmentation: GrainSegmentation,
    registration: Registration,
    start_um: Sequence[float],
    end_um: Sequence[float],
    *,
    step_um: float = 0.25,
    radius_um: float = 3.0,
) -> Crossings:
    """Where the line from ``start_um`` to ``end_um`` (SIMS x, y in um) crosses boundaries.

    The line is sampled every ``step_um``; each change between two grains (through boundary
    pixels) is one crossing at the middle of the boundary run; its angle comes from the
    skeleton pixels within ``radius_um``."""
    registration.check(segmentation)
    a, b = np.asarray(start_um, dtype=float), np.asarray(end_um, dtype=float)
    length = float(np.linalg.norm(b - a))
    if not length > 0:
        raise InputError("a profile line needs two different end points")
    d = (b - a) / length
    s = np.arange(0.0, length + 1e-9, step_um)
    colrow = registration.to_micrograph(a + s[:, None] * d)
    rows, cols = segmentation.shape
    if np.any(colrow < -1.0) or np.any(colrow[:, 0] > cols) or np.any(colrow[:, 1] > rows):
        raise InputError("the line leaves the registered micrograph")
    cr = np.rint(colrow).astype(int)
    cr[:, 0] = np.clip(cr[:, 0], 0, cols - 1)  # half a pixel beyond the edge centres
    cr[:, 1] = np.clip(cr[:, 1], 0, rows - 1)
    lab = segmentation.labels[cr[:, 1], cr[:, 0]]
    sk = np.argwhere(segmentation.skeleton)[:, ::-1]
    skel_xy = registration.to_sims(sk) if sk.size else np.zeros((0, 2))
    pos, ang, tan = [], [], []
    last_lab, last_i = 0, -1
    for i, v in enumerate(lab):
        if v == 0:
            continue
        if last_lab and v != last_lab:
            mid = 0.5 * (s[last_i] + s[i])
            pos.append(mid)
            phi, tangent = _angle(skel_xy, a + mid * d, d, radius_um)
            ang.append(phi)
            tan.append(tangent)
        last_lab, last_i = int(v), i
    return Crossings(
        start_um=(float(a[0]), float(a[1])),
        end_um=(float(b[0]), float(b[1])),
        positions_um=np.array(pos),
        angles_deg=np.array(ang),
        tangents=np.array(tan).reshape(-1, 2),
    )
