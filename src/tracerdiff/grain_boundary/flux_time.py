"""The jump a two-map flux pairs with: time averages through a coarse long-range model.

Two maps at t1 and t2 give the mean flux over [t1, t2], J_mean = k <dC_gb>_t, so k needs the
time-mean jump.  The mean of the two maps' jumps is that mean only if the jump changes linearly
in time; over a storage of days after hours of exchange it does not (near the source edge the
long-range gradient collapses, the jumps with it), and k comes out several-fold low there.  With
slow boundaries the jumps follow the long-range gradient quasi-statically (relaxation time
~ l / k, minutes, against days), so <dC_gb>_t / mean(dC_gb(t1), dC_gb(t2)) equals the same ratio
f(x) of the coarse gradient.  The coarse model: an erfc fitted to the first profile, evolved with
a homogeneous D_eff over [t1, t2] (exact Fourier solution on a long even/odd extension: the
sample edge x = 0 closed, or held at the source value), D_eff dt fitted to the second profile.
The error of f comes from the fit error of D_eff dt (scaled by chi2_red).  Units: um, s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import erfc

from ..errors import FitError

__all__ = ["TimeAverage", "time_average_factor"]

Arr = NDArray[np.float64]
N_TAU = 41


@dataclass(frozen=True, eq=False)
class TimeAverage:
    """f(x) = <g>_t / mean(g(t1), g(t2)) of the coarse gradient at ``x_um`` and its stderr;
    ``b_um2`` the fitted D_eff dt (um^2) and ``a_um`` the first profile's erfc length."""

    x_um: Arr
    factor: Arr
    factor_err: Arr
    a_um: float
    b_um2: float
    b_err_um2: float


def _erfc_fit(x: Arr, c: Arr, e: Arr) -> tuple[float, float, float]:
    """(C0, Cs, a) of C0 + (Cs - C0) erfc(x / a) fitted to one profile (x in um)."""
    from scipy.optimize import least_squares

    ok = np.isfinite(c) & (e > 0)

    def resid(p: Arr) -> Arr:
        return (p[0] + (p[1] - p[0]) * erfc(x[ok] / math.exp(p[2])) - c[ok]) / e[ok]

    span = max(float(x[-1]), 1.0)
    p0 = np.array([float(np.nanmin(c)), float(np.nanmax(c)), math.log(span / 3)])
    fit = least_squares(resid, p0, method="lm")
    if not fit.success:
        raise FitError("the erfc fit of the first profile failed (no coarse model)")
    return float(fit.x[0]), float(fit.x[1]), float(math.exp(fit.x[2]))


def _evolve(c0: float, cs: float, a: float, xg: Arr, b: Arr, edge: str) -> Arr:
    """Coarse C(x, s) on the grid ``xg`` (0 .. L, uniform) for D s = ``b`` (um^2, m values):
    even extension (edge closed) or odd extension of C - Cs (edge held at Cs)."""
    init = c0 + (cs - c0) * erfc(xg / a)
    ref = cs if edge == "source" else c0
    f = init - ref
    ext = np.concatenate([f, (f if edge == "closed" else -f)[::-1]])
    h = float(xg[1] - xg[0])
    k = 2 * math.pi * np.fft.rfftfreq(ext.size, d=h)
    spec = np.fft.rfft(ext)
    out = np.fft.irfft(spec[None, :] * np.exp(-np.outer(b, k**2)), n=ext.size, axis=1)
    return np.asarray(out[:, : xg.size] + ref, dtype=float)


def _fit_b(
    x: Arr, c2: Arr, e2: Arr, model: tuple[float, float, float], xg: Arr, edge: str
) -> tuple[float, float]:
    """D_eff dt (um^2) matching the evolved model to the second profile, and its stderr."""
    from scipy.optimize import minimize_scalar

    ok = np.isfinite(c2) & (e2 > 0)

    def chi2(lb: float) -> float:
        cm = _evolve(*model, xg, np.array([math.exp(lb)]), edge)[0]
        return float(np.sum(((np.interp(x[ok], xg, cm) - c2[ok]) / e2[ok]) ** 2))

    a = model[2]
    res = minimize_scalar(
        chi2, bounds=(math.log(1e-4 * a * a), math.log(1e3 * a * a)), method="bounded"
    )
    lb = float(res.x)
    h = 0.05
    curv = (chi2(lb + h) - 2 * chi2(lb) + chi2(lb - h)) / h**2
    red = max(chi2(lb) / max(int(ok.sum()) - 1, 1), 1.0)
    var_lb = 2.0 * red / curv if curv > 0 else math.inf
    b = math.exp(lb)
    return b, b * math.sqrt(var_lb)


def _joint_fit(
    x: Arr, profiles: tuple[Arr, ...], xg: Arr, edge: str, t1_s: float, dt_s: float
) -> tuple[tuple[float, float, float], float, float]:
    """One D_eff for the exchange (erfc, a = 2 sqrt(D t1)) and the stage between the maps
    (D dt): (C0, Cs, a), b and the stderr of b, all from both profiles."""
    from scipy.optimize import least_squares

    c1, e1, c2, e2 = profiles
    ok1, ok2 = np.isfinite(c1) & (e1 > 0), np.isfinite(c2) & (e2 > 0)

    def parts(p: Arr) -> tuple[tuple[float, float, float], float]:
        d_um2 = math.exp(p[2])
        return (float(p[0]), float(p[1]), 2.0 * math.sqrt(d_um2 * t1_s)), d_um2 * dt_s

    def resid(p: Arr) -> Arr:
        model, b = parts(p)
        m1 = model[0] + (model[1] - model[0]) * erfc(x[ok1] / model[2])
        m2 = np.interp(x[ok2], xg, _evolve(*model, xg, np.array([b]), edge)[0])
        return np.concatenate([(m1 - c1[ok1]) / e1[ok1], (m2 - c2[ok2]) / e2[ok2]])

    c0, cs, a = _erfc_fit(x, c1, e1)
    fit = least_squares(resid, np.array([c0, cs, math.log(a * a / (4 * t1_s))]), method="lm")
    red = max(float(np.sum(fit.fun**2)) / max(fit.fun.size - 3, 1), 1.0)
    cov = np.linalg.pinv(fit.jac.T @ fit.jac) * red
    model, b = parts(fit.x)
    return model, b, b * math.sqrt(max(float(cov[2, 2]), 0.0))


def _factor(model: tuple[float, float, float], xg: Arr, b: float, edge: str, x_out: Arr) -> Arr:
    tau = np.linspace(0.0, 1.0, N_TAU)
    cm = _evolve(*model, xg, b * tau, edge)
    g = np.gradient(cm, xg, axis=1)
    w = np.full(N_TAU, 1.0)
    w[0] = w[-1] = 0.5
    mean_t = (w @ g) / w.sum()
    ends = 0.5 * (g[0] + g[-1])
    big = np.max(np.abs(g))
    f = np.where(np.abs(ends) > 1e-6 * big, mean_t / np.where(ends == 0, 1.0, ends), np.nan)
    return np.asarray(np.interp(x_out, xg, f), dtype=float)


def time_average_factor(
    x_um: Arr,
    c1: Arr,
    e1: Arr,
    c2: Arr,
    e2: Arr,
    *,
    edge: str,
    x_out: Arr,
    t1_s: float | None = None,
    dt_s: float | None = None,
) -> TimeAverage:
    """f(x) at ``x_out`` (um) for profiles starting at the sample edge x = 0 (module
    docstring); ``edge`` "closed" (storage, anneal) or "source" (exchange going on).  With the
    exchange time ``t1_s`` of the first profile and ``dt_s`` one D_eff is fitted to both
    profiles; otherwise the first profile's erfc length and D_eff dt are fitted apart."""
    model = _erfc_fit(x_um, c1, e1)
    span = max(float(x_um[-1]), 4 * model[2])
    h = float(np.median(np.diff(x_um)))
    xg = np.arange(0.0, 4 * span, h) + 0.5 * h
    if t1_s is not None and dt_s is not None:
        model, b, b_err = _joint_fit(x_um, (c1, e1, c2, e2), xg, edge, t1_s, dt_s)
    else:
        b, b_err = _fit_b(x_um, c2, e2, model, xg, edge)
    f = _factor(model, xg, b, edge, x_out)
    if math.isfinite(b_err) and b_err > 0:
        hi = _factor(model, xg, b + b_err, edge, x_out)
        lo = _factor(model, xg, max(b - b_err, 1e-3 * b), edge, x_out)
        err = 0.5 * np.abs(hi - lo)
    else:
        err = np.full(f.shape, np.inf)
    return TimeAverage(
        x_um=np.asarray(x_out, float),
        factor=f,
        factor_err=err,
        a_um=model[2],
        b_um2=b,
        b_err_um2=b_err,
    )
