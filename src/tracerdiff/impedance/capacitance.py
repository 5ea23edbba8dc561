"""Effective capacitances of CPEs (Brug / Hsu-Mansfeld) and which arc is bulk or grain boundary.

For an arc R||CPE(Q, n): C = (Q R^(1-n))^(1/n) (Hsu and Mansfeld 2001; Brug et al. 1984 for the
R||CPE arc), the capacitance whose RC time is the arc's (R Q)^(1/n).  For a blocking-electrode
CPE in series with resistances R_s: C = Q^(1/n) R_s^((1-n)/n) (Brug's form for a blocking
electrode).  Arcs are told apart by their capacitance per cell constant, C d / A (F/cm; Irvine,
Sinclair and West, Adv. Mater. 2 (1990) 132): ~1e-12 bulk, 1e-11 to 1e-8 grain boundary,
1e-7 and above electrode or surface layers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "BULK_MAX_F_PER_CM",
    "GB_RANGE_F_PER_CM",
    "ArcCapacitance",
    "brug_capacitance",
    "brug_gradient",
    "classify_capacitance",
]

BULK_MAX_F_PER_CM = 1e-10  #: above this C d/A an arc is not a bulk (geometric) arc
GB_RANGE_F_PER_CM = (1e-11, 1e-7)  #: typical grain-boundary C d/A


@dataclass(frozen=True)
class ArcCapacitance:
    """One R||CPE arc: names, C (F), its error, C d/A (F/cm) and the apex frequency (Hz)."""

    r_name: str
    c_name: str
    capacitance_F: float
    capacitance_err: float | None
    c_per_cell_F_cm: float
    f_apex_Hz: float


def brug_capacitance(q: float, n: float, r_ohm: float) -> float:
    """C = (Q R^(1-n))^(1/n) in F (Q in F s^(n-1), R in ohm)."""
    return float(math.exp((math.log(q) + (1.0 - n) * math.log(r_ohm)) / n))


def brug_gradient(q: float, n: float, r_ohm: float) -> tuple[float, float, float]:
    """dC/dR, dC/dQ, dC/dn of :func:`brug_capacitance`."""
    c = brug_capacitance(q, n, r_ohm)
    d_r = c * (1.0 - n) / (n * r_ohm)
    d_q = c / (n * q)
    d_n = -c * (math.log(q) + math.log(r_ohm)) / n**2
    return d_r, d_q, d_n


def classify_capacitance(c_per_cell_F_cm: float) -> str:
    """``bulk``, ``grain_boundary`` or ``electrode`` from C d/A (F/cm)."""
    if c_per_cell_F_cm < BULK_MAX_F_PER_CM:
        return "bulk"
    if c_per_cell_F_cm < GB_RANGE_F_PER_CM[1]:
        return "grain_boundary"
    return "electrode"
