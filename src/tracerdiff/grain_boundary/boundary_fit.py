"""The step at every boundary of a map, fitted along the boundary's own normal.

For each boundary the pixels of its two grains (:func:`.boundaries.boundary_window`) are fitted
jointly, all boundaries in one batch of weighted normal equations (:func:`._lsq.wls_batched`):

    C = c_a [a] + c_b [b] + g u + q u^2 + s_a v [a] + s_b v [b]

(u: signed distance from the trace along the normal a -> b, v: along the trace, both um; [a]
the indicator of side a).  The normal gradient g and the curvature q are shared by both sides
(flux continuity D_b dC/dn = k [C] with equal D_b; quasi-steady grains, as in the profile
analysis), the tangential slopes s are per side (the long-range field also runs along the
trace).  dC_gb = c_b - c_a at the trace's midpoint; k = D_b g / dC_gb with the profile
analysis's ratio machinery (:func:`.result.ratio_estimate`: Fieller's 95 % set, errors scaled by
sqrt(chi2_red) when above 1).  No angle is assumed: the normal comes from the labels.
Units: positions um, gradients 1/cm, D cm^2/s, k cm/s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import chi2 as chi2_dist

from ..quantities import finite_or_none, quantity
from ..results import ResultMixin
from ._lsq import wls_batched
from .boundaries import Boundary, BoundaryWindow
from .result import KEstimate, ratio_estimate

__all__ = ["BoundaryStep", "fit_boundaries"]

Arr = NDArray[np.float64]
UM_PER_CM = 1e4
Z95 = 1.959963984540054


@dataclass(frozen=True, eq=False)
class BoundaryStep(ResultMixin):
    """The step analysis of one boundary of a map.

    ``status`` "measured" (k has a bounded 95 % set above zero) or "not_measurable" with the
    ``reason``; ``jump`` dC_gb (fraction, c_b - c_a), ``grad`` the normal gradient dC/dn
    (1/cm, along the normal a -> b); ``ratio`` (a, b, var_a, var_b, cov_ab) of k = a / b for the
    pooled estimate (a = D_b dC/dn in cm/s, b = dC_gb).  ``grains`` are label values or None
    when the labels came from a segmentation of the map itself."""

    boundary: Boundary
    grains: tuple[int, int] | None
    status: str
    reason: str
    n_a: int
    n_b: int
    jump: float = math.nan
    jump_err: float = math.nan
    grad: float = math.nan
    grad_err: float = math.nan
    chi2_red: float = math.nan
    error_scale: float = 1.0
    estimate: KEstimate | None = None
    ratio: tuple[float, float, float, float, float] | None = None
    flags: tuple[str, ...] = ()

    @property
    def measured(self) -> bool:
        """True when k has a bounded 95 % set above zero."""
        return self.status == "measured"

    def to_dict(self) -> dict[str, Any]:
        """Keys of ``gb-map`` ``boundaries[]`` (docs/grain_boundary.md)."""
        b = self.boundary
        est = self.estimate
        k_q: dict[str, Any] = (
            est.k_quantity()
            if est is not None
            else quantity(None, None, "cm/s", note="not measurable: " + self.reason)
        )
        ci = None
        if est is not None and est.bounded and est.ci95.lower is not None:
            ci = [finite_or_none(est.ci95.lower), finite_or_none(est.ci95.upper)]
        return {
            "grains": None if self.grains is None else list(self.grains),
            "midpoint_um": [b.midpoint_um[0], b.midpoint_um[1]],
            "length_um": b.length_um,
            "normal_deg": b.normal_deg,
            "dC_gb": quantity(self.jump, self.jump_err, ""),
            "dCdn_bulk": quantity(self.grad, self.grad_err, "1/cm"),
            "D_gb_over_delta": k_q,
            "ci95_D_gb_over_delta": ci,
            "status": self.status,
            "reason": self.reason,
            "flags": list(self.flags),
            "n_pixels": [self.n_a, self.n_b],
            "chi2_red": finite_or_none(self.chi2_red),
        }


def _design(
    windows: list[BoundaryWindow], c: Arr, e: Arr, *, curvature: str
) -> tuple[Arr, Arr, Arr, NDArray[np.bool_]]:
    """Padded design (m, n, P), data, weights and the parameter mask of every window."""
    m = len(windows)
    n = max(w.index_a.size + w.index_b.size for w in windows)
    p = 6 if curvature == "shared" else 7
    X = np.zeros((m, n, p))
    y, wt = np.zeros((m, n)), np.zeros((m, n))
    use = np.ones((m, p), dtype=bool)
    for r, w in enumerate(windows):
        na, k = w.index_a.size, w.index_a.size + w.index_b.size
        idx = np.concatenate([w.index_a, w.index_b])
        u = np.concatenate([w.u_a, w.u_b])
        v = np.concatenate([w.v_a, w.v_b])
        sa = np.zeros(k)
        sa[:na] = 1.0
        sb = 1.0 - sa
        cols = [sa, sb, u, sa * v, sb * v]
        cols += [u * u] if curvature == "shared" else [sa * u * u, sb * u * u]
        X[r, :k, :] = np.column_stack(cols)
        y[r, :k] = c[idx]
        wt[r, :k] = 1.0 / e[idx] ** 2
    return X, y, wt, use


def _flags(jump: float, jump_err: float, grad: float, grad_err: float, p: float) -> list[str]:
    out = []
    if not abs(grad) >= Z95 * grad_err:
        out.append("gradient_not_measurable")
    if not abs(jump) >= Z95 * jump_err:
        out.append("jump_not_significant")
    if grad * jump < 0 and not out:
        out.append("uphill")
    if p < 1e-3:
        out.append("poor_fit")
    return out


def _status(est: KEstimate, flags: list[str]) -> tuple[str, str]:
    ci = est.ci95
    if "uphill" in flags:
        return "not_measurable", "uphill: the jump is significantly against the gradient"
    if ci.kind != "bounded":
        return "not_measurable", "jump not significant at 95 %: k only bounded from below"
    if ci.lower is None or ci.lower <= 0:
        return "not_measurable", "the 95 % set of k reaches zero (gradient within noise)"
    return "measured", ""


def _one_step(
    bnd: Boundary,
    w: BoundaryWindow,
    beta: Arr,
    cov0: Arr,
    chi2: float,
    dof: int,
    g_sep: tuple[float, float],
    *,
    d_bulk: float,
    d_bulk_err: float,
    delta_nm: float,
    grains_known: bool,
) -> BoundaryStep:
    """One boundary's result from its row of the batched fits (``g_sep``: the separate-
    curvature fit's slope (1/um) and its variance, for the model term)."""
    scale = max(1.0, chi2 / dof) if dof > 0 else 1.0
    cov = cov0 * scale
    jump = float(beta[1] - beta[0])
    var_j = float(max(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1], 0.0))
    grad = float(beta[2]) * UM_PER_CM
    var_g = float(cov[2, 2]) * UM_PER_CM**2
    var_d = max(g_sep[1] * scale * UM_PER_CM**2 - var_g, 0.0)
    var_g += max((g_sep[0] * UM_PER_CM - grad) ** 2 - var_d, 0.0)  # module docstring
    cov_gj = float(cov[2, 1] - cov[2, 0]) * UM_PER_CM
    a = d_bulk * grad
    var_a = d_bulk**2 * var_g + grad**2 * d_bulk_err**2
    est = ratio_estimate(
        a,
        jump,
        var_a=var_a,
        var_b=var_j,
        cov_ab=d_bulk * cov_gj,
        estimator="gradient",
        delta_nm=delta_nm,
    )
    p = float(chi2_dist.sf(chi2, dof)) if dof > 0 else 1.0
    flags = _flags(jump, math.sqrt(var_j), grad, math.sqrt(var_g), p)
    if scale > 2.25:
        flags.append("errors_rescaled")
    status, reason = _status(est, flags)
    return BoundaryStep(
        boundary=bnd,
        grains=bnd.grains if grains_known else None,
        status=status,
        reason=reason,
        n_a=w.index_a.size,
        n_b=w.index_b.size,
        jump=jump,
        jump_err=math.sqrt(var_j),
        grad=grad,
        grad_err=math.sqrt(var_g),
        chi2_red=chi2 / max(dof, 1),
        error_scale=math.sqrt(scale),
        estimate=est,
        ratio=(a, jump, var_a, var_j, d_bulk * cov_gj),
        flags=tuple(flags),
    )


def fit_boundaries(
    items: list[tuple[Boundary, BoundaryWindow]],
    c: Arr,
    e: Arr,
    *,
    d_bulk: float,
    d_bulk_err: float,
    delta_nm: float,
    curvature: str = "shared",
    grains_known: bool = True,
) -> list[BoundaryStep]:
    """Fit every (boundary, window) pair on the flattened map ``c``, ``e`` (fraction and its
    error); windows must hold enough pixels (checked by the caller).  The variance of the
    normal gradient gets a model term: the excess of (g_separate - g_shared)^2 over its
    variance under the shared-curvature assumption, var_separate - var_shared (nested
    estimators, Hausman), when positive."""
    if not items:
        return []
    windows = [w for _, w in items]
    X, y, wt, use = _design(windows, c, e, curvature=curvature)
    fit = wls_batched(X, y, wt, use)
    X2, _, _, use2 = _design(windows, c, e, curvature="separate")
    sep = wls_batched(X2, y, wt, use2)
    return [
        _one_step(
            bnd,
            w,
            fit.beta[r],
            fit.cov[r],
            float(fit.chi2[r]),
            int(fit.dof[r]),
            (float(sep.beta[r][2]), float(sep.cov[r][2, 2])),
            d_bulk=d_bulk,
            d_bulk_err=d_bulk_err,
            delta_nm=delta_nm,
            grains_known=grains_known,
        )
        for r, (bnd, w) in enumerate(items)
    ]
