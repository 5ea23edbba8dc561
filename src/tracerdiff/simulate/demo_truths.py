"""Truths of the demo's Arrhenius and Haven analyses, on the quantities they measure."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..quantities import quantity
from ..units import E_CHARGE_C, K_B_J
from .demo_plan import HAVEN_GB, T22
from .demo_tables import TABLE_T_C
from .materials import LLTO_REFERENCE, MaterialLaw

__all__ = ["apparent_truths", "series_formula_value"]


def apparent_truths(samples: dict[str, Any], mat: MaterialLaw) -> dict[str, Any]:
    """The straight line through each anneal sample's homogenised D_eff (the apparent Ea over
    the demo's temperatures) and the GB Haven ratio of D_eff against the GB D_sigma at the
    centre (in 1/T) of the temperatures both data sets cover."""
    pts = [
        (
            samples[n]["steps"][1]["stage"]["temperature_K"],
            samples[n]["steps"][1]["D_eff_homogenised"]["value"],
        )
        for n in ("B", "D", "C", "E")
    ]
    t = np.array([a for a, _ in pts])
    d = np.array([b for _, b in pts])
    slope, icept = np.polyfit(1.0 / t, np.log(d), 1)
    ea = float(-slope * K_B_J / E_CHARGE_C)
    t_cond = TABLE_T_C + 273.15
    lo, hi = max(t.min(), t_cond.min()), min(t.max(), t_cond.max())
    t_h = float(2.0 / (1.0 / lo + 1.0 / hi))
    d_line = float(np.exp(icept + slope / t_h))
    d_sigma_gb = LLTO_REFERENCE["grain_mean_um"] * 1e-4 * mat.k_gb(t_h) / HAVEN_GB
    return {
        "D_eff_apparent": {
            "Ea": quantity(ea, None, "eV"),
            "D0": quantity(float(np.exp(icept)), None, "cm^2/s"),
            "temperatures_K": t.tolist(),
            "D_eff_homogenised": d.tolist(),
            "method": "straight line (least squares in ln D vs 1/T) through the homogenised "
            "D_eff of samples B, D, C, E at their anneal temperatures",
        },
        "haven_gb_measured": quantity(
            d_line / d_sigma_gb,
            None,
            "",
            note=(
                f"D_eff (apparent line) / GB D_sigma (= l k / {HAVEN_GB}, l = 16 um) at "
                f"{t_h:.2f} K; the defined GB Haven ratio (on l k) is haven_gb"
            ),
        ),
        "haven_gb_measured_temperature": quantity(t_h, None, "K"),
    }


def series_formula_value(mat: MaterialLaw) -> dict[str, Any]:
    """The 1D series formula with the mean grain size at 22 C: kept beside the truths, not one."""
    return quantity(
        1 / (1 / mat.d_bulk(T22) + 1 / (16e-4 * mat.k_gb(T22))),
        None,
        "cm^2/s",
        note="the series formula itself (not a truth): compare models with "
        "samples/A/D_eff_homogenised_by_T_K",
    )
