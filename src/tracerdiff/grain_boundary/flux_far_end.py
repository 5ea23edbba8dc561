"""The flux through the far end of two profiles of one line when the source was on during both
(the anchor of :func:`tracerdiff.grain_boundary.flux.two_map_flux` without a closed end):
-D_eff times the slope of the mean profile over its last 100 um, with the slope's
grain-sampling error, and the erfc model's tracer gain beyond the end as a second estimate."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import DataError
from ..quantities import quantity

__all__ = ["CM_PER_UM", "END_WINDOW_CM", "erfc_far_end_flux"]

CM_PER_UM = 1e-4


def _tail(x_cm: float, d: float, t: float) -> float:
    """int_x^inf erfc(x' / (2 sqrt(D t))) dx' (cm) = 2 sqrt(D t) ierfc(x / (2 sqrt(D t)))."""
    s = 2.0 * math.sqrt(d * t)
    z = x_cm / s
    return s * (math.exp(-z * z) / math.sqrt(math.pi) - z * math.erfc(z))


def erfc_far_end_flux(
    x_um: NDArray[np.float64],
    profiles: tuple[NDArray[np.float64], ...],
    *,
    t1_s: float,
    dt_s: float,
) -> tuple[float, float, dict[str, Any]]:
    """Mean flux (cm/s) through the right end of the profiles over [t1, t1 + dt]: -D_eff times
    the slope of the mean profile over its last 100 um, D_eff from a joint fit of C0 + (Cs - C0)
    erfc(x / (2 sqrt(D t))) (constant source at x = 0 during both, shared C0, Cs, D) to the two
    profiles (covariance scaled by chi2_red: a staircase is not an erfc), the slope's error
    from its residual scatter with one independent point per 16 um.  The same fit's tracer
    gain beyond the end (erfc tail) is a second estimate; half their difference is added as
    a model error (in closed loops the two differ by up to 2x at a 500 um field's end)."""
    from scipy.optimize import least_squares

    c1, e1, c2, e2 = profiles
    t2 = t1_s + dt_s
    xs = np.asarray(x_um, float) * CM_PER_UM
    ok1, ok2 = np.isfinite(c1) & (e1 > 0), np.isfinite(c2) & (e2 > 0)

    def model(p: NDArray[np.float64], t: float) -> NDArray[np.float64]:
        from scipy.special import erfc

        return p[0] + (p[1] - p[0]) * erfc(xs / (2.0 * math.sqrt(math.exp(p[2]) * t)))

    def resid(p: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.concatenate([((model(p, t1_s) - c1) / e1)[ok1], ((model(p, t2) - c2) / e2)[ok2]])

    span = float(xs[-1] - xs[0]) or 1e-4
    p0 = np.array([float(np.nanmin(c2)), float(np.nanmax(c1)), math.log(span**2 / (4 * t2))])
    fit = least_squares(resid, p0, method="lm")
    dof = max(int(ok1.sum() + ok2.sum()) - 3, 1)
    chi2_red = float(np.sum(fit.fun**2)) / dof
    cov = np.linalg.pinv(fit.jac.T @ fit.jac) * max(chi2_red, 1.0)
    x_end = float(xs[-1] + 0.5 * (xs[-1] - xs[-2]))

    def j_far(p: NDArray[np.float64]) -> float:
        d = math.exp(p[2])
        return float((p[1] - p[0]) * (_tail(x_end, d, t2) - _tail(x_end, d, t1_s)) / dt_s)

    j_tail = j_far(fit.x)
    d, d_err = math.exp(fit.x[2]), math.exp(fit.x[2]) * math.sqrt(cov[2, 2])
    g, g_err = _end_slope(xs, 0.5 * (c1 + c2), x_end)
    j = -d * g
    q_um = _walk_rate_um(x_um, c1, e1, t1_s)
    # the slope over the window reads the resistance of the few grains in it, not D_eff's
    # mean: the coordinate walk of rate q gives Var(ln slope) = q / window
    rel_walk = math.sqrt(q_um / (END_WINDOW_CM / CM_PER_UM))
    # two long-range estimates of one flux (local gradient x D_eff; tracer gained beyond the
    # end in the erfc model): their difference is a model error, carried
    err = math.sqrt(
        (d * g_err) ** 2 + (g * d_err) ** 2 + (j * rel_walk) ** 2 + (0.5 * (j - j_tail)) ** 2
    )
    info = {
        "D_eff_fit": quantity(d, d_err, "cm^2/s"),
        "chi2_red_fit": chi2_red,
        "far_end_gradient": quantity(g, g_err, "1/cm"),
        "far_end_walk_rate_um": q_um,
        "far_end_flux_erfc_tail": quantity(j_tail, None, "cm/s"),
    }
    return j, err, info


#: width of the window before the far end whose slope gives the far-end flux
END_WINDOW_CM = 100e-4


def _walk_rate_um(
    x_um: NDArray[np.float64], c: NDArray[np.float64], c_err: NDArray[np.float64], t_s: float
) -> float:
    """Walk rate q (um) of the grains along the line: the REML estimate of the first
    profile's own erfc fit (:mod:`tracerdiff.fitting.microstructure_error`; 0 when that fit
    finds no correlated excess or fails)."""
    from ..errors import TracerdiffError
    from ..fitting import ProfileData, fit_profile

    ok = np.isfinite(c) & np.isfinite(c_err) & (c_err > 0)
    try:
        prof = ProfileData.from_arrays(np.asarray(x_um, float)[ok], c[ok], c_err[ok])
        res = fit_profile("erfc", prof, time_s=t_s, profile_ci=False)
    except (TracerdiffError, ValueError, np.linalg.LinAlgError):
        return 0.0
    q = float((res.microstructure or {}).get("q_um", 0.0) or 0.0)
    return q if math.isfinite(q) and q > 0 else 0.0


def _end_slope(
    xs: NDArray[np.float64], c: NDArray[np.float64], x_end: float, width_cm: float = END_WINDOW_CM
) -> tuple[float, float]:
    """Slope (1/cm) of the mean profile over the last ``width_cm`` before the end, with its
    error from the residual scatter (the staircase of the grains in the window)."""
    m = (xs >= x_end - width_cm) & np.isfinite(c)
    if m.sum() < 4:
        raise DataError("too few points near the far end to take its gradient")
    x, y = xs[m], c[m]
    xc = x - x.mean()
    sxx = float(np.sum(xc**2))
    g = float(np.sum(xc * (y - y.mean())) / sxx)
    r = y - y.mean() - g * xc
    # the residuals are correlated over a grain: ~one independent point per 16 um
    n_eff = max(2.0, (x[-1] - x[0]) / 16e-4)
    s2 = float(np.sum(r**2)) / max(r.size - 2, 1)
    return g, math.sqrt(s2 / sxx * r.size / n_eff)
