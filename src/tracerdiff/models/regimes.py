"""Grain-boundary diffusion regimes: slow-GB Biot number and Harrison A/B/C for fast GBs.

Units: D in cm^2/s, k in cm/s, lengths in cm (grain size and delta as keyword ``*_cm``),
time in s.  Science.md section 5.  Lambda = sqrt(D t), alpha = s delta/(2 Lambda),
beta = s delta D_gb/(2 D Lambda).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from ..errors import InputError
from ..quantities import quantity
from ..results import ResultMixin

__all__ = [
    "BiotResult",
    "RegimeResult",
    "biot_number",
    "classify_regime",
    "fisher_profile",
    "hart_d_eff",
    "type_c_profile",
]

A_B_LIMIT = 1.0 / 3.0  # Lambda <= l/3 counts as Lambda << l (type B)


def _pos(**kw: float) -> None:
    for name, v in kw.items():
        if not (math.isfinite(v) and v > 0):
            raise InputError(f"{name} must be finite and > 0; got {v!r}")


@dataclass(frozen=True)
class BiotResult(ResultMixin):
    """Slow-GB regime number Bi = l k / D_b and what it implies."""

    bi: float
    grain_cm: float
    k: float
    d_bulk: float

    @property
    def bulk_equivalent_um(self) -> float:
        """Thickness of bulk with the resistance of one GB, D_b/k (um)."""
        return self.d_bulk / self.k * 1e4

    def verdict(self) -> str:
        """Which resistance dominates the long-range transport."""
        if self.bi < 0.3:
            return "GBs dominate (Bi << 1): D_eff ~ l k, grains nearly flat, steps at GBs"
        if self.bi > 3:
            return "bulk dominates (Bi >> 1): GBs a small correction, D_eff ~ D_b"
        return "mixed: GB and bulk resistances comparable"

    def __str__(self) -> str:
        from .text import biot_text

        return biot_text(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON keys: Bi, verdict, bulk_equivalent_of_one_GB."""
        return {
            "regime": "slow GB",
            "Bi": self.bi,
            "verdict": self.verdict(),
            "bulk_equivalent_of_one_GB": quantity(self.bulk_equivalent_um, None, "um"),
            "D_gb_over_delta": quantity(self.k, None, "cm/s"),
            "D_bulk": quantity(self.d_bulk, None, "cm^2/s"),
            "grain_size": quantity(float(f"{self.grain_cm * 1e4:.12g}"), None, "um"),
        }


def biot_number(*, grain_cm: float, k: float, d_bulk: float) -> BiotResult:
    """Bi = l k / D_b (LLTO: 16 um x 1.5e-6 cm/s / 2.6e-8 cm^2/s ~ 0.09)."""
    _pos(grain_size=grain_cm, k=k, d_bulk=d_bulk)
    return BiotResult(grain_cm * k / d_bulk, grain_cm, k, d_bulk)


@dataclass(frozen=True)
class RegimeResult(ResultMixin):
    """Harrison regime of fast-GB diffusion with the numbers that decide it."""

    regime: str  #: "A", "A-B", "B", "B-C" or "C"
    reasons: tuple[str, ...]
    lam_cm: float
    alpha: float
    beta: float
    grain_cm: float
    d_bulk: float
    d_gb: float
    delta_cm: float
    s: float
    time_s: float

    @property
    def wlc_applicable(self) -> bool:
        """Type B with beta > 10: the 6/5 (Whipple-Le Claire / Suzuoka) method applies."""
        return self.regime == "B" and self.beta > 10

    def __str__(self) -> str:
        from .text import regime_text

        return regime_text(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON keys: regime, reasons, Lambda, alpha, beta, wlc_applicable, analysis, D_eff_hart."""
        out: dict[str, Any] = {
            "regime": self.regime,
            "reasons": list(self.reasons),
            "Lambda": quantity(self.lam_cm * 1e4, None, "um"),
            "alpha": self.alpha,
            "beta": self.beta,
            "wlc_applicable": self.wlc_applicable,
            "analysis": _ANALYSIS[self.regime],
        }
        if self.regime in ("A", "A-B"):
            out["D_eff_hart"] = quantity(
                hart_d_eff(
                    d_bulk=self.d_bulk,
                    d_gb=self.d_gb,
                    delta_cm=self.delta_cm,
                    grain_cm=self.grain_cm,
                    s=self.s,
                ),
                None,
                "cm^2/s",
            )
        return out


_ANALYSIS = {
    "A": "one effective D (Hart): D_eff = g D_gb + (1 - g) D, g = q delta/l (with "
    "segregation: (g s D_gb + (1 - g) D)/(g s + 1 - g))",
    "A-B": "transition: neither Hart nor the 6/5 method is exact; simulate",
    "B": "fit the deep tail: ln C vs y^(6/5) (Whipple-Le Claire 1.322 / Suzuoka 1.308) "
    "-> s delta D_gb",
    "B-C": "transition: bulk leakage not negligible nor dominant; simulate",
    "C": "GB-only diffusion: C = erfc(y / (2 sqrt(D_gb t))) -> D_gb",
}


def classify_regime(
    *, d_bulk: float, d_gb: float, delta_cm: float, time_s: float, grain_cm: float, s: float = 1.0
) -> RegimeResult:
    """Harrison A / B / C (with A-B and B-C transitions) and the reasons.

    >>> r = classify_regime(d_bulk=1e-14, d_gb=1e-9, delta_cm=5e-8, time_s=1e4, grain_cm=1e-3)
    >>> lam = r.to_dict()["Lambda"]
    >>> print(f"regime {r.regime}: Lambda = {lam['value']:.2g} {lam['unit']}")
    regime B: Lambda = 0.1 um
    """
    _pos(d_bulk=d_bulk, d_gb=d_gb, delta=delta_cm, time=time_s, grain_size=grain_cm, segregation=s)
    if d_gb <= d_bulk:
        raise InputError(
            f"D_gb = {d_gb:.3g} <= D = {d_bulk:.3g} cm^2/s: Harrison's A/B/C regimes are "
            "for fast grain boundaries; for slow GBs use Bi = l k / D_b (--d-gb-over-delta)"
        )
    lam = math.sqrt(d_bulk * time_s)
    alpha = s * delta_cm / (2 * lam)
    beta = s * delta_cm * d_gb / (2 * d_bulk * lam)
    r = lam / grain_cm
    reasons = [
        f"Lambda = sqrt(D t) = {lam * 1e4:.3g} um, l = {grain_cm * 1e4:.3g} um "
        f"(Lambda/l = {r:.3g})",
        f"alpha = s delta/(2 Lambda) = {alpha:.3g}",
        f"beta = s delta D_gb/(2 D Lambda) = {beta:.3g}",
    ]
    if r >= 1:
        regime = "A"
        reasons.append("Lambda >= l: bulk fields of neighbouring GBs overlap")
    elif alpha >= 1:
        regime = "C"
        reasons.append("alpha >= 1: bulk diffusion negligible (Lambda < s delta / 2)")
    elif r > A_B_LIMIT:
        regime = "A-B"
        reasons.append("l/3 < Lambda < l: between types A and B")
    elif alpha > 0.1:
        regime = "B-C"
        reasons.append("0.1 < alpha < 1: between types B and C")
    else:
        regime = "B"
        reasons.append("s delta << Lambda << l (alpha <= 0.1, Lambda <= l/3)")
        if beta <= 10:
            reasons.append("beta <= 10: 6/5 constant inaccurate (GB barely faster than bulk)")
    return RegimeResult(
        regime, tuple(reasons), lam, alpha, beta, grain_cm, d_bulk, d_gb, delta_cm, s, time_s
    )


def hart_d_eff(
    *, d_bulk: float, d_gb: float, delta_cm: float, grain_cm: float, s: float = 1.0, q: float = 1.0
) -> float:
    """Type A effective D (cm^2/s): Hart, with segregation (Belova-Murch form).

    g = q delta / l (q = 1 for parallel GBs); D_eff = (g s D_gb + (1 - g) D)/(g s + 1 - g),
    which is Hart's g D_gb + (1 - g) D for s = 1.
    """
    _pos(d_bulk=d_bulk, d_gb=d_gb, delta=delta_cm, grain_size=grain_cm, segregation=s, q=q)
    g = q * delta_cm / grain_cm
    if g >= 1:
        raise InputError("q delta / l must be < 1")
    return (g * s * d_gb + (1 - g) * d_bulk) / (g * s + 1 - g)


def fisher_profile(
    y_cm: ArrayLike, *, d_bulk: float, s_delta_d_gb: float, time_s: float, x_cm: float = 0.0
) -> NDArray[np.float64]:
    """Fisher type B: exp(-y (4D/(pi t))^(1/4) / sqrt(s delta D_gb)) erfc(x / (2 sqrt(D t)))."""
    _pos(d_bulk=d_bulk, s_delta_d_gb=s_delta_d_gb, time=time_s)
    y = np.asarray(y_cm, dtype=float)
    rate = (4 * d_bulk / (math.pi * time_s)) ** 0.25 / math.sqrt(s_delta_d_gb)
    lateral = special.erfc(abs(x_cm) / (2 * math.sqrt(d_bulk * time_s)))
    return np.asarray(np.exp(-y * rate) * lateral)


def type_c_profile(y_cm: ArrayLike, *, d_gb: float, time_s: float) -> NDArray[np.float64]:
    """Type C (constant source): C = erfc(y / (2 sqrt(D_gb t)))."""
    _pos(d_gb=d_gb, time=time_s)
    return np.asarray(special.erfc(np.asarray(y_cm, dtype=float) / (2 * math.sqrt(d_gb * time_s))))
