"""Kramers-Kronig validity of a spectrum by the linear KK test (lin-KK).

Schoenleber, Klotz and Ivers-Tiffee, Electrochim. Acta 131 (2014) 20: the spectrum is fitted by
a series resistance, M Voigt elements R_k / (1 + j w tau_k) with tau_k log-spaced from
1/w_max to 1/w_min, a series capacitance (the blocking electrode) and an inductance, linear in
their coefficients, with weights 1/|Z|.  M grows from 1 until
mu = 1 - sum(|R_k|, R_k < 0) / sum(|R_k|, R_k >= 0) falls below ``mu_criterion`` (0.85):
then the Voigt chain fits KK-compliant structure but not the noise.  The relative residuals
(Z - Z_KK)/|Z| of a valid spectrum scatter around zero at the noise level; drifts or
non-stationarity show up as systematic residuals of several percent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..quantities import quantity
from ..results import ResultMixin
from .spectrum import Spectrum

__all__ = ["KKResult", "lin_kk"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class KKResult(ResultMixin):
    """lin-KK test of one spectrum: chosen M, mu, residual statistics and verdict."""

    n_elements: int
    mu: float
    residual_rms: float
    residual_max: float
    tolerance: float
    consistent: bool
    residuals_real: FloatArray
    residuals_imag: FloatArray
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON keys: n_elements, mu, residual_rms, residual_max, tolerance, consistent, notes."""
        return {
            "n_elements": self.n_elements,
            "mu": quantity(self.mu, None, ""),
            "residual_rms": quantity(self.residual_rms, None, ""),
            "residual_max": quantity(self.residual_max, None, ""),
            "tolerance": quantity(self.tolerance, None, ""),
            "consistent": self.consistent,
            "notes": list(self.notes),
        }


def _design(w: FloatArray, tau: FloatArray) -> NDArray[np.complex128]:
    cols = [np.ones_like(w, dtype=complex)]
    cols += [1.0 / (1.0 + 1j * w * t) for t in tau]
    cols += [1.0 / (1j * w), 1j * w]
    return np.column_stack(cols)


def _fit(
    w: FloatArray,
    z: NDArray[np.complex128],
    m: int,
) -> tuple[FloatArray, NDArray[np.complex128]]:
    tau = (
        np.geomspace(1.0 / w.max(), 1.0 / w.min(), m)
        if m > 1
        else np.array([1.0 / np.sqrt(w.max() * w.min())])
    )
    a = _design(w, tau)
    wt = 1.0 / np.abs(z)
    big = np.vstack([(a * wt[:, None]).real, (a * wt[:, None]).imag])
    rhs = np.concatenate([(z * wt).real, (z * wt).imag])
    scale = np.linalg.norm(big, axis=0)
    scale[scale == 0] = 1.0
    coef, *_ = np.linalg.lstsq(big / scale, rhs, rcond=None)
    coef = coef / scale
    return coef, a @ coef


def _mu(r: FloatArray) -> float:
    pos = float(np.sum(np.abs(r[r >= 0])))
    return 1.0 - float(np.sum(np.abs(r[r < 0]))) / pos if pos > 0 else -np.inf


def lin_kk(
    spectrum: Spectrum,
    *,
    mu_criterion: float = 0.85,
    max_elements: int | None = None,
    tolerance: float = 0.02,
) -> KKResult:
    """lin-KK test; ``consistent`` when the RMS relative residual is at most ``tolerance``."""
    w, z = spectrum.omega, spectrum.z
    m_max = max_elements or max(2, min(spectrum.n_points // 2, 80))
    notes: list[str] = []
    m, mu, zk = 1, -np.inf, z
    for m in range(1, m_max + 1):
        coef, zk = _fit(w, z, m)
        mu = _mu(coef[1 : m + 1])
        if mu <= mu_criterion:
            break
    else:
        notes.append(f"mu stayed above {mu_criterion} up to M = {m_max}")
    rel = (z - zk) / np.abs(z)
    rms = float(np.sqrt(np.mean(rel.real**2 + rel.imag**2) / 2))
    mx = float(np.max(np.maximum(np.abs(rel.real), np.abs(rel.imag))))
    ok = rms <= tolerance
    if not ok:
        notes.append(
            f"residuals of {rms:.1%} RMS exceed {tolerance:.0%}: the spectrum is not "
            "Kramers-Kronig consistent (drift, non-stationarity or artefacts)"
        )
    return KKResult(
        int(m),
        float(mu),
        rms,
        mx,
        float(tolerance),
        bool(ok),
        np.asarray(rel.real, dtype=float),
        np.asarray(rel.imag, dtype=float),
        tuple(notes),
    )
