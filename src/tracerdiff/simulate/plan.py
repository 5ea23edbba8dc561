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

__all__ = ["PlanResult", "plan_measurement", "plan_text"]

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
    map_length_um: float = 500.0

    def __str__(self) -> str:
        return plan_text(self)

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
        map_length_um,
    )


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


def plan_text(r: PlanResult) -> str:
    """The prediction in a few lines and each verdict with the numbers behind it."""
    ld, v = r.diffusion_length_um, r.verdicts
    lines = [
        f"plan: {r.material} at {r.temperature_K:.1f} K for {r.time_s / 3600:.3g} h",
        f"  D_b = {r.d_bulk:.3g} cm^2/s, median k = D_gb/delta = {r.k_median:.3g} cm/s, "
        f"Bi = l k / D_b = {r.biot:.3g}",
        f"  D_eff (series model) = {r.d_eff_series:.3g} cm^2/s, "
        f"diffusion length L = sqrt(D_eff t) = {ld:.4g} um",
        "  predicted profile:  x (um) " + " ".join(f"{x:>6.4g}" for x in r.profile_x_um),
        "                      C_norm " + " ".join(f"{c:>6.2f}" for c in r.profile_c_norm),
        f"  at half height: GB step dC_gb = {r.dc_gb:.2g}, bulk gradient "
        f"{r.gradient_bulk_per_cm:.3g} 1/cm; counting noise per profile bin {r.noise_per_bin:.2g}",
        "  can SIMS measure it?",
        f"    resolved by imaging ({r.resolution_um:g} um resolution, needs L > 3x): "
        f"{_yes(v['resolved_by_imaging'])}",
        f"    fits in a {r.map_length_um:g} um map (needs 2 L = {2 * ld:.3g} um): "
        f"{_yes(v['fits_in_map'])}",
        f"    fits in a {r.scan_length_um:g} um line scan (needs 4 L = {4 * ld:.3g} um): "
        f"{_yes(v['fits_in_line_scan'])}",
        f"    GB step above 3x noise ({r.dc_gb:.2g} vs {3 * r.noise_per_bin:.2g}): "
        f"{_yes(v['gb_step_detectable'])}",
        f"    bulk change across a grain above 3x noise: {_yes(v['bulk_gradient_detectable'])}",
        f"    slow-GB regime (Bi < 1): {_yes(v['slow_gb_regime'])}",
    ]
    return "\n".join(lines)


def _law(material: str | MaterialLaw) -> tuple[MaterialLaw, str]:
    if not isinstance(material, str):
        return material, "custom"
    if material.lower() not in MATERIALS:
        raise InputError(f"unknown material {material!r}; known: {sorted(MATERIALS)}")
    return MATERIALS[material.lower()](), material.lower()
