"""Batched weighted least squares: many small polynomial fits solved at once.

Every fit is a row of a padded design array ``X`` (m, n, P) with weights ``w`` (m, n) (zero for
padding).  Parameters a fit does not use are marked in ``use`` (m, P): their normal-matrix row is
replaced by the identity so the batch stays invertible, and their estimates and covariance are
returned as zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["BatchFit", "wls_batched"]

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
