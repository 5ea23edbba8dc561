"""Restricted maximum likelihood (REML) of the grain-sampling walk rate q from fit residuals.

Weighted residuals ``r`` of a fit with Jacobian ``J`` are modelled as ``N(0, s^2 I + q U U^T)``
(``U`` the walk factor of :mod:`tracerdiff.fitting.microstructure_error`); the restricted
likelihood projects out the fitted directions (the stretch of the walk that D itself absorbs),
so q is estimated from what the fit leaves.  ``U U^T`` is diagonalised once; each evaluation is
then O(m k^2).  q is kept only when the likelihood ratio against q = 0 exceeds the 1 % point of
the 50:50 chi-square(0, 1) mixture (a variance on its boundary): homogeneous data keep their
counting error.  :func:`multiscale_reml` also fits block sums of 2, 4 and 8 rows and keeps the
largest q detected (the long-range part of the walk sets the error of D).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

__all__ = ["LR_CRIT", "multiscale_reml", "reml_rows", "reml_walk", "whitened"]

FloatArray = NDArray[np.float64]
LR_CRIT = 5.411894431054342  #: 1 % point of 0.5 chi2(0) + 0.5 chi2(1)
_MAX_REML_ROWS = 1500


@dataclass(frozen=True)
class _Reml:
    """Pieces of the restricted likelihood in the eigenbasis of U U^T."""

    lam2: FloatArray
    jq: FloatArray
    rq: FloatArray
    jj: FloatArray
    jr: FloatArray
    rr: float
    n: int

    def objective(self, log_s2: float, q: float) -> float:
        """-2 log restricted likelihood (up to a constant); 1e300 where it is not defined."""
        with np.errstate(all="ignore"):
            v = self._objective(log_s2, q)
        return v if math.isfinite(v) else 1e300

    def _objective(self, log_s2: float, q: float) -> float:
        s2 = math.exp(log_s2)
        d = s2 + q * self.lam2
        w = 1.0 / d
        jsj = (self.jj - self.jq.T @ self.jq) / s2 + self.jq.T @ (w[:, None] * self.jq)
        jsr = (self.jr - self.jq.T @ self.rq) / s2 + self.jq.T @ (w * self.rq)
        rsr = (self.rr - float(self.rq @ self.rq)) / s2 + float(np.sum(w * self.rq**2))
        sign, logdet_j = np.linalg.slogdet(jsj)
        if not sign > 0:
            return float("inf")
        quad = rsr - float(jsr @ np.linalg.solve(jsj, jsr))
        m = self.lam2.size
        return float((self.n - m) * log_s2 + np.sum(np.log(d)) + logdet_j + quad)


def reml_walk(
    r_w: FloatArray, j_w: FloatArray, u: FloatArray, *, fix_q: float | None = None
) -> tuple[float, float, float]:
    """(q, s^2, LR) maximising the restricted likelihood of residuals ``r_w`` (weighted) under
    ``s^2 I + q U U^T`` with the columns of ``j_w`` projected out; ``fix_q`` holds q.

    ``LR`` = 2 (log L(q) - log L(0)); q is kept only when LR exceeds :data:`LR_CRIT` (the 1 %
    point of the 50:50 chi-square(0, 1) mixture of a variance on its boundary), else q = 0.
    """
    qm, sv, _ = np.linalg.svd(u, full_matrices=False)
    lam2 = sv**2
    scale = float(lam2.max()) if lam2.size and lam2.max() > 0 else 1.0
    reml = _Reml(lam2 / scale, qm.T @ j_w, qm.T @ r_w, j_w.T @ j_w, j_w.T @ r_w,
                 float(r_w @ r_w), int(r_w.size))

    def s2_at(b: float) -> tuple[float, float]:
        res = minimize(lambda v: reml.objective(float(v[0]), b), [0.0], method="L-BFGS-B",
                       bounds=[(-12.0, 12.0)])
        return math.exp(float(res.x[0])), float(res.fun)

    s2_0, f0 = s2_at(0.0)
    if fix_q is not None:
        s2, f_q = s2_at(fix_q * scale)
        return fix_q, s2, f0 - f_q

    def objective(v: FloatArray) -> float:
        return reml.objective(float(v[0]), math.expm1(float(v[1])))

    starts = [(math.log(s2_0), math.log1p(b)) for b in (0.0, 0.3, 3.0, 30.0, 300.0)]
    best = min(starts, key=lambda st: objective(np.array(st)))
    res = minimize(objective, np.array(best), method="L-BFGS-B",
                   bounds=[(-12.0, 12.0), (0.0, math.log1p(1e8))])
    lr = f0 - float(res.fun)
    if lr < LR_CRIT:
        return 0.0, s2_0, lr
    return math.expm1(float(res.x[1])) / scale, math.exp(float(res.x[0])), lr


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
    (weighted, e.g. the evolved noise of an initial profile) is known."""
    r, j, u = (a[rows] for a in arrays)
    if noise_factor is None:
        return r, j, u
    a = noise_factor(rows)
    if a.size == 0 or not np.all(np.isfinite(a)):
        return r, j, u
    c0 = np.linalg.cholesky(np.eye(rows.size) + a @ a.T)
    return (np.linalg.solve(c0, r), np.linalg.solve(c0, j), np.linalg.solve(c0, u))


def _blocked(
    arrays: tuple[FloatArray, FloatArray, FloatArray], b: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Sums over blocks of ``b`` consecutive rows / sqrt(b): white noise stays ``s^2 I``."""
    n = arrays[0].shape[0] // b * b
    r, j, u = (a[:n].reshape(n // b, b, *a.shape[1:]).sum(axis=1) / math.sqrt(b) for a in arrays)
    return r, j, u


def multiscale_reml(
    r_w: FloatArray, j_w: FloatArray, u: FloatArray
) -> tuple[float, float, float]:
    """REML of q on the rows and on block sums of 2, 4, 8 rows (at least 24 blocks): the
    largest q detected.  Block sums weigh the long-range part of the walk, which sets the error
    of D, over sub-grain detail (spot averaging, the staircase within grains)."""
    best = reml_walk(r_w, j_w, u)
    for b in (2, 4, 8):
        if r_w.size // b < 24:
            break
        cand = reml_walk(*_blocked((r_w, j_w, u), b))
        if cand[0] > best[0]:
            best = (cand[0], best[1], max(best[2], cand[2]))
    return best
