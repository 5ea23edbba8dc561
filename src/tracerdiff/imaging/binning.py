"""Pixel binning, frame drift estimation, sub-pixel shifts and frame accumulation.

All operate on counts that are already dead-time corrected (science.md section 2). Shifts are
bilinear: a shifted count is ``sum w_i n_i``; :func:`shift_image` with ``variance=True`` gives
its exact variance ``sum w_i^2 var_i``. Neighbouring shifted pixels are correlated, so frame
accumulation (``pipeline._shift_and_sum``) shifts variances with ``w`` instead, which keeps sums
over regions and profiles exact (and single pixels conservative).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from ..results import ResultMixin

__all__ = [
    "DriftResult",
    "bin_pixels",
    "estimate_drift",
    "shift_image",
]


def bin_pixels(arr: npt.ArrayLike, k: int) -> np.ndarray:
    """Sum ``k x k`` blocks over the last two axes (y, x); incomplete edge blocks are dropped.

    NaN-aware in the strict sense: a block containing a NaN (masked) pixel is NaN. Booleans are
    combined with "any".
    """
    a = np.asarray(arr)
    k = int(k)
    if k < 1:
        raise InputError(f"bin must be an integer >= 1, got {k}")
    if k == 1:
        return a
    ny, nx = a.shape[-2] // k, a.shape[-1] // k
    if ny == 0 or nx == 0:
        raise InputError(f"bin {k} is larger than the image ({a.shape[-2]} x {a.shape[-1]} px)")
    v = a[..., : ny * k, : nx * k].reshape(*a.shape[:-2], ny, k, nx, k)
    if a.dtype == bool:
        return np.asarray(v.any(axis=(-3, -1)))
    return np.asarray(v.sum(axis=(-3, -1), dtype=a.dtype))


def _shift_axis(a: np.ndarray, d: float, axis: int, power: int) -> np.ndarray:
    """``out[i] = sum_j w_j a[i - off_j]`` along ``axis`` (linear interpolation), NaN outside."""
    i0 = math.floor(d)
    f = d - i0
    terms = [(i0, 1.0 - f), (i0 + 1, f)]
    out = np.zeros(a.shape, dtype=a.dtype)
    n = a.shape[axis]
    for off, w in terms:
        if w == 0.0:
            continue
        src = np.full(a.shape, np.nan, dtype=a.dtype)
        dst_sl = [slice(None)] * a.ndim
        src_sl = [slice(None)] * a.ndim
        if abs(off) < n:
            dst_sl[axis] = slice(max(off, 0), n + min(off, 0))
            src_sl[axis] = slice(max(-off, 0), n - max(off, 0))
            src[tuple(dst_sl)] = a[tuple(src_sl)]
        out += (w**power) * src
    return out


def shift_image(
    arr: npt.ArrayLike, shift: tuple[float, float], *, variance: bool = False
) -> np.ndarray:
    """Shift a 2D image by ``(dy, dx)`` px (bilinear weights): ``out(y, x) = in(y - dy, x - dx)``.

    With ``variance=True`` the squared weights are used (the variance of the shifted counts).
    Pixels whose source falls outside the image are NaN.
    """
    a = np.asarray(arr, dtype=np.result_type(np.asarray(arr).dtype, np.float32))
    if a.ndim != 2:
        raise InputError(f"shift_image needs a 2D image, got shape {a.shape}")
    power = 2 if variance else 1
    out = _shift_axis(a, float(shift[0]), 0, power)
    return _shift_axis(out, float(shift[1]), 1, power)


@dataclass(frozen=True)
class DriftResult(ResultMixin):
    """Per-frame shifts (pixels, (dy, dx) applied to each frame to align it on the reference)."""

    shifts_px: np.ndarray
    reference: int
    upsample: int
    errors: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain record of the shifts."""
        return {
            "reference_frame": self.reference,
            "upsample": self.upsample,
            "shifts_px": [[float(v) for v in s] for s in self.shifts_px],
            "registration_error": [float(e) for e in self.errors],
        }


def estimate_drift(frames: npt.ArrayLike, *, reference: int = 0, upsample: int = 10) -> DriftResult:
    """Sub-pixel drift of each frame against ``reference`` by cross-correlation.

    ``frames`` has shape (frame, y, x) (use total counts of both isotopes); NaN pixels count as
    0. Each frame is mean-subtracted and Hann-windowed (no wrap-around edge), then registered
    with skimage ``phase_cross_correlation`` without phase normalisation (the plain
    cross-correlation peak is robust to Poisson noise), precision ``1/upsample`` px. Returns the
    shift to apply to each frame.
    """
    from skimage.filters import window
    from skimage.registration import phase_cross_correlation

    f = np.nan_to_num(np.asarray(frames, dtype=np.float64), nan=0.0)
    if f.ndim != 3:
        raise InputError(f"drift estimation needs (frame, y, x) data, got shape {f.shape}")
    if not 0 <= reference < f.shape[0]:
        raise InputError(f"reference frame {reference} outside 0..{f.shape[0] - 1}")
    w = window("hann", f.shape[1:])

    def prep(img: np.ndarray) -> np.ndarray:
        return np.asarray((img - img.mean()) * w)

    ref = prep(f[reference])
    shifts = np.zeros((f.shape[0], 2))
    errs = np.zeros(f.shape[0])
    for i in range(f.shape[0]):
        if i == reference or not f[i].any() or not ref.any():
            continue
        s, e, _ = phase_cross_correlation(
            ref, prep(f[i]), upsample_factor=int(upsample), normalization=None
        )
        shifts[i] = s
        errs[i] = e
    return DriftResult(shifts, int(reference), int(upsample), errs)
