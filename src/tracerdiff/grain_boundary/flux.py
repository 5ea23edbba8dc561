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
from ..quantities import finite_or_none, jsonable, quantity
from ..results import ResultMixin

__all__ = [
    "FluxProfile",
    "TwoMapFlux",
    "erfc_far_end_flux",
    "flux_from_gradient",
    "flux_from_two_profiles",
    "two_map_flux",
]

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


@dataclass(frozen=True, eq=False)
class TwoMapFlux(ResultMixin):
    """The flux estimator's input from two maps (profiles of one line at t1 < t2 = t1 + dt).

    ``flux`` J(x) (cm/s), the mean over [t1, t2]; ``C_mean``/``C_mean_err`` the mean profile
    the jumps should be taken from; ``end`` how the integration was anchored: "left" or
    "right" (that end closed: J = 0 there, exact for a sample edge without supply, e.g. a
    storage or anneal after the exchange), or "estimated" (J at the far end from a long-range
    erfc fit of both profiles, with its error carried); ``far_end_flux`` that anchor (cm/s,
    0 for a closed end); ``checks`` the data tests of the assumption; ``flags`` raised on every
    boundary analysed with this flux when the assumption is not met."""

    flux: FluxProfile
    C_mean: NDArray[np.float64]
    C_mean_err: NDArray[np.float64]
    end: str
    far_end_flux: tuple[float, float]
    checks: dict[str, Any]
    flags: tuple[str, ...]

    def flag(self, results: list[Any]) -> list[Any]:
        """``results`` (:class:`~tracerdiff.grain_boundary.StepResult`) with :attr:`flags`
        added to each analysed boundary."""
        import dataclasses

        if not self.flags:
            return list(results)
        return [
            dataclasses.replace(r, flags=tuple(r.flags) + self.flags) if r.analysable else r
            for r in results
        ]

    def to_dict(self) -> dict[str, Any]:
        """Keys: method, end, far_end_flux {value, stderr, unit}, checks, flags."""
        return {
            "method": self.flux.method,
            "end": self.end,
            "far_end_flux": quantity(*self.far_end_flux, "cm/s"),
            **self.checks,
            "flags": list(self.flags),
        }


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


#: a drop of the surface fraction between the maps, as a share of the first profile's contrast,
#: that says the source was not on during both (significant at 3 sigma as well)
SOURCE_DROP_TOLERANCE = 0.05


def _end_checks(
    J: FluxProfile,
    c1: NDArray[np.float64],
    c2: NDArray[np.float64],
    v: NDArray[np.float64],
    end: str,
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Tests of the anchoring assumption from the data; flags when it is not met."""
    n = min(5, c1.size)
    checks: dict[str, Any] = {}
    flags: list[str] = []
    if end == "right":  # the far end must not have changed
        far = slice(c1.size - n, None)
        dc, err = float(np.mean(c2[far] - c1[far])), float(np.sqrt(np.sum(v[far]))) / n
        checks["far_end_dC"] = quantity(dc, err, "")
        checks["far_end_changed"] = bool(abs(dc) > 3 * err)
        if checks["far_end_changed"]:
            flags.append("flux_far_end_open")
    if end == "estimated":  # the source holds the surface: it must not have drained
        near = slice(0, n)
        dc, err = float(np.mean(c2[near] - c1[near])), float(np.sqrt(np.sum(v[near]))) / n
        checks["surface_dC"] = quantity(dc, err, "")
        contrast = abs(float(np.nanmean(c1[near]) - np.nanmean(c1[c1.size - n :])))
        if dc < -3 * err and -dc > SOURCE_DROP_TOLERANCE * contrast:
            flags.append("flux_source_off")
    # the flux at the other end follows from the integration: tracer moves down the gradient
    other = J.J[0] if end != "left" else J.J[-1]
    other_err = J.J_err[0] if end != "left" else J.J_err[-1]
    checks["other_end_flux"] = quantity(float(other), float(other_err), "cm/s")
    if other < -3 * other_err:
        flags.append("flux_end_inconsistent")
    return checks, tuple(flags)


def _time_averaged(
    flux: FluxProfile,
    x: NDArray[np.float64],
    arrs: list[NDArray[np.float64]],
    end: str,
    t1_s: float | None,
    dt_s: float,
) -> tuple[FluxProfile, dict[str, Any]]:
    """J / f(x) with f the time-average factor of the jumps (:mod:`.flux_time`)."""
    from .flux_time import time_average_factor

    edge_um = float(x[0] - 0.5 * (x[1] - x[0]))
    ta = time_average_factor(
        x - edge_um,
        *arrs,
        edge="closed" if end == "left" else "source",
        x_out=flux.x_um - edge_um,
        t1_s=t1_s,
        dt_s=dt_s,
    )
    f, fe = ta.factor, ta.factor_err
    with np.errstate(invalid="ignore", divide="ignore"):
        J = flux.J / f
        err = np.hypot(flux.J_err / f, flux.J * fe / f**2)
    info = {
        "method": "coarse model: erfc of the first map evolved to the second",
        "erfc_length": quantity(ta.a_um, None, "um"),
        "D_eff_dt": quantity(ta.b_um2 * 1e-8, ta.b_err_um2 * 1e-8, "cm^2"),
        "factor_range": [finite_or_none(float(np.nanmin(f))), finite_or_none(float(np.nanmax(f)))],
    }
    return FluxProfile(
        x_um=flux.x_um,
        J=J,
        J_err=err,
        method=flux.method + ", jumps time-averaged by a coarse model",
    ), info


def two_map_flux(
    x_um: ArrayLike,
    C1: ArrayLike,
    C1_err: ArrayLike,
    C2: ArrayLike,
    C2_err: ArrayLike,
    *,
    dt_s: float,
    closed_end: str | None = None,
    t1_s: float | None = None,
    time_average: str = "model",
) -> TwoMapFlux:
    """J(x) for the flux estimator from two profiles of one line (:class:`TwoMapFlux`).

    ``closed_end`` "left" or "right": integrate from that closed end (exact when it is a sample
    edge without supply over [t1, t2], e.g. storage after the exchange with the profile starting
    at the immersed edge: "left").  Otherwise ``t1_s`` (time of the first profile since the
    source was applied, source on until t2) anchors the right end with the flux from a joint
    erfc fit.  The data test the assumption (``checks``); every boundary analysed with a flux
    whose assumption fails gets the ``flags``.  ``time_average`` "model" (default): J is divided
    by f(x) = <dC_gb>_t / mean of the two maps' jumps from a coarse model
    (:mod:`.flux_time`), so that k = -J / dC_gb of the mean profile is the time-mean ratio; the
    profile must start at the sample edge (x = 0); "endpoints": no correction (maps close in
    time).  With ``closed_end="right"`` no model applies and the endpoints are used."""
    if time_average not in ("model", "endpoints"):
        raise InputError(f"time_average must be 'model' or 'endpoints', got {time_average!r}")
    x = np.asarray(x_um, dtype=float)
    arrs = [np.asarray(a, dtype=float) for a in (C1, C1_err, C2, C2_err)]
    if closed_end is None and t1_s is None:
        raise InputError("give the closed end ('left'/'right') or the time of the first profile")
    if t1_s is not None and not (math.isfinite(t1_s) and t1_s > 0):
        raise InputError(f"the time of the first profile must be positive (s), got {t1_s}")
    base = flux_from_two_profiles(x, *arrs, dt_s=dt_s, closed_end=closed_end or "right")
    c1, e1, c2, e2 = arrs
    v = e1**2 + e2**2
    far, far_err = 0.0, 0.0
    extra: dict[str, Any] = {}
    if closed_end is None:
        assert t1_s is not None
        far, far_err, extra = erfc_far_end_flux(x, (c1, e1, c2, e2), t1_s=t1_s, dt_s=dt_s)
        base = FluxProfile(
            x_um=base.x_um,
            J=base.J + far,
            J_err=np.hypot(base.J_err, far_err),
            method="two profiles, right-end flux from an erfc fit of both",
        )
    end = closed_end or "estimated"
    checks, flags = _end_checks(base, c1, c2, v, "right" if end == "right" else end)
    checks.update(extra)
    if time_average == "model" and end != "right":
        base, checks["time_average"] = _time_averaged(base, x, arrs, end, t1_s, dt_s)
    else:
        checks["time_average"] = "endpoints (mean of the two maps' jumps)"
    return TwoMapFlux(
        flux=base,
        C_mean=0.5 * (c1 + c2),
        C_mean_err=0.5 * np.sqrt(v),
        end=end,
        far_end_flux=(far, far_err),
        checks=checks,
        flags=flags,
    )
