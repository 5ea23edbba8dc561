"""Array kernels: the isotope fraction and its error, count validation, row chunking.

The kernels work on plain arrays (counts, dimensionless) in row blocks so that temporaries stay
in cache and the peak memory is the outputs plus a few small blocks (see
``benchmarks/bench_fraction.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import DataError, ShapeMismatchError
from ..results import ResultMixin

__all__ = [
    "FractionArrays",
    "check_counts",
    "is_integer_valued",
    "isotope_fraction",
    "row_blocks",
]

#: elements per row block: ~64 k elements keep a handful of float32 temporaries in L2 cache
BLOCK_ELEMENTS = 1 << 16


def _as_2d(a: np.ndarray) -> np.ndarray:
    """A 2D view (rows, last axis) of ``a``; scalars and 1D arrays become one row."""
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a.reshape(1, -1)
    return a.reshape(-1, a.shape[-1])


def row_blocks(shape: tuple[int, ...], *, block_elements: int = BLOCK_ELEMENTS) -> Iterator[slice]:
    """Slices over the rows of the 2D view of an array of ``shape`` (~``block_elements`` each)."""
    ncol = shape[-1] if len(shape) else 1
    nrow = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
    step = max(1, block_elements // max(ncol, 1))
    for r0 in range(0, nrow, step):
        yield slice(r0, min(r0 + step, nrow))


def check_counts(a: npt.ArrayLike, *, name: str = "counts") -> np.ndarray:
    """Return ``a`` as an array; raise :class:`DataError` on negative or non-finite counts.

    Raw counts read from files must be finite and >= 0 (NaN appears only as a mask value that
    tracerdiff itself writes, after this check).
    """
    arr = np.asarray(a)
    if arr.size == 0:
        raise DataError(f"{name}: empty array; expected an image of counts")
    if arr.dtype.kind not in "iuf":
        raise DataError(f"{name}: expected numeric counts, got dtype {arr.dtype}")
    if arr.dtype.kind == "f":
        v = _as_2d(arr)
        for sl in row_blocks(arr.shape):
            blk = v[sl]
            lo, hi = blk.min(), blk.max()
            if not (lo >= 0 and np.isfinite(hi)):
                what = (
                    "non-finite (NaN or inf)"
                    if not (np.isfinite(lo) and np.isfinite(hi))
                    else "negative"
                )
                raise DataError(f"{name}: {what} counts found; expected finite counts >= 0")
    elif arr.dtype.kind == "i" and arr.min() < 0:
        raise DataError(f"{name}: negative counts found; expected finite counts >= 0")
    return arr


def is_integer_valued(a: npt.ArrayLike, *, tol: float = 1e-6) -> bool:
    """True when every finite value of ``a`` is a whole number (raw pulse counting).

    Non-integer "counts" (e.g. 11.0097 in IONTOF exports) mean the instrument software already
    applied its dead-time correction.
    """
    arr = np.asarray(a)
    if arr.dtype.kind in "iub":
        return True
    v = _as_2d(arr)
    tmp = np.empty(v[next(row_blocks(arr.shape))].shape, dtype=arr.dtype)
    for sl in row_blocks(arr.shape):
        blk = v[sl]
        t = tmp[: blk.shape[0]]
        np.rint(blk, out=t)
        t -= blk
        np.abs(t, out=t)
        if np.nanmax(t, initial=0.0) > tol:
            return False
    return True


@dataclass(frozen=True)
class FractionArrays(ResultMixin):
    """Per-pixel isotope fraction ``C = n_a / (n_a + n_b)`` (dimensionless) and its standard error.

    ``low_counts`` marks pixels with ``n_a + n_b < min_counts`` (C and C_err are NaN there);
    ``error_method`` is ``"binomial"`` (Poisson counts) or ``"delta"`` (given variances).
    """

    C: np.ndarray
    C_err: np.ndarray
    low_counts: np.ndarray
    error_method: str
    min_counts: float

    def to_dict(self) -> dict[str, Any]:
        """Summary (shape, masked pixels, mean C) as JSON-plain data."""
        finite = np.isfinite(self.C)
        return {
            "shape": list(self.C.shape),
            "n_low_counts": int(self.low_counts.sum()),
            "C_mean_pixel": float(np.nanmean(self.C)) if finite.any() else None,
            "error_method": self.error_method,
            "min_counts": self.min_counts,
        }


def _prepare(n: npt.ArrayLike, shape: tuple[int, ...] | None, name: str) -> np.ndarray:
    arr = np.asarray(n)
    if shape is not None and arr.shape != shape:
        raise ShapeMismatchError(f"{name} has shape {arr.shape}, expected {shape}")
    return _as_2d(arr)


def isotope_fraction(
    n_a: npt.ArrayLike,
    n_b: npt.ArrayLike,
    *,
    var_a: npt.ArrayLike | None = None,
    var_b: npt.ArrayLike | None = None,
    dtype: npt.DTypeLike = np.float32,
    min_counts: float = 1.0,
) -> FractionArrays:
    """Isotope fraction ``C = n_a / (n_a + n_b)`` per element with its standard error.

    Without variances the counts are Poisson and the error is binomial,
    ``sqrt(C (1 - C) / (n_a + n_b))``. With variances (dead-time corrected, shifted or scaled
    counts) the delta method gives ``var(C) = (n_b^2 var_a + n_a^2 var_b) / (n_a + n_b)^4``
    (equal to the binomial form when ``var = n``). Elements whose total is below ``min_counts``
    (zero included) get NaN, never a division by zero; NaN counts (masked upstream) stay NaN.
    Counts must be finite and >= 0 where not NaN (checked by the callers that read raw data).

    >>> f = isotope_fraction([900, 100, 0], [100, 900, 0])
    >>> print([f"{c:.2f}" for c in f.C], [f"{e:.4f}" for e in f.C_err])
    ['0.90', '0.10', 'nan'] ['0.0095', '0.0095', 'nan']
    """
    a2 = _prepare(n_a, None, "n_a")
    shape = np.shape(n_a)
    b2 = _prepare(n_b, shape, "n_b")
    if (var_a is None) != (var_b is None):
        raise DataError("give both var_a and var_b, or neither")
    va2 = _prepare(var_a, shape, "var_a") if var_a is not None else None
    vb2 = _prepare(var_b, shape, "var_b") if var_b is not None else None
    C = np.empty(a2.shape, dtype=dtype)
    err = np.empty(a2.shape, dtype=dtype)
    low = np.empty(a2.shape, dtype=bool)
    for sl in row_blocks(a2.shape):
        _fraction_block(
            a2[sl],
            b2[sl],
            None if va2 is None else va2[sl],
            None if vb2 is None else vb2[sl],
            C[sl],
            err[sl],
            low[sl],
            float(min_counts),
        )
    return FractionArrays(
        C=C.reshape(shape),
        C_err=err.reshape(shape),
        low_counts=low.reshape(shape),
        error_method="binomial" if va2 is None else "delta",
        min_counts=float(min_counts),
    )


def _fraction_block(
    a: np.ndarray,
    b: np.ndarray,
    va: np.ndarray | None,
    vb: np.ndarray | None,
    C: np.ndarray,
    err: np.ndarray,
    low: np.ndarray,
    min_counts: float,
) -> None:
    """Fill one row block of C, C_err and the low-count mask (in place, few temporaries)."""
    dt = C.dtype
    tot = np.add(a, b, dtype=dt)
    np.less(tot, min_counts, out=low)  # NaN totals compare False: handled by NaN propagation
    np.putmask(tot, low, np.nan)  # no division by zero below
    np.divide(a, tot, out=C, dtype=dt)
    if va is None:
        # binomial: sqrt(C (1 - C) / n)
        np.subtract(1.0, C, out=err)
        err *= C
        err /= tot
        np.maximum(err, 0.0, out=err)  # C(1-C) >= 0 except for rounding
        np.sqrt(err, out=err)
    else:
        assert vb is not None
        # delta method: sqrt(n_b^2 var_a + n_a^2 var_b) / n^2
        t = np.multiply(b, b, dtype=dt)
        t *= va
        np.multiply(a, a, out=err, dtype=dt)
        err *= vb
        err += t
        np.sqrt(err, out=err)
        tot *= tot
        err /= tot
