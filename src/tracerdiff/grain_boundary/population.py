"""A pooled estimate of k = D_gb/delta over many boundaries: a lognormal population fitted to
every boundary's likelihood.

Each boundary i gives a ratio k_i = a_i / b_i of correlated normal estimates (a = D_b dC/dn,
b = dC_gb, variances and covariance known).  With the true jump profiled out, its likelihood of
k is Fieller's pivot, L_i(k) = exp(-(a_i - k b_i)^2 / (2 s_i^2(k))), s_i^2(k) = v_aa - 2 k v_ab +
k^2 v_bb: bounded and informative when the step is measured, nearly flat when it is not.  The
population ln k ~ N(mu, tau^2) is fitted by maximising sum_i ln int L_i(k) N(ln k; mu, tau) d ln k
(the integral on a fixed grid of ln k); errors from the observed information (numerical Hessian
of (mu, ln tau)).  When the fit sits at the lower bound of tau (no spread resolved), tau is
only bounded from above: its 1-sigma upper limit (profile likelihood, a rise of 0.5 in -ln L)
is ``tau_upper``, and the harmonic and arithmetic means, which depend on tau, carry the shift
that tau up to that limit would give in their errors.  Boundaries that are not measurable one
by one still add their information, so the pooled values are measurable when single boundaries
are not.  Geometric mean = median = exp(mu), harmonic mean exp(mu - tau^2/2), arithmetic mean
exp(mu + tau^2/2).  Units: cm/s.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import DataError
from ..quantities import finite_or_none, quantity
from ..results import ResultMixin

__all__ = ["LognormalPopulation", "fit_lognormal_population"]

Arr = NDArray[np.float64]
Ratio = tuple[float, float, float, float, float]
GRID_HALF_WIDTH = 7.0  # ln units each side of the starting value
GRID_STEP = 0.01
TAU_BOUNDS = (math.log(0.03), math.log(3.0))  # tau >= 3 grid steps


@dataclass(frozen=True)
class LognormalPopulation(ResultMixin):
    """ln k ~ N(mu, tau^2) fitted to ``n`` boundaries; ``cov`` the covariance of (mu, ln tau);
    ``success``/``message`` say whether the fit converged with a usable Hessian."""

    mu: float
    tau: float
    cov: tuple[tuple[float, float], tuple[float, float]]
    n: int
    log_likelihood: float
    success: bool
    message: str
    method: str = "lognormal population, Fieller-pivot likelihood per boundary"
    tau_upper: float | None = None  # 1-sigma upper limit of tau when tau is not resolved

    def _value(self, shift: float) -> tuple[float, float | None]:
        """exp(mu + shift tau^2) and its delta-method stderr."""
        val = math.exp(self.mu + shift * self.tau**2)
        # d/dmu = val, d/d ln tau = val * 2 shift tau^2
        grad = np.array([val, val * 2.0 * shift * self.tau**2])
        var = float(grad @ np.asarray(self.cov) @ grad)
        if self.tau_upper is not None:  # tau anywhere up to tau_upper: ln value moves that much
            var += (val * shift * self.tau_upper**2) ** 2
        return val, (math.sqrt(var) if self.success and var >= 0 and math.isfinite(var) else None)

    @property
    def gmean(self) -> tuple[float, float | None]:
        """Geometric mean (= median) exp(mu) and its stderr (cm/s)."""
        return self._value(0.0)

    @property
    def hmean(self) -> tuple[float, float | None]:
        """Harmonic mean exp(mu - tau^2/2) and its stderr (cm/s)."""
        return self._value(-0.5)

    @property
    def mean(self) -> tuple[float, float | None]:
        """Arithmetic mean exp(mu + tau^2/2) and its stderr (cm/s)."""
        return self._value(0.5)

    def to_dict(self) -> dict[str, Any]:
        """Keys: gmean, median, hmean, mean (quantities, cm/s), sigma_ln, n, method, success,
        message."""
        note = None if self.success else self.message
        out: dict[str, Any] = {}
        for key, (v, e) in (
            ("gmean", self.gmean),
            ("median", self.gmean),
            ("hmean", self.hmean),
            ("mean", self.mean),
        ):
            out[key] = quantity(v, e, "cm/s", note=note)
        tau_err = self.tau * math.sqrt(self.cov[1][1]) if self.success else None
        tau_note = None
        if self.tau_upper is not None and self.success:
            tau_err = self.tau_upper - self.tau
            tau_note = (
                f"at its lower bound (no spread resolved); 1-sigma upper limit "
                f"{self.tau_upper:.3g} (profile likelihood)"
            )
        out["sigma_ln"] = quantity(self.tau, finite_or_none(tau_err), "", note=tau_note)
        out.update(n=self.n, method=self.method, success=self.success, message=self.message)
        return out


def _log_lik_grid(ratios: Arr, s: Arr) -> Arr:
    """ln L_i(k_j) (n, m) of the Fieller pivot on the grid ln k = s, each row shifted to max 0."""
    a, b, va, vb, cab = (ratios[:, i : i + 1] for i in range(5))
    k = np.exp(s)[None, :]
    s2 = np.maximum(va - 2.0 * k * cab + k * k * vb, 1e-300)
    ll = -0.5 * (a - k * b) ** 2 / s2
    return np.asarray(ll - ll.max(axis=1, keepdims=True), dtype=float)


def _start(ratios: Arr) -> float:
    """ln k to centre the grid on: median of the positive point estimates a/b."""
    with np.errstate(divide="ignore", invalid="ignore"):
        k = ratios[:, 0] / ratios[:, 1]
    k = k[np.isfinite(k) & (k > 0)]
    if k.size == 0:
        raise DataError("no boundary gives a positive k: no population to fit")
    return float(np.log(np.median(k)))


def _neg_log_lik(theta: Arr, lik: Arr, s: Arr) -> float:
    mu, tau = float(theta[0]), math.exp(float(theta[1]))
    w = np.exp(-0.5 * ((s - mu) / tau) ** 2) / (tau * math.sqrt(2 * math.pi)) * GRID_STEP
    m = lik @ w
    return float(-np.sum(np.log(np.maximum(m, 1e-300))))


def _coarse_start(f: Any, s: Arr) -> Arr:
    """Best (mu, ln tau) on a coarse grid: the optimiser starts in the right basin."""
    mus = np.arange(s[0] + 1.0, s[-1] - 1.0, 0.1)
    best = min(
        (f(np.array([m, math.log(t)])), m, t) for m in mus for t in (0.05, 0.15, 0.4, 1.0, 2.0)
    )
    return np.array([best[1], math.log(best[2])])


def _hessian(f: Any, x: Arr, h: float = 1e-3) -> Arr:
    n = x.size
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei, ej = np.eye(n)[i] * h, np.eye(n)[j] * h
            out[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4 * h * h
            )
    return out


def _tau_upper(f: Any, theta: Arr, mu_bounds: tuple[float, float], f_min: float) -> float:
    """tau where the profile of -ln L over mu rises by 0.5 above ``f_min`` (one-sided 1 sigma)."""
    from scipy.optimize import brentq, minimize_scalar

    lo, hi = max(mu_bounds[0], theta[0] - 3.0), min(mu_bounds[1], theta[0] + 3.0)

    def rise(ln_tau: float) -> float:
        r = minimize_scalar(lambda m: f(np.array([m, ln_tau])), bounds=(lo, hi), method="bounded")
        return float(r.fun) - f_min - 0.5

    if rise(TAU_BOUNDS[1]) <= 0.0:
        return math.exp(TAU_BOUNDS[1])
    return math.exp(float(brentq(rise, float(theta[1]), TAU_BOUNDS[1], xtol=1e-3)))


def fit_lognormal_population(ratios: Sequence[Ratio]) -> LognormalPopulation:
    """Fit ln k ~ N(mu, tau^2) to boundaries given as (a, b, var_a, var_b, cov_ab) of
    k = a / b (module docstring); needs at least 2 boundaries."""
    from scipy.optimize import minimize

    r = np.asarray(ratios, dtype=float).reshape(-1, 5)
    r = r[np.all(np.isfinite(r), axis=1)]
    if r.shape[0] < 2:
        raise DataError(f"a population fit needs >= 2 analysed boundaries, got {r.shape[0]}")
    s0 = _start(r)
    s = np.arange(s0 - GRID_HALF_WIDTH, s0 + GRID_HALF_WIDTH + GRID_STEP / 2, GRID_STEP)
    lik = np.exp(_log_lik_grid(r, s))

    def f(theta: Arr) -> float:
        return _neg_log_lik(theta, lik, s)

    bounds = [(s[0] + 1.0, s[-1] - 1.0), TAU_BOUNDS]
    res = minimize(f, _coarse_start(f, s), method="L-BFGS-B", bounds=bounds)
    theta = np.asarray(res.x, dtype=float)
    hess = _hessian(f, theta)
    msg = "converged" if res.success else f"optimiser: {res.message}"
    ok = bool(res.success)
    tau_up = None
    if theta[1] <= TAU_BOUNDS[0] + 1e-6 and hess[0, 0] > 0:  # no spread resolved: mu only
        hess = np.array([[hess[0, 0], 0.0], [0.0, 1e12]])
        tau_up = _tau_upper(f, theta, bounds[0], float(res.fun))
    try:
        cov = np.linalg.inv(hess)
        if not np.all(np.linalg.eigvalsh(cov) > 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        cov, ok = np.full((2, 2), np.nan), False
        msg = "the likelihood is flat in (mu, tau): no stderr"
    if ok and theta[1] <= TAU_BOUNDS[0] + 1e-6:
        msg = "converged; sigma_ln at its lower bound (no spread resolved)"
    return LognormalPopulation(
        mu=float(theta[0]),
        tau=math.exp(float(theta[1])),
        cov=((float(cov[0, 0]), float(cov[0, 1])), (float(cov[1, 0]), float(cov[1, 1]))),
        n=int(r.shape[0]),
        log_likelihood=-float(res.fun),
        success=ok,
        message=msg,
        tau_upper=tau_up if ok else None,
    )
