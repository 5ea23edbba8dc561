"""The demo's tables: bulk and GB conductivities (for the Haven ratio) and an NMR-like bulk D_b
(for the quench check), each a simulated measurement of the material's laws."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..outputs import atomic_write_text
from ..units import E_CHARGE_C, K_B_J
from .demo_plan import HAVEN_BULK, HAVEN_GB, entry
from .materials import LLTO_REFERENCE, MaterialLaw

__all__ = ["bulk_table", "conductivity_tables"]

#: the tables' temperatures (C): -20 to 120 C in 20 C steps
TABLE_T_C = np.arange(-20.0, 121.0, 20.0)


def bulk_table(out: Path, mat: MaterialLaw, rng: np.random.Generator) -> list[dict[str, Any]]:
    """D_b at -20..120 C with 5 % errors (an NMR-like bulk measurement of the simulated law)."""
    t_k = TABLE_T_C + 273.15
    d = np.array([mat.d_bulk(float(t)) for t in t_k])
    meas = d * np.exp(rng.normal(0.0, 0.05, size=d.size))
    lines = ["T_K,D,D_err"] + [
        f"{a:.2f},{b:.6e},{0.05 * b:.6e}" for a, b in zip(t_k, meas, strict=True)
    ]
    name = "D_bulk_nmr.csv"
    atomic_write_text(out / name, "\n".join(lines) + "\n")
    return [
        entry(
            name,
            "bulk",
            0,
            "bulk D_b (cm^2/s), NMR-like, 5 % errors",
            0.0,
            t_k.tolist(),
            kind="bulk_diffusivity",
        )
    ]


def conductivity_tables(
    out: Path, mat: MaterialLaw, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Bulk and GB conductivities with 3 % errors: D_sigma = D_b / H_bulk and l k / H_gb
    through Nernst-Einstein."""
    t_k = TABLE_T_C + 273.15
    n_li = LLTO_REFERENCE["li_density_cm3"]
    entries = []
    for kind, haven, dfun in (
        ("bulk", HAVEN_BULK, mat.d_bulk),
        ("gb", HAVEN_GB, lambda T: LLTO_REFERENCE["grain_mean_um"] * 1e-4 * mat.k_gb(T)),
    ):
        d_sigma = np.array([dfun(float(T)) for T in t_k]) / haven
        sigma = d_sigma * n_li * E_CHARGE_C**2 / (K_B_J * t_k)
        meas = sigma * np.exp(rng.normal(0.0, 0.03, size=sigma.size))
        lines = ["T_C,T_K,sigma,sigma_err"] + [
            f"{a:.2f},{b:.2f},{c:.6e},{0.03 * c:.6e}"
            for a, b, c in zip(TABLE_T_C, t_k, meas, strict=True)
        ]
        name = f"conductivity_{kind}.csv"
        atomic_write_text(out / name, "\n".join(lines) + "\n")
        entries.append(
            entry(
                name,
                "conductivity",
                0,
                f"{kind} conductivity (S/cm), 3 % errors",
                0.0,
                t_k.tolist(),
                kind="conductivity",
                haven_ratio_true=haven,
            )
        )
    return entries
