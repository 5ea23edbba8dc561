"""Batched weighted least squares: many small polynomial fits solved at once, and the
separate and joint fits of the step analysis built on it (positions um, C fraction).

Every fit is a row of a padded design array ``X`` (m, n, P) with weights ``w`` (m, n) (zero for
padding).  Parameters a fit does not use are marked in ``use`` (m, P): their normal-matrix row is
replaced by the identity so the batch stays invertible, and their estimates and covariance are
returned as zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._windows import Job

__all__ = ["BatchFit", "fit_all", "wls_batched"]

CHI2_1DOF_95 = 3.841458820694124

Arr = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class BatchFit:
    """Estimates ``beta`` (m, P), covariance ``cov`` (m, P, P) from the stated errors,
    chi-square ``chi2`` (m,) and degrees of freedom ``dof`` (m,)."""

    beta: Arr
    cov: Arr
    chi2: Arr
    dof: NDArray[np.int64]


def wls_batched(X: Arr, y: Arr, w: Arr, use: NDArray[np.bool_]) -> BatchFit:
    """Solve the weighted normal equations of every fit in the batch.

    ``w`` holds inverse variances (0 where a slot is padding), ``use`` marks the parameters each
    fit estimates.  The covariance is ``(X^T W X)^-1`` (errors as stated, not rescaled).
    """
    Xw = X * w[:, :, None]
    A = np.einsum("mnp,mnq->mpq", Xw, X)
    rhs = np.einsum("mnp,mn->mp", Xw, y)
    off = ~use
    A = np.where(off[:, :, None] | off[:, None, :], 0.0, A)
    idx = np.arange(X.shape[2])
    A[:, idx, idx] = np.where(off, 1.0, A[:, idx, idx])
    rhs = np.where(off, 0.0, rhs)
    # scale to unit diagonal for conditioning
    d = np.sqrt(np.abs(A[:, idx, idx]))
    d = np.where(d > 0, d, 1.0)
    As = A / d[:, :, None] / d[:, None, :]
    cov_s = np.linalg.pinv(As, hermitian=True)
    cov = cov_s / d[:, :, None] / d[:, None, :]
    beta = np.einsum("mpq,mq->mp", cov, rhs)
    cov = np.where(off[:, :, None] | off[:, None, :], 0.0, cov)
    beta = np.where(off, 0.0, beta)
    resid = y - np.einsum("mnp,mp->mn", X, beta)
    chi2 = np.sum(w * resid**2, axis=1)
    dof = np.sum(w > 0, axis=1) - np.sum(use, axis=1)
    return BatchFit(beta=beta, cov=cov, chi2=chi2, dof=dof.astype(np.int64))


def _design(jobs: list[Job], xs: list[Arr], cs: list[Arr], es: list[Arr]) -> tuple[Arr, ...]:
    """Padded arrays u (um from the GB), y, w and the side mask for every job."""
    m = len(jobs)
    n = max(j.left.size + j.right.size for j in jobs)
    u, y, w, right = (np.zeros((m, n)) for _ in range(4))
    for r, j in enumerate(jobs):
        idx = np.concatenate([j.left, j.right])
        k = idx.size
        x, c, e = xs[j.profile], cs[j.profile], es[j.profile]
        u[r, :k] = x[idx] - j.position
        y[r, :k] = c[idx]
        w[r, :k] = 1.0 / e[idx] ** 2
        right[r, j.left.size : k] = 1.0
    return u, y, w, right


def fit_all(
    jobs: list[Job], xs: list[Arr], cs: list[Arr], es: list[Arr], *, curvature: str
) -> tuple[NDArray[Any], ...]:
    """Separate (6 parameters) and joint fits of every job at once.

    Joint parameters: (a_left, a_right, shared slope, curvature_left, curvature_right).  The
    joint fit shares the slope at the GB; with ``curvature="shared"`` it shares the curvature
    too (columns 3 and 4 then hold the same value), with ``"auto"`` per GB when a likelihood-
    ratio test does not reject equal curvatures at 5 % (delta chi2 < 3.84 on the error-scaled
    chi-square of the separate-curvature joint fit).  Also returns the delta chi2 and the
    boolean "curvature shared" per job.
    """
    u, y, w, R = _design(jobs, xs, cs, es)
    L = (w > 0) * (1.0 - R)
    q_l = np.array([j.order_l == 2 for j in jobs])
    q_r = np.array([j.order_r == 2 for j in jobs])
    ones = np.ones(len(jobs), dtype=bool)
    X_sep = np.stack([L, R, L * u, R * u, L * u**2, R * u**2], axis=2)
    sep = wls_batched(X_sep, y, w, np.stack([ones, ones, ones, ones, q_l, q_r], axis=1))
    X_j2 = np.stack([L, R, u * (L + R), L * u**2, R * u**2], axis=2)
    j2 = wls_batched(X_j2, y, w, np.stack([ones, ones, ones, q_l, q_r], axis=1))
    X_j1 = np.stack([L, R, u * (L + R), (L + R) * u**2, 0.0 * u], axis=2)
    j1 = wls_batched(X_j1, y, w, np.stack([ones, ones, ones, q_l | q_r, ~ones], axis=1))
    # the test only applies where both sides carry a curvature (else the models coincide)
    both = q_l & q_r
    scale = np.maximum(1.0, j2.chi2 / np.maximum(j2.dof, 1))
    dchi2 = np.where(both, (j1.chi2 - j2.chi2) / scale, 0.0)
    if curvature == "shared":
        share = ones.copy()
    elif curvature == "separate":
        share = ~ones
    else:
        share = dchi2 < CHI2_1DOF_95
    b1, c1 = j1.beta.copy(), j1.cov.copy()
    b1[:, 4], c1[:, 4, :], c1[:, :, 4] = b1[:, 3], c1[:, 3, :], c1[:, :, 3]
    s3 = share[:, None, None]
    beta = np.where(share[:, None], b1, j2.beta)
    cov = np.where(s3, c1, j2.cov)
    chi2 = np.where(share, j1.chi2, j2.chi2)
    dof = np.where(share, j1.dof, j2.dof)
    return sep.beta, sep.cov, sep.chi2, sep.dof, beta, cov, chi2, dof, dchi2, share
