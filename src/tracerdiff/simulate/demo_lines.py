"""Line-scan samples B-E of the demo: 2D polycrystal strips exchanged at x = 0 and stored or
annealed, each scan the field averaged across the strip; the truth of each step the strip's own
homogenised D_eff."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..io.profile_csv import write_profile_csv
from ..quantities import quantity
from .demo_plan import C_NAT, C_SRC, LINE_SAMPLES, SCAN_ACQ, SIZES, STRIPS, entry
from .fv2d import evolve_polycrystal, homogenised_d_eff
from .materials import MaterialLaw
from .microstructure import make_polycrystal
from .sims import simulate_line_scan

__all__ = ["line_sample", "line_strip", "scan_profile"]


def line_sample(
    out: Path, name: str, mat: MaterialLaw, size: str, rng: np.random.Generator
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A 2D polycrystal strip (Laguerre grains 16 +- 11 um, lognormal k per boundary) exchanged
    at x = 0 and annealed; each scan averages the field across the strip; the truth of each step
    is the strip's own homogenised D_eff (steady-state flux solve)."""
    plan = LINE_SAMPLES[name]
    poly, fields, x = line_strip(name, mat, size, rng)
    entries, t, truth_steps = [], 0.0, []
    for i, ((st, label), fld) in enumerate(zip(plan, fields, strict=True)):
        t += st.duration_s
        fname = f"{name}_scan{i + 1}.csv"
        _write_scan(out / fname, x, fld, name, i + 1, rng)
        entries.append(
            entry(
                fname,
                name,
                i + 1,
                f"line scan, {label}",
                t,
                [st.temperature_K],
                kind="profile",
                pair="6Li/7Li",
                pixel_size_um=SCAN_ACQ["step_um"],
            )
        )
        truth_steps.append(_step_truth(poly, mat, st, label, fld))
    return entries, {
        "microstructure": poly.to_dict(),
        "gb_faces": "corrected",
        "steps": truth_steps,
        "k_factor_harmonic_mean": float(1 / np.mean(1 / poly.k_factor)),
    }


def line_strip(
    name: str, mat: MaterialLaw, size: str, rng: np.random.Generator
) -> tuple[Any, list[np.ndarray], np.ndarray]:
    """The 2D strip of line-scan sample ``name`` (Laguerre grains 16 +- 11 um, lognormal k per
    boundary) through its history: (polycrystal, field after each stage, cell centres um)."""
    ny, h = STRIPS[size]
    poly = make_polycrystal(
        (ny, round(SIZES[size][1] / h)),
        pixel_size_um=h,
        mean_um=16.0,
        sd_um=11.0,
        k_sigma_ln=0.4,
        rng=rng,
    )
    ev = evolve_polycrystal(
        poly,
        mat,
        [s for s, _ in LINE_SAMPLES[name]],
        c_initial=C_NAT,
        c_source=C_SRC,
        rtol=1e-4,
        gb_faces="corrected",
    )
    x = np.asarray((np.arange(poly.shape[1]) + 0.5) * h, dtype=np.float64)
    return poly, list(ev.fields), x


def scan_profile(x: np.ndarray, fld: np.ndarray, rng: np.random.Generator) -> Any:
    """The demo's spot line scan (``SCAN_ACQ``) of the field averaged across the strip."""
    pos = np.arange(0.5 * SCAN_ACQ["step_um"], SCAN_ACQ["length_um"], SCAN_ACQ["step_um"])
    return simulate_line_scan(
        x,
        np.asarray(fld.mean(axis=0), dtype=np.float64),
        positions_um=pos,
        raster_um=SCAN_ACQ["raster_um"],
        counts_per_spot=SCAN_ACQ["counts_per_spot"],
        rng=rng,
    )


def _write_scan(
    path: Path, x: np.ndarray, fld: np.ndarray, name: str, step: int, rng: np.random.Generator
) -> None:
    """One spot line scan of the field averaged across the strip, written as a profile CSV."""
    prof = scan_profile(x, fld, rng)
    prof.attrs.update({"sample": name, "step": step, "source_file": f"{name}_scan{step}"})
    write_profile_csv(prof, path)


def _step_truth(
    poly: Any, mat: MaterialLaw, st: Any, label: str, fld: np.ndarray
) -> dict[str, Any]:
    T = st.temperature_K
    d_eff = homogenised_d_eff(
        poly, d_bulk=mat.d_bulk(T), k_median=mat.k_gb(T), gb_faces="corrected"
    )
    return {
        "stage": st.to_dict(),
        "label": label,
        "far_end_C_norm": float(np.max(fld[:, -1]) - C_NAT) / (C_SRC - C_NAT),
        "D_eff_homogenised": quantity(d_eff, None, "cm^2/s"),
        "D_bulk": quantity(mat.d_bulk(T), None, "cm^2/s"),
        "k_median": quantity(mat.k_gb(T), None, "cm/s"),
    }
