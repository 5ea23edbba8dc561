"""Known mass interferences of tracer pairs and the mass resolution they need.

The required resolving power is ``M / dM = m_analyte / |m_analyte - m_interferent|`` (m/z of
singly charged analyte ions; doubly charged interferents at m/2), computed from exact atomic
masses (AME 2020; the electron mass cancels to < 0.1 %).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from ..results import ResultMixin
from .corrections import IsotopePair, parse_pair

__all__ = [
    "EXACT_MASS_U",
    "INTERFERENCES",
    "Interference",
    "InterferenceWarning",
    "check_interferences",
    "required_resolution",
]

#: exact atomic masses, u
EXACT_MASS_U: dict[str, float] = {
    "1H": 1.00782503207,
    "2H": 2.0141017778,
    "6Li": 6.0151228874,
    "7Li": 7.016003437,
    "12C": 12.0,
    "13C": 13.0033548378,
    "14N": 14.0030740048,
    "15N": 15.0001088982,
    "16O": 15.99491461956,
    "17O": 16.99913170,
    "18O": 17.9991610,
}

#: analyte -> interferents as (label, atoms with multiplicity, charge)
INTERFERENCES: dict[str, tuple[tuple[str, dict[str, int], int], ...]] = {
    "6Li": (("12C2+ (doubly charged 12C)", {"12C": 1}, 2),),
    "7Li": (
        ("6LiH+", {"6Li": 1, "1H": 1}, 1),
        ("14N2+ (doubly charged 14N)", {"14N": 1}, 2),
    ),
    "17O": (("16OH-", {"16O": 1, "1H": 1}, 1),),
    "18O": (
        ("H2 16O-", {"16O": 1, "1H": 2}, 1),
        ("17OH-", {"17O": 1, "1H": 1}, 1),
    ),
}


class InterferenceWarning(UserWarning):
    """The stated mass resolution is too low to separate a known interference from an isotope."""


@dataclass(frozen=True)
class Interference(ResultMixin):
    """One interference check: analyte, interferent, required and stated M/dM."""

    analyte: str
    interferent: str
    required_resolution: float
    mass_resolution: float | None
    resolved: bool | None

    @property
    def message(self) -> str:
        """One line for reports and warnings."""
        need = f"{self.interferent} on {self.analyte} needs M/dM >= {self.required_resolution:.0f}"
        if self.mass_resolution is None:
            return f"{need}; mass resolution unknown"
        state = "resolved" if self.resolved else "NOT resolved"
        return f"{need}; stated {self.mass_resolution:.0f}: {state}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain record."""
        return {
            "analyte": self.analyte,
            "interferent": self.interferent,
            "required_resolution": self.required_resolution,
            "mass_resolution": self.mass_resolution,
            "resolved": self.resolved,
            "message": self.message,
        }


def _mass(atoms: dict[str, int]) -> float:
    return sum(EXACT_MASS_U[k] * n for k, n in atoms.items())


def required_resolution(analyte: str, atoms: dict[str, int], charge: int = 1) -> float:
    """``M / dM`` that separates an interferent (atoms, charge) from a singly charged analyte."""
    m = EXACT_MASS_U[analyte]
    mi = _mass(atoms) / charge
    return m / abs(m - mi)


def check_interferences(
    pair: str | IsotopePair, *, mass_resolution: float | None = None, warn: bool = True
) -> list[Interference]:
    """Check both isotopes of ``pair`` against the known interferences.

    Issues an :class:`InterferenceWarning` for each interference the stated ``mass_resolution``
    (M/dM) does not resolve (when ``warn``). With no resolution stated every known interference is
    returned with ``resolved=None`` ("mass resolution unknown").
    """
    p = parse_pair(pair)
    out: list[Interference] = []
    for iso in (p.a, p.b):
        for label, atoms, charge in INTERFERENCES.get(iso, ()):
            req = required_resolution(iso, atoms, charge)
            res = None if mass_resolution is None else float(mass_resolution)
            ok = None if res is None else res >= req
            item = Interference(iso, label, req, res, ok)
            out.append(item)
            if warn and ok is False:
                warnings.warn(item.message, InterferenceWarning, stacklevel=2)
    return out
