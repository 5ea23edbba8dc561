"""The weighted least-squares engine shared by every fit (profiles, evolution, global Arrhenius).

A :class:`Problem` names the parameters (natural units), which are fitted on a log scale, their
bounds, starting values and fixed values, and a ``predict(values) -> model at the data``.
:func:`run_problem` minimises ``sum ((model - y) / sigma)^2`` with
``scipy.optimize.least_squares`` (trust region reflective, bounds), then gives the covariance
from the Jacobian (delta method for log-scale parameters), 95 % intervals (profile likelihood,
``Delta chi2 = 3.841``, for log-scale parameters; Wald otherwise), chi-square, AIC and BIC.

Noise: ``sigma`` is the data's error when given; otherwise one common sigma is estimated from the
residuals (``noise = "estimated"``; ``chi2_red = 1`` by construction, AIC/BIC then use the
Gaussian likelihood ``n ln(RSS / n)`` with the noise as an extra parameter).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq, least_squares

from ..errors import FitError
from .result import FitResult
from .status import STALLED_MESSAGE, with_status

__all__ = ["CHI2_95", "Problem", "run_problem"]

CHI2_95 = 3.841458820694124  #: chi-square quantile (1 dof) of a 95 % interval


@dataclass(frozen=True, eq=False)
class Problem:
    """A fit to set up: see the module text.  Values and bounds in natural units."""

    model: str
    params: tuple[str, ...]
    units: Mapping[str, str]
    log_params: frozenset[str]
    bounds: Mapping[str, tuple[float, float]]
    start: Mapping[str, float]
    fixed: Mapping[str, float]
    predict: Callable[[dict[str, float]], NDArray[np.float64]]
    x_um: NDArray[np.float64]
    y: NDArray[np.float64]
    yerr: NDArray[np.float64] | None
    time_s: float | None = None
    method: str = "weighted least squares (scipy least_squares, trf)"
    group: NDArray[np.int_] | None = None
    group_labels: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def free(self) -> tuple[str, ...]:
        """Fitted parameter names."""
        return tuple(p for p in self.params if p not in self.fixed)


class _Space:
    """Transformed (log / linear) coordinates of the free parameters."""

    def __init__(self, prob: Problem) -> None:
        self.prob = prob
        self.free = prob.free
        self.is_log = np.array([p in prob.log_params for p in self.free])
        lo = np.array([prob.bounds[p][0] for p in self.free], dtype=float)
        hi = np.array([prob.bounds[p][1] for p in self.free], dtype=float)
        if np.any(self.is_log & (lo <= 0)):
            raise FitError("log-scale parameters need a lower bound > 0")
        self.lo = np.where(self.is_log, np.log(np.maximum(lo, 1e-300)), lo)
        self.hi = np.where(self.is_log, np.log(hi), hi)

    def to_t(self, values: Mapping[str, float]) -> NDArray[np.float64]:
        v = np.array([float(values[p]) for p in self.free])
        t = np.where(self.is_log, np.log(np.maximum(v, 1e-300)), v)
        width = self.hi - self.lo
        return np.clip(t, self.lo + 1e-9 * width, self.hi - 1e-9 * width)

    def values(self, t: NDArray[np.float64]) -> dict[str, float]:
        nat = np.array(t, dtype=float)
        nat[self.is_log] = np.exp(nat[self.is_log])  # only the log-scale ones: no overflow
        fitted = {p: float(v) for p, v in zip(self.free, nat, strict=True)}
        return {
            p: fitted[p] if p in fitted else float(self.prob.fixed[p]) for p in self.prob.params
        }


def _residual_fn(prob: Problem, space: _Space, sigma: NDArray[np.float64]) -> Callable[..., Any]:
    def resid(t: NDArray[np.float64]) -> NDArray[np.float64]:
        model = np.asarray(prob.predict(space.values(t)), dtype=float)
        r = (model - prob.y) / sigma
        return np.where(np.isfinite(r), r, 1e10)

    return resid


def _covariance(jac: NDArray[np.float64]) -> tuple[NDArray[np.float64], bool]:
    _u, s, vt = np.linalg.svd(jac, full_matrices=False)
    ok = bool(s.size and s[-1] > s[0] * 1e-10)
    if not ok:
        return np.full((jac.shape[1], jac.shape[1]), np.nan), False
    return (vt.T / s**2) @ vt, True


class _NotSmooth(Exception):
    """The profile likelihood is not smooth enough to bracket one end of the interval."""


def _profile_fn(
    j: int, t_hat: NDArray[np.float64], space: _Space, resid: Callable[..., Any]
) -> tuple[Callable[[float], float], Callable[[], None]]:
    """chi2 minimised over the other parameters at t_j (warm-started), and a warm-start reset."""
    others = [i for i in range(t_hat.size) if i != j]
    warm = {"t": t_hat[others].copy()}

    def prof(tj: float) -> float:
        full = t_hat.copy()
        full[j] = tj
        if not others:
            return float(np.sum(resid(full) ** 2))

        def sub(to: NDArray[np.float64]) -> NDArray[np.float64]:
            full[others] = to
            return np.asarray(resid(full))

        r = least_squares(
            sub,
            warm["t"],
            bounds=(space.lo[others], space.hi[others]),
            method="trf",
            x_scale="jac",
            xtol=1e-10,
            ftol=1e-10,
        )
        warm["t"] = r.x
        return float(2 * r.cost)

    def reset() -> None:
        warm["t"] = t_hat[others].copy()

    return prof, reset


def _profile_bound(
    j: int,
    sign: float,
    t_hat: NDArray[np.float64],
    sd: float,
    target: float,
    space: _Space,
    resid: Callable[..., Any],
) -> float | None:
    """One end of the profile-likelihood interval of free parameter ``j`` (transformed units).

    None when the chi-square stays below ``target`` up to the bound; raises :class:`_NotSmooth`
    when the profile cannot be bracketed (it jumps, e.g. a step narrower than the point spacing).
    """
    prof, reset = _profile_fn(j, t_hat, space, resid)
    step = sd if math.isfinite(sd) and sd > 0 else 0.1
    step = min(max(step, 1e-4), 2.0)
    edge = space.hi[j] if sign > 0 else space.lo[j]
    a, m = float(t_hat[j]), 1.0
    while True:
        b = float(t_hat[j] + sign * step * m)
        if (b - edge) * sign >= 0:
            b = float(edge)
            if prof(b) < target:
                return None
            break
        if prof(b) > target:
            break
        a, m = b, m * 2
    reset()
    if not prof(a) < target:  # re-solved from the optimum, the inner point is no longer inside
        raise _NotSmooth
    try:
        return float(brentq(lambda v: prof(v) - target, a, b, xtol=1e-5))
    except ValueError as exc:  # the profile jumps: no sign change left in [a, b]
        raise _NotSmooth from exc


def _intervals(
    space: _Space,
    t_hat: NDArray[np.float64],
    cov_t: NDArray[np.float64],
    chi2_min: float,
    resid: Callable[..., Any],
    *,
    profile: bool,
) -> tuple[dict[str, tuple[float | None, float | None]], dict[str, str]]:
    ci: dict[str, tuple[float | None, float | None]] = {}
    how: dict[str, str] = {}
    for j, p in enumerate(space.free):
        sd = float(np.sqrt(cov_t[j, j])) if np.isfinite(cov_t[j, j]) else float("nan")
        if space.is_log[j] and profile:
            ends: list[float | None] = []
            how[p] = "profile likelihood"
            for sign in (-1.0, 1.0):
                try:
                    e = _profile_bound(j, sign, t_hat, sd, chi2_min + CHI2_95, space, resid)
                except _NotSmooth:
                    e, how[p] = None, "profile likelihood (not smooth)"
                ends.append(None if e is None else math.exp(e))
            ci[p] = (ends[0], ends[1])
        else:
            lo_t, hi_t = float(t_hat[j] - 1.959964 * sd), float(t_hat[j] + 1.959964 * sd)
            if space.is_log[j]:  # an end beyond the float range is open (None), as unbounded
                ci[p] = (_exp_end(lo_t), _exp_end(hi_t)) if math.isfinite(sd) else (None, None)
            else:
                ci[p] = (lo_t, hi_t) if math.isfinite(sd) else (None, None)
            how[p] = "wald"
    return ci, how


def _exp_end(t: float) -> float | None:
    """exp(t) for an interval end in log space; None beyond the float range (an open end)."""
    return math.exp(t) if -745.0 < t < 709.0 else None


def _solve(
    prob: Problem, space: _Space, max_nfev: int | None
) -> tuple[Any, NDArray[np.float64], list[str]]:
    """Least squares; returns (scipy result, sigma used, notes) with sigma estimated if needed."""
    n, k = int(prob.y.size), len(space.free)
    given = prob.yerr is not None
    sigma = np.asarray(prob.yerr, dtype=float) if given else np.ones(n)
    res = least_squares(
        _residual_fn(prob, space, sigma),
        space.to_t(prob.start),
        bounds=(space.lo, space.hi),
        method="trf",
        x_scale="jac",
        xtol=1e-12,
        ftol=1e-12,
        gtol=1e-12,
        max_nfev=max_nfev or 400 * (k + 1),
    )
    notes = list(prob.notes)
    if not given:
        s_hat = max(math.sqrt(2 * res.cost / (n - k)), float(np.finfo(float).tiny))
        sigma = np.full(n, s_hat)
        res.jac = res.jac / s_hat
        notes.append(f"no C_err: noise estimated from the residuals (sigma = {s_hat:.3g})")
    return res, sigma, notes


def _information(chi2: float, rss: float, n: int, k: int, given: bool) -> tuple[float, float]:
    """(AIC, BIC): chi2-based for given sigma, Gaussian likelihood with estimated sigma."""
    if given:
        return chi2 + 2 * k, chi2 + k * math.log(n)
    rss_term = n * math.log(max(rss, 1e-300) / n)
    return rss_term + 2 * (k + 1), rss_term + (k + 1) * math.log(n)


def _natural(
    space: _Space, params: tuple[str, ...], t_hat: NDArray[np.float64], cov_t: NDArray[np.float64]
) -> tuple[NDArray[np.float64], dict[str, float | None]]:
    """Covariance and standard errors in natural units (delta method for log-scale ones)."""
    g = np.ones_like(t_hat)
    g[space.is_log] = np.exp(t_hat[space.is_log])  # exp of the log-scale ones only
    cov = cov_t * np.outer(g, g)
    stderr: dict[str, float | None] = {p: None for p in params}
    for j, p in enumerate(space.free):
        stderr[p] = float(np.sqrt(cov[j, j])) if np.isfinite(cov[j, j]) else None
    return cov, stderr


def run_problem(
    prob: Problem, *, profile_ci: bool = True, max_nfev: int | None = None, assess: bool = True
) -> FitResult:
    """Fit ``prob`` and return the :class:`FitResult` (see the module text).

    ``max_nfev`` caps the function evaluations (default ``400 (k + 1)``); a fit stopped by it
    reports ``converged=False`` with the reason.  ``assess`` sets ``status``, ``success`` and
    the notes of :func:`tracerdiff.fitting.status.assess` (callers that still change the errors,
    such as evolution fits, assess at their end instead).
    """
    free = prob.free
    n, k = int(prob.y.size), len(free)
    if k == 0:
        raise FitError("every parameter is fixed: nothing to fit")
    if n <= k:
        raise FitError(f"{n} data points cannot determine {k} free parameters: need more points")
    space = _Space(prob)
    res, sigma, notes = _solve(prob, space, max_nfev)
    converged = bool(res.success and res.status > 0)
    resid = _residual_fn(prob, space, sigma)
    t_hat = np.asarray(res.x, dtype=float)
    r = resid(t_hat)
    chi2 = float(np.sum(r**2))
    cov_t, ok = _covariance(res.jac)
    stalled = not ok and bool(np.allclose(t_hat, space.to_t(prob.start), rtol=0, atol=1e-9))
    cov, stderr = _natural(space, prob.params, t_hat, cov_t)
    ci, how = _intervals(space, t_hat, cov_t, chi2, resid, profile=profile_ci and converged)
    given = prob.yerr is not None
    aic, bic = _information(chi2, 2 * res.cost, n, k, given)
    stats = {"chi2": chi2, "aic": aic, "bic": bic, "n": n, "k": k, "stalled": stalled}
    result = _result(prob, space, res, t_hat, r, sigma, cov, stderr, ci, how, stats, notes)
    return with_status(result) if assess else result


def _result(
    prob: Problem,
    space: _Space,
    res: Any,
    t_hat: NDArray[np.float64],
    r: NDArray[np.float64],
    sigma: NDArray[np.float64],
    cov: NDArray[np.float64],
    stderr: dict[str, float | None],
    ci: dict[str, tuple[float | None, float | None]],
    how: dict[str, str],
    stats: dict[str, Any],
    notes: list[str],
) -> FitResult:
    """Assemble the :class:`FitResult` of :func:`run_problem`."""
    values = space.values(t_hat)
    n, k = int(stats["n"]), int(stats["k"])
    converged = bool(res.success and res.status > 0) and not stats["stalled"]
    if stats["stalled"]:
        message = (
            f"{STALLED_MESSAGE}; the data do not constrain the parameters (see ci95 for what "
            "they do bound)"
        )
    else:
        message = str(res.message) if converged else f"did not converge: {res.message}"
    return FitResult(
        model=prob.model,
        method=prob.method,
        params=prob.params,
        free=prob.free,
        values=values,
        stderr=stderr,
        units=dict(prob.units),
        covariance=cov,
        ci95=ci,
        ci_method=how,
        chi2=stats["chi2"],
        chi2_red=stats["chi2"] / (n - k),
        aic=stats["aic"],
        bic=stats["bic"],
        n_points=n,
        n_params=k,
        converged=converged,
        message=message,
        noise="given" if prob.yerr is not None else "estimated",
        x_um=np.asarray(prob.x_um, dtype=float),
        y=np.asarray(prob.y, dtype=float),
        yerr=sigma,
        curve=np.asarray(prob.predict(values), dtype=float),
        residuals=-r,
        time_s=prob.time_s,
        group=prob.group,
        group_labels=prob.group_labels,
        notes=tuple(notes),
        extra=dict(prob.extra),
        problem=prob,
    )
