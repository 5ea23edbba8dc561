"""Effective-medium kernels for polycrystals with slow (or fast) grain boundaries.

Pure functions in CGS: D in cm^2/s, k = D_gb/delta in cm/s, lengths in cm.  Science.md
section 5.  Each model expects a particular grain length (see :data:`GEOMETRIES`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..quantities import quantity

__all__ = [
    "GEOMETRIES",
    "BrickLayer",
    "HSBounds",
    "brick_layer",
    "geometric_d_eff",
    "hashin_shtrikman",
    "maxwell_garnett",
    "series_d_eff",
    "series_k",
    "specific_from_apparent",
]


def _pos(**kw: float) -> None:
    for name, v in kw.items():
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
            raise InputError(f"{name} must be finite and > 0; got {v!r}")


def series_d_eff(d_bulk: float, k: float, grain_cm: float, *, delta_cm: float = 0.0) -> float:
    """Series model (study eqs. 5-6): (l + delta)/D_eff = l/D_b + 1/k (cm^2/s).

    ``delta_cm = 0`` gives the l >> delta form D_eff = 1/(1/D_b + 1/(l k)).

    >>> d_eff = series_d_eff(2.6e-8, 1e-5, 16e-4)  # D_b cm^2/s, k cm/s, a 16 um grain in cm
    >>> print(f"{d_eff:.3g} cm^2/s")
    9.9e-09 cm^2/s
    >>> print(f"{series_k(d_eff, 2.6e-8, 16e-4):.3g} cm/s")
    1e-05 cm/s
    """
    _pos(d_bulk=d_bulk, k=k, grain_size=grain_cm)
    return (grain_cm + delta_cm) / (grain_cm / d_bulk + 1.0 / k)


def series_k(d_eff: float, d_bulk: float, grain_cm: float, *, delta_cm: float = 0.0) -> float:
    """Inverse of :func:`series_d_eff`: k (cm/s) from D_eff and D_b; needs D_eff < D_b."""
    _pos(d_eff=d_eff, d_bulk=d_bulk, grain_size=grain_cm)
    rest = (grain_cm + delta_cm) / d_eff - grain_cm / d_bulk
    if rest <= 0:
        raise InputError("D_eff must be below D_bulk (l + delta)/l for slow grain boundaries")
    return 1.0 / rest


def maxwell_garnett(
    d_bulk: float, d_gb: float, grain_cm: float, delta_cm: float, *, dim: int
) -> float:
    """Maxwell-Garnett D_eff (cm^2/s) of grains (D_b) in a GB matrix (D_gb), ``dim`` = 1, 2, 3.

    (D_eff - D_gb)/(D_eff + (d-1) D_gb) = phi (D_b - D_gb)/(D_b + (d-1) D_gb) with
    phi = (l/(l + delta))^d (cubic grains of edge l in a shell of thickness delta).
    """
    if dim not in (1, 2, 3):
        raise InputError(f"dimension must be 1, 2 or 3; got {dim}")
    _pos(d_bulk=d_bulk, d_gb=d_gb, grain_size=grain_cm, delta=delta_cm)
    phi = (grain_cm / (grain_cm + delta_cm)) ** dim
    beta = (d_bulk - d_gb) / (d_bulk + (dim - 1) * d_gb)
    # 1 - phi beta without cancellation: (1 - phi) + phi (1 - beta)
    one_minus_phi = -math.expm1(dim * math.log1p(-delta_cm / (grain_cm + delta_cm)))
    denom = one_minus_phi + phi * (dim * d_gb / (d_bulk + (dim - 1) * d_gb))
    return d_gb * (1 + (dim - 1) * phi * beta) / denom


@dataclass(frozen=True)
class HSBounds:
    """Hashin-Shtrikman bounds on D_eff (cm^2/s) for volume fraction ``phi`` of grains."""

    lower: float
    upper: float
    phi: float
    dim: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain form (cm^2/s)."""
        return {
            "lower": quantity(self.lower, None, "cm^2/s"),
            "upper": quantity(self.upper, None, "cm^2/s"),
            "phi": self.phi,
            "dim": self.dim,
        }


def hashin_shtrikman(
    d_bulk: float, d_gb: float, grain_cm: float, delta_cm: float, *, dim: int = 3
) -> HSBounds:
    """HS bounds: MG with the less and with the more conductive phase as the matrix."""
    a = maxwell_garnett(d_bulk, d_gb, grain_cm, delta_cm, dim=dim)  # GB matrix
    phi = (grain_cm / (grain_cm + delta_cm)) ** dim
    f = 1 - phi  # GB inclusions in a bulk matrix
    beta = (d_gb - d_bulk) / (d_gb + (dim - 1) * d_bulk)
    b = d_bulk * (1 + (dim - 1) * f * beta) / (1 - f * beta)
    return HSBounds(lower=min(a, b), upper=max(a, b), phi=phi, dim=dim)


@dataclass(frozen=True)
class BrickLayer:
    """Brick-layer D (cm^2/s): series path through grains and GBs, parallel path along GBs."""

    perpendicular: float
    parallel: float
    total: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain form (cm^2/s)."""
        return {
            k: quantity(getattr(self, k), None, "cm^2/s")
            for k in ("perpendicular", "parallel", "total")
        }


def brick_layer(
    d_bulk: float, k: float, grain_cm: float, delta_cm: float, *, dim: int = 3
) -> BrickLayer:
    """1/D_perp = 1/D_b + (delta/l)/D_gb; D_par = (dim-1) (delta/l) D_gb; total = the sum.

    The parallel GB path covers a fraction (dim - 1) delta / l of the cross-section (2 delta/l
    for cubic grains).  Only the series path matters for slow GBs.
    """
    _pos(d_bulk=d_bulk, k=k, grain_size=grain_cm, delta=delta_cm)
    d_gb = k * delta_cm
    perp = 1.0 / (1.0 / d_bulk + 1.0 / (k * grain_cm))
    par = (dim - 1) * delta_cm / grain_cm * d_gb
    return BrickLayer(perpendicular=perp, parallel=par, total=perp + par)


def specific_from_apparent(apparent: float, delta_cm: float, grain_cm: float) -> float:
    """Brick layer: specific GB conductivity (or D_gb) = apparent x delta / l."""
    _pos(apparent=apparent, delta=delta_cm, grain_size=grain_cm)
    return apparent * delta_cm / grain_cm


#: slow-GB limit D_eff = factor x k x length, for each grain shape and the length measured
GEOMETRIES: dict[str, dict[str, float]] = {
    # hexagonal grains of side a (2D): sqrt(3) k a
    "hex2d": {
        "side": math.sqrt(3.0),
        "intercept": math.sqrt(3.0) / (math.pi * math.sqrt(3) / 4),
        "ecd": math.sqrt(3.0) / math.sqrt(6 * math.sqrt(3) / math.pi),
    },
    # square grains of side l (2D): k l; mean intercept pi l / 4, ECD sqrt(4/pi) l
    "square2d": {"side": 1.0, "intercept": 4 / math.pi, "ecd": math.sqrt(math.pi / 4)},
    # cubic grains of edge l (3D): k l; mean intercept 2 l / 3, equivalent sphere (6/pi)^(1/3) l
    "cube3d": {"side": 1.0, "intercept": 1.5, "ecd": (math.pi / 6) ** (1 / 3)},
    # layers of thickness l along the flux (1D): the series model
    "layers1d": {"side": 1.0, "intercept": 1.0, "ecd": 1.0},
}


def geometric_d_eff(
    d_bulk: float,
    k: float,
    length_cm: float,
    *,
    shape: str = "hex2d",
    length_kind: str = "intercept",
) -> float:
    """Slow-GB D_eff (cm^2/s) ~ 1/(1/D_b + 1/(g k L)) with g from :data:`GEOMETRIES`.

    ``length_kind``: "side" (hexagon side / square side / cube edge), "intercept" (mean linear
    intercept) or "ecd" (equivalent circle/sphere diameter).  Exact in the limit k L << D_b;
    the interpolation to finite Bi is the series form (approximate outside 1D).
    """
    if shape not in GEOMETRIES:
        raise InputError(f"unknown grain shape {shape!r}; expected one of {sorted(GEOMETRIES)}")
    table = GEOMETRIES[shape]
    if length_kind not in table:
        raise InputError(f"unknown length kind {length_kind!r}; expected one of {sorted(table)}")
    _pos(d_bulk=d_bulk, k=k, length=length_cm)
    return 1.0 / (1.0 / d_bulk + 1.0 / (table[length_kind] * k * length_cm))
