"""The flux J at a grain boundary for the second estimator k = -J / dC_gb.

J is the flux of the isotope fraction along +x (tracer entering at x = 0 moves to +x: J > 0 and
dC_gb < 0), in cm/s (fraction x cm/s).  Sources:

* a fitted long-range model: J = -D_eff dC/dx of the coarse curve (:func:`flux_from_gradient`),
  or any callable ``position_um -> (J, J_err)``;
* two profiles of the same field at times t1 < t2 (:func:`flux_from_two_profiles`): with the far
  end closed (no flux), J(y) = int_y^L dC/dt dy' (continuity dC/dt = -dJ/dy), i.e. the time
  derivative integrated from the far end.  J is the mean over [t1, t2]: pair it with the jump of
  the mean of the two profiles (or of a profile taken halfway).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import DataError, InputError, ShapeMismatchError
from ..quantities import jsonable
from ..results import ResultMixin

__all__ = ["FluxProfile", "flux_from_gradient", "flux_from_two_profiles"]

CM_PER_UM = 1e-4


@dataclass(frozen=True, eq=False)
class FluxProfile(ResultMixin):
    """J(x) (cm/s) and its standard error at the bin edges ``x_um`` (um); callable as the
    ``flux`` argument of :func:`tracerdiff.grain_boundary.analyze_steps`."""

    x_um: NDArray[np.float64]
    J: NDArray[np.float64]
    J_err: NDArray[np.float64]
    method: str

    def __call__(self, position_um: float) -> tuple[float, float]:
        """(J, J_err) in cm/s at ``position_um`` (linear interpolation between edges)."""
        if not (self.x_um[0] <= position_um <= self.x_um[-1]):
            raise InputError(f"position {position_um} um is outside the flux profile")
        j = float(np.interp(position_um, self.x_um, self.J))
        e = float(np.interp(position_um, self.x_um, self.J_err))
        return j, e

    def to_dict(self) -> dict[str, Any]:
        """Keys: method, x_um, J (cm/s), J_err (cm/s)."""
        return {
            "method": self.method,
            "x_um": jsonable(self.x_um),
            "J": jsonable(self.J),
            "J_err": jsonable(self.J_err),
            "unit": "cm/s",
        }


def flux_from_gradient(
    gradient_per_cm: float, gradient_err: float, *, d_eff: float, d_eff_err: float = 0.0
) -> tuple[float, float]:
    """J = -D_eff dC/dx (cm/s) from the gradient (1/cm) of a fitted coarse (long-range) curve at
    the GB and the effective diffusivity (cm^2/s) of that fit; returns (J, J_err).

    Caution: the local flux at one GB departs from a smooth long-range model by the local GB
    resistances; ``gradient_err`` must carry that model error, or per-GB intervals are too
    narrow (docs/grain_boundary.md, known limits).  Prefer :func:`flux_from_two_profiles`."""
    if not d_eff > 0:
        raise InputError(f"D_eff must be positive (cm^2/s), got {d_eff}")
    j = -d_eff * gradient_per_cm
    err = math.hypot(d_eff * gradient_err, gradient_per_cm * d_eff_err)
    return j, err


def flux_from_two_profiles(
    x_um: ArrayLike,
    C1: ArrayLike,
    C1_err: ArrayLike,
    C2: ArrayLike,
    C2_err: ArrayLike,
    *,
    dt_s: float,
    closed_end: str = "right",
) -> FluxProfile:
    """J(x) from the change between two profiles on one grid (bins of equal pitch), the far end
    ``closed_end`` ("right" or "left") without flux.  ``dt_s`` = t2 - t1 in s.  Errors assume
    independent points (cumulative sum of variances)."""
    x = np.asarray(x_um, dtype=float)
    arrs = [np.asarray(a, dtype=float) for a in (C1, C1_err, C2, C2_err)]
    if any(a.shape != x.shape for a in arrs) or x.ndim != 1 or x.size < 3:
        raise ShapeMismatchError("x_um, C1, C1_err, C2, C2_err must be 1D of one length (>= 3)")
    if not (math.isfinite(dt_s) and dt_s > 0):
        raise InputError(f"dt must be positive (s), got {dt_s}")
    if closed_end not in ("right", "left"):
        raise InputError(f"closed_end must be 'right' or 'left', got {closed_end!r}")
    c1, e1, c2, e2 = arrs
    dc, var = c2 - c1, e1**2 + e2**2
    if not np.all(np.isfinite(dc) & np.isfinite(var)):
        raise DataError("the two profiles must be finite everywhere to integrate dC/dt")
    pitch = np.diff(x)
    if np.any(pitch <= 0) or np.ptp(pitch) > 1e-6 * pitch.mean():
        raise InputError("flux from two profiles needs one uniform, increasing grid")
    h_cm = float(pitch.mean()) * CM_PER_UM
    edges = np.concatenate([x - pitch.mean() / 2, [x[-1] + pitch.mean() / 2]])
    rate, rvar = dc * h_cm / dt_s, var * (h_cm / dt_s) ** 2
    if closed_end == "right":  # J(edge_i) = sum over bins right of the edge
        J = np.concatenate([np.cumsum(rate[::-1])[::-1], [0.0]])
        V = np.concatenate([np.cumsum(rvar[::-1])[::-1], [0.0]])
    else:  # J(edge_i) = -sum over bins left of the edge
        J = -np.concatenate([[0.0], np.cumsum(rate)])
        V = np.concatenate([[0.0], np.cumsum(rvar)])
    return FluxProfile(
        x_um=edges, J=J, J_err=np.sqrt(V), method=f"two profiles, {closed_end} end closed"
    )
