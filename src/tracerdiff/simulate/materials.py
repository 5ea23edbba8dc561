"""Transport laws of a simulated material: bulk D_b(T) and the GB conductance k(T) = D_gb/delta.

Units: temperatures in K, D_b in cm^2/s, k in cm/s, energies in eV.  ``D_b`` is Arrhenius or a
table (non-Arrhenius: log-linear interpolation of D_b against 1/T, no extrapolation).  ``k`` is the
median over the GBs (each GB multiplies it by its own factor, see ``microstructure``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError
from ..history import arrhenius_D
from ..quantities import quantity
from ..results import ResultMixin
from ..units import K_B_EV

__all__ = ["LLTO_REFERENCE", "MaterialLaw", "llto_material"]

T_REF_K = 295.15  #: 22 C, the study's exchange temperature

#: The study's numbers this package simulates (science.md sections 1, 7).
LLTO_REFERENCE: dict[str, float] = {
    "D_bulk_22C_cm2_s": 2.6e-8,
    "k_22C_cm_s": 1.5e-6,
    "Ea_k_eV": 0.43,
    "Ea_bulk_eV": 0.35,  # assumption: typical LLTO bulk value (0.3-0.4 eV), not from the study
    "delta_nm": 0.5,
    "grain_mean_um": 16.0,
    "grain_sd_um": 11.0,
    "k_sigma_ln": 0.4,
    "li_density_cm3": 5.0e21,
    "c_natural": 0.0759,
    "c_source": 0.95,
}


@dataclass(frozen=True)
class MaterialLaw(ResultMixin):
    """Bulk ``D_b(T) = d0_bulk exp(-ea_bulk / k_B T)`` (or a table); median ``k(T)``, Arrhenius.

    ``d_bulk_table`` = ((T_K, ...), (D_b cm^2/s, ...)) replaces the Arrhenius bulk law.
    """

    d0_bulk: float
    ea_bulk_eV: float
    k0: float
    ea_k_eV: float
    delta_nm: float = 0.5
    d_bulk_table: tuple[tuple[float, ...], tuple[float, ...]] | None = field(default=None)
    d0_gb_phase: float | None = None
    ea_gb_phase_eV: float = 0.0

    def __post_init__(self) -> None:
        if self.d0_gb_phase is not None and not (float(self.d0_gb_phase) > 0):
            raise InputError("material d0_gb_phase must be > 0 cm^2/s")
        for name in ("d0_bulk", "k0", "delta_nm"):
            v = float(getattr(self, name))
            if not (math.isfinite(v) and v > 0):
                raise InputError(f"material {name} must be finite and > 0, got {v}")
        if self.d_bulk_table is not None:
            t, d = (np.asarray(a, dtype=float) for a in self.d_bulk_table)
            if t.shape != d.shape or t.size < 2 or np.any(np.diff(t) <= 0) or np.any(d <= 0):
                raise InputError("d_bulk_table needs >= 2 increasing temperatures (K) and D > 0")

    def d_bulk(self, temperature_K: float) -> float:
        """Bulk tracer diffusivity (cm^2/s) at ``temperature_K``."""
        if self.d_bulk_table is None:
            return float(arrhenius_D(temperature_K, self.d0_bulk, self.ea_bulk_eV))
        t, d = (np.asarray(a, dtype=float) for a in self.d_bulk_table)
        if not t[0] <= temperature_K <= t[-1]:
            raise InputError(
                f"temperature {temperature_K:.1f} K outside the D_b table "
                f"({t[0]:.1f}-{t[-1]:.1f} K)"
            )
        inv = 1.0 / t[::-1]
        return float(np.exp(np.interp(1.0 / temperature_K, inv, np.log(d[::-1]))))

    def k_gb(self, temperature_K: float) -> float:
        """Median GB conductance k = D_gb/delta (cm/s) at ``temperature_K``."""
        return float(arrhenius_D(temperature_K, self.k0, self.ea_k_eV))

    @property
    def has_gb_phase(self) -> bool:
        """True for fast GBs modelled as a GB phase of cells (``d0_gb_phase`` given)."""
        return self.d0_gb_phase is not None

    def d_gb_phase(self, temperature_K: float) -> float:
        """Diffusivity (cm^2/s) of the GB-phase cells (fast GBs) at ``temperature_K``."""
        if self.d0_gb_phase is None:
            raise InputError("this material has no GB phase (d0_gb_phase not given)")
        return float(arrhenius_D(temperature_K, self.d0_gb_phase, self.ea_gb_phase_eV))

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain parameters."""
        out: dict[str, Any] = {
            "D0_bulk": quantity(self.d0_bulk, None, "cm^2/s"),
            "Ea_bulk": quantity(self.ea_bulk_eV, None, "eV"),
            "k0": quantity(self.k0, None, "cm/s"),
            "Ea_k": quantity(self.ea_k_eV, None, "eV"),
            "delta": quantity(self.delta_nm, None, "nm"),
            "D_bulk_22C": quantity(self.d_bulk(T_REF_K), None, "cm^2/s")
            if self.d_bulk_table is None
            else None,
            "k_22C": quantity(self.k_gb(T_REF_K), None, "cm/s"),
        }
        if self.d0_gb_phase is not None:
            out["D0_gb_phase"] = quantity(self.d0_gb_phase, None, "cm^2/s")
            out["Ea_gb_phase"] = quantity(self.ea_gb_phase_eV, None, "eV")
        if self.d_bulk_table is not None:
            out["d_bulk_table"] = {
                "T_K": list(self.d_bulk_table[0]),
                "D_bulk_cm2_s": list(self.d_bulk_table[1]),
            }
        return out


def llto_material(
    *,
    d_bulk_22C: float = LLTO_REFERENCE["D_bulk_22C_cm2_s"],
    ea_bulk_eV: float = LLTO_REFERENCE["Ea_bulk_eV"],
    k_22C: float = LLTO_REFERENCE["k_22C_cm_s"],
    ea_k_eV: float = LLTO_REFERENCE["Ea_k_eV"],
) -> MaterialLaw:
    """The study's LLTO: D_b 2.6e-8 cm^2/s and median k 1.5e-6 cm/s at 22 C, Ea_k 0.43 eV.

    The bulk activation energy is not given by the study: 0.35 eV is assumed (typical 0.3-0.4).
    """
    d0 = d_bulk_22C * math.exp(ea_bulk_eV / (K_B_EV * T_REF_K))
    k0 = k_22C * math.exp(ea_k_eV / (K_B_EV * T_REF_K))
    return MaterialLaw(d0_bulk=d0, ea_bulk_eV=ea_bulk_eV, k0=k0, ea_k_eV=ea_k_eV)
