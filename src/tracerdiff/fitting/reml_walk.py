"""Restricted maximum likelihood (REML) of the grain-sampling walk rate q from fit residuals.

Weighted residuals ``r`` of a fit with Jacobian ``J`` are modelled as ``N(0, s^2 I + q U U^T)``
(``U`` the walk factor of :mod:`tracerdiff.fitting.microstructure_error`); the restricted
likelihood projects out the fitted directions (the stretch of the walk that D itself absorbs),
so q is estimated from what the fit leaves.  ``U U^T`` is diagonalised once per fit (one
symmetric eigendecomposition of the smaller Gram matrix ``U^T U``, never an SVD of the
data-sized ``U``; directions below 1e-14 of the largest eigenvalue act as white noise and are
dropped, and every term is written so that an eigenvector's error is weighted by its
``q lam^2``); each evaluation is then O(m k^2).  ``s^2`` is profiled out in closed form
(``quad / (n - p)`` at a given ratio ``q / s^2``), so the maximum is a 1D search over that ratio
(a log grid, then bounded Brent).  q is kept only when the likelihood ratio against q = 0
exceeds the 1 % point of the 50:50 chi-square(0, 1) mixture (a variance on its boundary):
homogeneous data keep their counting error.  :func:`multiscale_reml` also fits block sums of
2, 4, 8, ... rows (every dyadic size that leaves at least 24 blocks) and keeps the largest q
detected (the long-range part of the walk sets the error of D).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import solve_triangular
from scipy.optimize import minimize_scalar

__all__ = [
    "LR_CRIT",
    "WalkPrior",
    "multiscale_reml",
    "reml_rows",
    "reml_walk",
    "serial_blas",
    "whitened",
]

FloatArray = NDArray[np.float64]
LR_CRIT = 5.411894431054342  #: 1 % point of 0.5 chi2(0) + 0.5 chi2(1)
_MAX_REML_ROWS = 1500
_CONTROLLER: list[Any] = []


@contextlib.contextmanager
def serial_blas() -> Iterator[None]:
    """One BLAS thread inside (threadpoolctl): the matrices here are at most ~1500 x 240, where
    threads only cost, badly so on a loaded machine (a threaded LAPACK eigh or Cholesky of a
    few hundred rows took 10-70x the single-thread time).  The previous limits are restored."""
    if not _CONTROLLER:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER.append(ThreadpoolController())
    with _CONTROLLER[0].limit(limits=1, user_api="blas"):
        yield


@dataclass(frozen=True)
class WalkPrior:
    """A lognormal prior on the walk rate: ln q ~ N(ln ``q_um``, ``sigma_ln``^2)."""

    q_um: float
    sigma_ln: float


@dataclass(frozen=True)
class _Reml:
    """Pieces of the restricted likelihood in the eigenbasis of U U^T (computed once)."""

    lam2: FloatArray
    jq: FloatArray
    rq: FloatArray
    jj: FloatArray
    jr: FloatArray
    rr: float
    n: int

    def _parts(self, c: FloatArray) -> tuple[float, float] | None:
        """(logdet J^T S^-1 J, restricted quadratic) with S^-1 = I - Q diag(c) Q^T."""
        cj = c[:, None] * self.jq
        jsj = self.jj - self.jq.T @ cj
        jsr = self.jr - cj.T @ self.rq
        rsr = self.rr - float(np.sum(c * self.rq**2))
        sign, logdet = np.linalg.slogdet(jsj)
        if not sign > 0:
            return None
        return float(logdet), rsr - float(jsr @ np.linalg.solve(jsj, jsr))

    def profiled(self, tau: float) -> float:
        """-2 log restricted likelihood at the ratio ``tau = q / s^2`` with s^2 at its optimum
        ``quad / (n - p)`` (up to a constant); 1e300 where it is not defined."""
        with np.errstate(all="ignore"):
            c = tau * self.lam2 / (1.0 + tau * self.lam2)
            parts = self._parts(c)
            if parts is None or not parts[1] > 0:
                return 1e300
            dof = self.n - self.jj.shape[0]
            v = dof * (math.log(parts[1] / dof) + 1.0) + float(np.sum(np.log1p(tau * self.lam2)))
            v += parts[0]
        return v if math.isfinite(v) else 1e300

    def s2_of(self, tau: float) -> float:
        """The optimal s^2 at ratio ``tau``."""
        c = tau * self.lam2 / (1.0 + tau * self.lam2)
        parts = self._parts(c)
        return float("nan") if parts is None else parts[1] / (self.n - self.jj.shape[0])

    def with_prior(self, tau: float, shift: float, sigma: float) -> tuple[float, float]:
        """(log s^2, value) minimising over s^2 the -2 log restricted likelihood at ratio
        ``tau`` plus ``((ln(tau s^2) - shift) / sigma)^2`` (a normal prior on ln q, ``shift`` =
        ln(q0 x scale)): convex in log s^2, solved by Newton steps from the profiled optimum."""
        with np.errstate(all="ignore"):
            c = tau * self.lam2 / (1.0 + tau * self.lam2)
            parts = self._parts(c)
            if parts is None or not parts[1] > 0:
                return 0.0, 1e300
            dof, quad = self.n - self.jj.shape[0], parts[1]
            w, lt = 1.0 / sigma**2, math.log(tau)
            a = math.log(quad / dof)
            for _ in range(30):
                e = quad * math.exp(-a)
                step = (dof - e + 2.0 * w * (a + lt - shift)) / (e + 2.0 * w)
                a -= step
                if abs(step) < 1e-12:
                    break
            v = dof * a + quad * math.exp(-a) + float(np.sum(np.log1p(tau * self.lam2)))
            v += parts[0] + w * (a + lt - shift) ** 2
        return a, (v if math.isfinite(v) else 1e300)

    def objective(self, log_s2: float, q: float) -> float:
        """-2 log restricted likelihood at (s^2, q) (same constant as :meth:`profiled`)."""
        with np.errstate(all="ignore"):
            s2 = math.exp(log_s2)
            c = q * self.lam2 / (s2 + q * self.lam2)
            parts = self._parts(c)
            if parts is None:
                return 1e300
            p = self.jj.shape[0]
            v = (self.n - p) * log_s2 + float(np.sum(np.log1p(q * self.lam2 / s2)))
            v += parts[0] + parts[1] / s2
        return v if math.isfinite(v) else 1e300


def _eigen(u: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(lam2, V, 1/lam) of U = Q diag(lam) V^T from the smaller Gram matrix (one symmetric
    eigendecomposition; Q = U V / lam is never formed).  Directions with lam^2 below 1e-14 of
    the largest are dropped: they act as white noise (module text)."""
    lam2, v = np.linalg.eigh(u.T @ u)
    top = float(lam2.max()) if lam2.size else 0.0
    keep = lam2 > 1e-14 * top if top > 0 else np.zeros(lam2.shape, dtype=bool)
    lam2, v = lam2[keep], v[:, keep]
    return lam2, v, 1.0 / np.sqrt(lam2)


def _pieces(r_w: FloatArray, j_w: FloatArray, u: FloatArray) -> tuple[_Reml, float]:
    """The restricted likelihood's pieces and the scale of U U^T (its largest eigenvalue)."""
    if u.shape[1] > u.shape[0]:  # more nodes than rows: decompose U U^T directly
        lam2, qm = np.linalg.eigh(u @ u.T)
        top = float(lam2.max()) if lam2.size else 0.0
        keep = lam2 > 1e-14 * top if top > 0 else np.zeros(lam2.shape, dtype=bool)
        lam2, qm = lam2[keep], qm[:, keep]
        jq, rq = qm.T @ j_w, qm.T @ r_w
    else:
        lam2, v, inv_lam = _eigen(u)
        w = v * inv_lam[None, :]  # Q^T X = diag(1/lam) V^T U^T X
        jq, rq = w.T @ (u.T @ j_w), w.T @ (u.T @ r_w)
    scale = float(lam2.max()) if lam2.size and lam2.max() > 0 else 1.0
    reml = _Reml(
        lam2 / scale,
        np.asarray(jq, dtype=float),
        np.asarray(rq, dtype=float),
        j_w.T @ j_w,
        j_w.T @ r_w,
        float(r_w @ r_w),
        int(r_w.size),
    )
    return reml, scale


def _argmin_1d(f: Callable[[float], float], grid: FloatArray) -> tuple[float, float]:
    """(x, f(x)) minimising ``f`` over [grid[0], grid[-1]]: the grid's best point, refined by
    a bounded Brent search between its neighbours."""
    vals = np.array([f(float(g)) for g in grid])
    i = int(np.argmin(vals))
    lo, hi = float(grid[max(i - 1, 0)]), float(grid[min(i + 1, grid.size - 1)])
    res = minimize_scalar(f, bounds=(lo, hi), method="bounded", options={"xatol": 1e-7})
    x, fx = float(res.x), float(res.fun)
    return (x, fx) if fx < vals[i] else (float(grid[i]), float(vals[i]))


def _posterior(reml: _Reml, scale: float, prior: WalkPrior) -> tuple[float, float, float]:
    """(q, s^2, -2 log posterior) at the maximum of restricted likelihood x lognormal prior on
    q: over ``t = log10(q / s^2)`` (grid, then bounded Brent), s^2 at each t exactly
    (:meth:`_Reml.with_prior`)."""
    shift = math.log(scale) + math.log(prior.q_um)

    def f(t: float) -> float:
        return reml.with_prior(10.0**t, shift, prior.sigma_ln)[1]

    t, f_t = _argmin_1d(f, np.linspace(-6.0, 8.0, 57))
    log_s2 = reml.with_prior(10.0**t, shift, prior.sigma_ln)[0]
    s2 = math.exp(log_s2)
    return 10.0**t * s2 / scale, s2, f_t


def reml_walk(
    r_w: FloatArray,
    j_w: FloatArray,
    u: FloatArray,
    *,
    fix_q: float | None = None,
    prior: WalkPrior | None = None,
) -> tuple[float, float, float]:
    """(q, s^2, LR) maximising the restricted likelihood of residuals ``r_w`` (weighted) under
    ``s^2 I + q U U^T`` with the columns of ``j_w`` projected out; ``fix_q`` holds q; ``prior``
    (a :class:`WalkPrior`) maximises the likelihood times the prior density of ln q instead.

    ``LR`` = 2 (log L(q) - log L(0)); without a prior q is kept only when LR exceeds
    :data:`LR_CRIT` (the 1 % point of the 50:50 chi-square(0, 1) mixture of a variance on its
    boundary), else q = 0; with a prior the maximum is kept (the prior states that q > 0).
    """
    reml, scale = _pieces(r_w, j_w, u)
    f0, s2_0 = reml.profiled(0.0), reml.s2_of(0.0)
    if prior is not None:
        q, s2, _ = _posterior(reml, scale, prior)
        qs = q * scale
        return q, s2, f0 - reml.objective(math.log(s2), qs)
    if fix_q is not None:
        qs = fix_q * scale
        log_s2, f_q = _argmin_1d(lambda v: reml.objective(v, qs), np.linspace(-12.0, 12.0, 49))
        return fix_q, math.exp(log_s2), f0 - f_q
    # q / s^2 over [0, 1e8] (log10 scale; -inf is the boundary q = 0, evaluated exactly)
    lt, f_t = _argmin_1d(lambda v: reml.profiled(10.0**v), np.linspace(-4.0, 8.0, 49))
    lr = f0 - f_t
    if lr < LR_CRIT:
        return 0.0, s2_0, lr
    tau = 10.0**lt
    s2 = reml.s2_of(tau)
    return tau * s2 / scale, s2, lr


def reml_rows(n: int) -> NDArray[np.int_]:
    """The data rows the REML of q uses: all, or an even subset of :data:`_MAX_REML_ROWS`."""
    if n <= _MAX_REML_ROWS:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, _MAX_REML_ROWS).round().astype(int))


def whitened(
    rows: NDArray[np.int_],
    arrays: tuple[FloatArray, FloatArray, FloatArray],
    noise_factor: Callable[[NDArray[np.int_]], FloatArray] | None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(r, J, U) at ``rows``, whitened by ``I + A A^T`` when other correlated noise ``A``
    (weighted, e.g. the evolved noise of an initial profile) is known (a low-rank ``A``: in
    O(rows rank^2), never forming the rows x rows matrix)."""
    r, j, u = (a[rows] for a in arrays)
    if noise_factor is None:
        return r, j, u
    a = noise_factor(rows)
    if a.size == 0 or not np.all(np.isfinite(a)):
        return r, j, u
    x = np.column_stack([r, j, u])
    if a.shape[1] < rows.size:
        # (I + A A^T)^(-1/2) = I - A M A^T, M = h(A^T A), h(w) = (1 - 1/sqrt(1 + w)) / w: the
        # symmetric root gives the same restricted likelihood as any other whitening
        w, v = np.linalg.eigh(a.T @ a)
        sq = np.sqrt(1.0 + np.maximum(w, 0.0))
        m = v @ ((1.0 / (sq * (1.0 + sq)))[:, None] * v.T)
        out = x - a @ (m @ (a.T @ x))
    else:
        c0 = np.linalg.cholesky(np.eye(rows.size) + a @ a.T)
        out = solve_triangular(c0, x, lower=True, check_finite=False)
    return out[:, 0], out[:, 1 : 1 + j.shape[1]], out[:, 1 + j.shape[1] :]


def _blocked(
    arrays: tuple[FloatArray, FloatArray, FloatArray], b: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Sums over blocks of ``b`` consecutive rows / sqrt(b): white noise stays ``s^2 I``."""
    n = arrays[0].shape[0] // b * b
    r, j, u = (a[:n].reshape(n // b, b, *a.shape[1:]).sum(axis=1) / math.sqrt(b) for a in arrays)
    return r, j, u


def multiscale_reml(
    r_w: FloatArray, j_w: FloatArray, u: FloatArray, *, prior: WalkPrior | None = None
) -> tuple[float, float, float]:
    """REML of q on the rows and on block sums of 2, 4, 8, ... rows (every dyadic size that
    leaves at least 24 blocks): the largest q detected.  Block sums weigh the long-range part of
    the walk, which sets the error of D, over sub-grain detail (spot averaging, the staircase
    within grains); on a long profile the coarsest sums span several grains, where a 2D
    polycrystal's walk shows that the finer ones miss (docs/validation.md).  With a ``prior``
    each scale gives its posterior maximum (:func:`reml_walk`) and the largest is kept, as
    without."""
    best = reml_walk(r_w, j_w, u, prior=prior)
    b = 1
    while r_w.size // (2 * b) >= 24:
        b *= 2
        cand = reml_walk(*_blocked((r_w, j_w, u), b), prior=prior)
        if cand[0] > best[0]:
            best = (cand[0], best[1], max(best[2], cand[2]))
    return best
