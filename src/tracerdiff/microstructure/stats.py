"""Grain statistics of a segmentation: equivalent-circle diameters, the mean linear intercept
along a direction (the length of the 1D series model), and a lognormal fit with errors.

Lengths in um.  Lognormal: ln d ~ N(mu_ln, sigma_ln^2); mean = exp(mu + s^2/2),
sd = mean sqrt(exp(s^2) - 1); errors from se(mu) = s/sqrt(n), se(s) = s/sqrt(2(n-1)) by
first-order propagation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import DataError, InputError
from ..quantities import jsonable, quantity
from ..results import ResultMixin
from .segment import pixel_sizes

Arr = NDArray[np.float64]

__all__ = [
    "GrainStatistics",
    "LognormalFit",
    "grain_statistics",
    "lognormal_fit",
    "mean_linear_intercept",
]


@dataclass(frozen=True)
class LognormalFit(ResultMixin):
    """Lognormal parameters of a size sample (um) with standard errors."""

    mu_ln: float
    mu_ln_err: float
    sigma_ln: float
    sigma_ln_err: float
    n: int

    @property
    def mean(self) -> float:
        """exp(mu + sigma^2 / 2) in um."""
        return math.exp(self.mu_ln + self.sigma_ln**2 / 2)

    @property
    def sd(self) -> float:
        """Standard deviation in um."""
        return self.mean * math.sqrt(math.expm1(self.sigma_ln**2))

    def _errors(self) -> tuple[float, float]:
        m, s = self.mean, self.sigma_ln
        dm = m * math.hypot(self.mu_ln_err, s * self.sigma_ln_err)
        e = math.expm1(s * s)
        dsd_ds = m * s * math.sqrt(e) + m * s * (e + 1) / math.sqrt(e) if e > 0 else 0.0
        dsd = math.hypot(self.sd * self.mu_ln_err, dsd_ds * self.sigma_ln_err)
        return dm, dsd

    def to_dict(self) -> dict[str, Any]:
        """Keys: mu_ln (ln um), sigma_ln, mean (um), sd (um), n."""
        dm, dsd = self._errors()
        return {
            "mu_ln": quantity(self.mu_ln, self.mu_ln_err, ""),
            "sigma_ln": quantity(self.sigma_ln, self.sigma_ln_err, ""),
            "mean": quantity(self.mean, dm, "um"),
            "sd": quantity(self.sd, dsd, "um"),
            "n": self.n,
        }


def lognormal_fit(sizes_um: NDArray[np.float64]) -> LognormalFit:
    """Maximum-likelihood lognormal fit of positive sizes (um); needs >= 3 values."""
    d = np.asarray(sizes_um, dtype=float)
    d = d[np.isfinite(d)]
    if d.size < 3 or np.any(d <= 0):
        raise DataError(f"a lognormal fit needs >= 3 positive sizes, got {d.size}")
    lg = np.log(d)
    n = d.size
    s = float(np.std(lg, ddof=1))
    return LognormalFit(
        mu_ln=float(lg.mean()),
        mu_ln_err=s / math.sqrt(n),
        sigma_ln=s,
        sigma_ln_err=s / math.sqrt(2 * (n - 1)),
        n=n,
    )


def _per_grain(lines: NDArray[Any], pixel_size_um: float) -> tuple[Arr, Arr]:
    """Line length (um) inside each grain and its share of the crossings (half of each change
    between two grains goes to each side)."""
    lab = np.asarray(lines)
    n = int(lab.max()) + 1
    length = np.bincount(lab[lab > 0].ravel(), minlength=n) * pixel_size_um
    share = np.zeros(n)
    for row in lab:
        g = row[row > 0]
        ch = np.flatnonzero(g[1:] != g[:-1])
        np.add.at(share, g[ch], 0.5)
        np.add.at(share, g[ch + 1], 0.5)
    keep = length > 0
    return np.asarray(length[keep], float), share[keep]


def mean_linear_intercept(
    labels: NDArray[Any], *, pixel_size_um: float, direction: str = "x"
) -> tuple[float, float, int]:
    """Mean linear intercept (um) along rows (``"x"``) or columns (``"y"``): total line length
    over the number of grain-to-grain changes (boundary pixels, label 0, are skipped).  Returns
    (MLI, its standard error, number of intercepts).

    The standard error is that of the mean, not the spread of single intercepts: parallel
    lines one pixel apart cross the same grains, so the independent samples are the grains:
    MLI = sum_i L_i / sum_i c_i over grains (L_i the line length inside grain i, c_i its half
    share of the crossings), and se is that of a ratio estimator over the N grains,
    sqrt(sum (L_i - MLI c_i)^2 / (N (N - 1))) / mean(c)."""
    if direction not in ("x", "y"):
        raise InputError(f"direction must be 'x' or 'y', got {direction!r}")
    lab = np.asarray(labels)
    lines = lab if direction == "x" else lab.T
    total = 0
    for row in lines:
        g = row[row > 0]
        total += int(np.count_nonzero(g[1:] != g[:-1]))
    if total == 0:
        raise DataError(f"no grain boundary crossed along {direction}: the MLI is undefined")
    mli = lines.shape[0] * lines.shape[1] * pixel_size_um / total
    length, share = _per_grain(lines, pixel_size_um)
    n = length.size
    if n >= 2 and share.sum() > 0:  # ratio estimator over grains, the independent samples
        resid = length - (length.sum() / share.sum()) * share
        err = float(np.sqrt(np.sum(resid**2) / (n * (n - 1)))) / float(share.mean())
    else:
        err = mli
    return mli, err, total


@dataclass(frozen=True, eq=False)
class GrainStatistics(ResultMixin):
    """Equivalent-circle diameters (um) of the grains not touching the edge, their lognormal
    fit, and the mean linear intercept along ``direction``."""

    ecd_um: NDArray[np.float64]
    lognormal: LognormalFit
    mli_um: float
    mli_err_um: float
    n_intercepts: int
    direction: str
    edge_grains_included: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Keys: n_grains, ecd_mean, ecd_median, lognormal, mean_linear_intercept, direction."""
        e = self.ecd_um
        return {
            "n_grains": int(e.size),
            "ecd_mean": quantity(e.mean(), e.std(ddof=1) / math.sqrt(e.size), "um"),
            "ecd_median": quantity(np.median(e), None, "um"),
            "ecd_sd": quantity(e.std(ddof=1), None, "um"),
            "lognormal": self.lognormal.to_dict(),
            "mean_linear_intercept": quantity(self.mli_um, self.mli_err_um, "um"),
            "n_intercepts": self.n_intercepts,
            "direction": self.direction,
            "edge_grains_included": self.edge_grains_included,
            "ecd_um": jsonable(np.round(e, 4)),
        }


def grain_statistics(
    labels: NDArray[Any],
    *,
    pixel_size_um: float | Sequence[float],
    direction: str = "x",
    exclude_edge: bool = True,
) -> GrainStatistics:
    """Statistics of a label image (0 = boundary); grains cut by the image edge are left out of
    the diameters (not of the intercepts) when ``exclude_edge`` and at least 3 whole grains
    remain; otherwise every grain is used and ``edge_grains_included`` says so (their ECDs are
    then underestimates).

    Nine square grains of 9.5 um (19 pixels of 0.5 um) between one-pixel boundaries:

    >>> import numpy as np
    >>> labels = np.zeros((61, 61), dtype=int)
    >>> for j in range(3):
    ...     for i in range(3):
    ...         labels[20 * j + 1 : 20 * j + 20, 20 * i + 1 : 20 * i + 20] = 3 * j + i + 1
    >>> stats = grain_statistics(labels, pixel_size_um=0.5)
    >>> d = stats.to_dict()
    >>> print(d["n_grains"], f"ECD {d['ecd_mean']['value']:.2f} {d['ecd_mean']['unit']}")
    9 ECD 10.72 um
    >>> print(f"{9.5 * np.sqrt(4 / np.pi):.2f} um")  # the diameter of a circle of equal area
    10.72 um
    """
    from skimage import segmentation

    px, py = pixel_sizes(pixel_size_um)
    lab = np.asarray(labels)
    inner = segmentation.clear_border(lab) if exclude_edge else lab
    areas = np.bincount(inner.ravel())[1:]
    edge_included = not exclude_edge
    if exclude_edge and np.count_nonzero(areas) < 3:  # too few whole grains: use them all
        areas = np.bincount(lab.ravel())[1:]
        edge_included = True
    areas_um2 = areas[areas > 0].astype(float) * px * py
    ecd = np.sqrt(4 * areas_um2 / math.pi)
    mli, mli_err, n_int = mean_linear_intercept(
        lab, pixel_size_um=px if direction == "x" else py, direction=direction
    )
    return GrainStatistics(
        ecd_um=ecd,
        lognormal=lognormal_fit(ecd),
        mli_um=mli,
        mli_err_um=mli_err,
        n_intercepts=n_int,
        direction=direction,
        edge_grains_included=edge_included,
    )
