"""Type-B grain-boundary tail analysis: s delta D_gb from a depth profile.

Whipple-Le Claire (constant source) s delta D_gb = 1.322 sqrt(D/t) (-d ln C / d y^(6/5))^(-5/3),
Suzuoka (instantaneous source) the same with 1.308; Fisher: ln C linear in y with slope
-(4D/(pi t))^(1/4)/sqrt(s delta D_gb).  Units: y in um (profile convention), D in cm^2/s,
t in s, s delta D_gb in cm^3/s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..errors import DataError, InputError
from ..quantities import quantity
from ..results import ResultMixin
from .arrhenius import linear_wls

__all__ = ["SUZUOKA_CONSTANT", "WLC_CONSTANT", "TypeBResult", "fit_type_b_tail"]

WLC_CONSTANT = 1.322  #: Whipple-Le Claire, constant source
SUZUOKA_CONSTANT = 1.308  #: Suzuoka, instantaneous source
UM = 1e-4
FISHER_NOTE = (
    "Fisher's approximation: the real tail is linear in y^(6/5), not y; on exact 2D "
    "bicrystal profiles (beta 10-1000) it gives s delta D_gb ~3x too low: prefer 6/5"
)


@dataclass(frozen=True)
class TypeBResult(ResultMixin):
    """s delta D_gb (cm^3/s) from the tail of a type-B profile."""

    s_delta_d_gb: float
    s_delta_d_gb_err: float
    method: str
    constant: float | None
    slope: float  #: d ln C / d y^(6/5) in cm^(-6/5), or d ln C / d y in 1/cm (Fisher)
    slope_err: float
    y_min_um: float
    y_max_um: float
    n_points: int
    beta: float  #: s delta D_gb / (2 D sqrt(D t)) implied by the result
    error_source: str
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON keys: s_delta_D_gb (cm^3/s), method, constant, slope, tail range, beta."""
        return {
            "s_delta_D_gb": quantity(self.s_delta_d_gb, self.s_delta_d_gb_err, "cm^3/s"),
            "method": self.method,
            "constant": self.constant,
            "slope": quantity(
                self.slope, self.slope_err, "cm^-6/5" if self.constant is not None else "1/cm"
            ),
            "tail": {
                "y_min": quantity(self.y_min_um, None, "um"),
                "y_max": quantity(self.y_max_um, None, "um"),
                "n_points": self.n_points,
            },
            "beta": self.beta,
            "beta_ok": bool(self.beta > 10),
            "error_source": self.error_source,
            "notes": list(self.notes),
        }


def _tail_points(
    y: np.ndarray, c: np.ndarray, err: np.ndarray | None, lo: float, hi: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    sel = (y >= lo) & (y <= hi) & (c > 0)
    if err is not None:
        sel &= err > 0
    if np.count_nonzero(sel) < 3:
        raise DataError(f"fewer than 3 positive points in the tail {lo:.3g}-{hi:.3g} um")
    return y[sel], c[sel], None if err is None else err[sel]


def fit_type_b_tail(
    y_um: ArrayLike,
    c: ArrayLike,
    c_err: ArrayLike | None = None,
    *,
    d_bulk: float,
    time_s: float,
    source: str = "constant",
    method: str = "6/5",
    y_min_um: float | None = None,
    y_max_um: float | None = None,
    c_background: float = 0.0,
) -> TypeBResult:
    """Weighted linear fit of ln(C - C_bg) against y^(6/5) (or y for ``method="fisher"``).

    ``source``: "constant" (Whipple-Le Claire, 1.322) or "instantaneous" (Suzuoka, 1.308).
    The tail defaults to y >= 4 sqrt(D t) (where the bulk erfc is < 0.5 %).  Weights are
    C_err / C; without errors the scatter is estimated from the residuals.
    """
    if source not in ("constant", "instantaneous"):
        raise InputError("source must be 'constant' or 'instantaneous'")
    if method not in ("6/5", "fisher"):
        raise InputError("method must be '6/5' or 'fisher'")
    if not (d_bulk > 0 and time_s > 0):
        raise InputError("D_bulk and the time must be > 0")
    y = np.asarray(y_um, dtype=float).ravel()
    cc = np.asarray(c, dtype=float).ravel() - c_background
    ee = None if c_err is None else np.asarray(c_err, dtype=float).ravel()
    if y.shape != cc.shape or (ee is not None and ee.shape != y.shape):
        raise InputError("y, C and C_err must have the same length")
    lam_um = math.sqrt(d_bulk * time_s) / UM
    lo = 4 * lam_um if y_min_um is None else y_min_um
    hi = float(np.max(y)) if y_max_um is None else y_max_um
    yt, ct, et = _tail_points(y, cc, ee, lo, hi)
    ycm = yt * UM
    xvar = ycm**1.2 if method == "6/5" else ycm
    fit = linear_wls(xvar, np.log(ct), None if et is None else et / ct)
    m, m_err = float(fit.coef[1]), float(math.sqrt(fit.cov[1, 1]))
    if m >= 0:
        raise DataError("the tail does not decrease with depth: no type-B tail to fit")
    if method == "6/5":
        const = WLC_CONSTANT if source == "constant" else SUZUOKA_CONSTANT
        p = const * math.sqrt(d_bulk / time_s) * (-m) ** (-5.0 / 3.0)
        p_err = p * 5.0 / 3.0 * m_err / abs(m)
        name = "Whipple-Le Claire 6/5" if source == "constant" else "Suzuoka 6/5"
    else:
        const = None
        p = math.sqrt(4 * d_bulk / (math.pi * time_s)) / m**2
        p_err = p * 2 * m_err / abs(m)
        name = "Fisher (ln C vs y)"
    beta = p / (2 * d_bulk * math.sqrt(d_bulk * time_s))
    notes: list[str] = []
    if method == "fisher":
        notes.append(FISHER_NOTE)
    if beta <= 10:
        notes.append(
            "beta <= 10: the GB is barely faster than the bulk; the tail analysis is "
            "inaccurate (simulate instead)"
        )
    return TypeBResult(
        p,
        p_err,
        name,
        const,
        m,
        m_err,
        float(yt.min()),
        float(yt.max()),
        int(yt.size),
        beta,
        "given" if et is not None else "scatter",
        tuple(notes),
    )
