"""Plan an exchange or anneal: the predicted profile and whether SIMS can measure it.

For a material preset (the study's LLTO) at ``temperature_K`` for ``time_s`` after a constant
source: D_b, median k, Bi = l k / D_b, the series-model D_eff, the diffusion length
sqrt(D_eff t), the erfc profile, and at the half-height point the expected GB jump
``dC_gb = J / k`` and intra-grain gradient ``J / D_b`` (flux ``J = D_eff dC/dx``) compared with
the counting noise of a profile bin averaged over ``pixels_averaged`` pixels.  Units: um for
lengths, cm^2/s, cm/s, 1/cm, s, K.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import erfc, erfcinv

from ..errors import InputError
from ..quantities import quantity
from ..results import ResultMixin
from .materials import LLTO_REFERENCE, MaterialLaw, llto_material

__all__ = ["PlanResult", "plan_measurement"]

MATERIALS = {"llto": llto_material}


@dataclass(frozen=True)
class PlanResult(ResultMixin):
    """The prediction and the measurability verdicts."""

    material: str
    temperature_K: float
    time_s: float
    d_bulk: float
    k_median: float
    biot: float
    d_eff_series: float
    diffusion_length_um: float
    profile_x_um: list[float]
    profile_c_norm: list[float]
    dc_gb: float
    gradient_bulk_per_cm: float
    noise_per_bin: float
    resolution_um: float
    scan_length_um: float
    verdicts: dict[str, bool]

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain form (stable keys)."""
        return {
            "material": self.material,
            "temperature": quantity(self.temperature_K, None, "K"),
            "time": quantity(self.time_s, None, "s"),
            "D_bulk": quantity(self.d_bulk, None, "cm^2/s"),
            "k_median": quantity(self.k_median, None, "cm/s"),
            "Bi": quantity(self.biot, None, ""),
            "D_eff_series": quantity(self.d_eff_series, None, "cm^2/s"),
            "diffusion_length": quantity(self.diffusion_length_um, None, "um"),
            "profile": {"x_um": self.profile_x_um, "C_norm": self.profile_c_norm},
            "dC_gb_expected": quantity(self.dc_gb, None, ""),
            "gradient_bulk_expected": quantity(self.gradient_bulk_per_cm, None, "1/cm"),
            "noise_per_bin": quantity(self.noise_per_bin, None, ""),
            "resolution": quantity(self.resolution_um, None, "um"),
            "scan_length": quantity(self.scan_length_um, None, "um"),
            "verdicts": dict(self.verdicts),
        }


def plan_measurement(
    *,
    material: str | MaterialLaw = "llto",
    temperature_K: float,
    time_s: float,
    grain_um: float = LLTO_REFERENCE["grain_mean_um"],
    resolution_um: float = 1.0,
    scan_length_um: float = 5000.0,
    map_length_um: float = 500.0,
    counts_per_pixel: float = 500.0,
    pixels_averaged: int = 15,
) -> PlanResult:
    """Predict the profile after ``time_s`` at ``temperature_K`` and judge measurability."""
    law, name = _law(material)
    if not (temperature_K > 0 and time_s > 0 and grain_um > 0):
        raise InputError("temperature, time and grain size must be > 0")
    db, k = law.d_bulk(temperature_K), law.k_gb(temperature_K)
    l_cm = grain_um * 1e-4
    d_eff = 1.0 / (1.0 / db + 1.0 / (l_cm * k))
    ld = math.sqrt(d_eff * time_s) * 1e4
    x = np.linspace(0.0, 4.0 * ld, 9)
    prof = erfc(x / (2.0 * ld))
    dc = LLTO_REFERENCE["c_source"] - LLTO_REFERENCE["c_natural"]
    x_half = 2.0 * ld * float(erfcinv(0.5))
    grad = dc * math.exp(-((x_half / (2 * ld)) ** 2)) / math.sqrt(math.pi) / (ld * 1e-4)
    flux = d_eff * grad
    c_mid = LLTO_REFERENCE["c_natural"] + 0.5 * dc
    noise = math.sqrt(c_mid * (1 - c_mid) / (counts_per_pixel * pixels_averaged))
    dc_gb, g_bulk = flux / k, flux / db
    verdicts = {
        "resolved_by_imaging": ld > 3.0 * resolution_um,
        "fits_in_map": 2.0 * ld < map_length_um,
        "fits_in_line_scan": 4.0 * ld < scan_length_um,
        "gb_step_detectable": dc_gb > 3.0 * noise,
        "bulk_gradient_detectable": g_bulk * l_cm > 3.0 * noise,
        "slow_gb_regime": l_cm * k / db < 1.0,
    }
    return PlanResult(
        name,
        float(temperature_K),
        float(time_s),
        db,
        k,
        l_cm * k / db,
        d_eff,
        ld,
        x.tolist(),
        prof.tolist(),
        dc_gb,
        g_bulk,
        noise,
        resolution_um,
        scan_length_um,
        verdicts,
    )


def _law(material: str | MaterialLaw) -> tuple[MaterialLaw, str]:
    if not isinstance(material, str):
        return material, "custom"
    if material.lower() not in MATERIALS:
        raise InputError(f"unknown material {material!r}; known: {sorted(MATERIALS)}")
    return MATERIALS[material.lower()](), material.lower()
