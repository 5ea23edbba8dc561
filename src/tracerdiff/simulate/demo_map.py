"""Sample A of the demo: a 2D polycrystal exchanged for 59 h and stored for 16 d, imaged by
cryo-SIMS after each step (the study's 5 h images) and once more, for longer, after the exchange
(the boundaries' in-grain gradients need the counts); its truths: the 2D homogenised D_eff and
the means of k over the boundaries in the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..io.iontof import write_iontof_image
from ..quantities import quantity
from .demo_plan import C_NAT, C_SRC, FIELDS, MAP_ACQ, MAP_LONG_ACQ, MAP_SAMPLE, SIZES, T22, entry
from .fv2d import evolve_polycrystal, homogenised_d_eff
from .materials import MaterialLaw
from .microstructure import make_polycrystal
from .sims import SimsImage, simulate_sims_image

__all__ = ["k_in_field", "map_sample"]

MASSES = (("6Li", 6.0151), ("7Li", 7.0160))


def map_sample(
    out: Path,
    mat: MaterialLaw,
    size: str,
    rng: np.random.Generator,
    rng_long: np.random.Generator,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Write sample A's images, the true fractions and the grain labels into ``out``; return
    their manifest entries and the sample's truth. The 5 h images draw from ``rng``, the long
    acquisition from ``rng_long`` (its own stream: the other files do not depend on it)."""
    poly = make_polycrystal(
        SIZES[size][0],
        mean_um=16.0,
        sd_um=11.0,
        k_sigma_ln=0.4,
        yield_sigma_ln=MAP_ACQ["yield_sigma_ln"],
        rng=rng,
    )
    ev = evolve_polycrystal(
        poly,
        mat,
        [s for s, _ in MAP_SAMPLE],
        c_initial=C_NAT,
        c_source=C_SRC,
        rtol=1e-4,
        gb_faces="corrected",
    )
    fov, pix = FIELDS[size]
    grid = (fov, pix, poly.yield_factor[poly.labels])
    entries = _study_images(out, ev.fields, grid, rng)
    st0, label0 = MAP_SAMPLE[0]
    img = _image(ev.fields[0], grid, MAP_LONG_ACQ, rng_long)
    what = (
        f"cryo-SIMS map, {label0}: the same field acquired for "
        f"{MAP_LONG_ACQ['duration_h']:g} h (accumulated scans)"
    )
    meta = (st0.duration_s, [st0.temperature_K], _pixel_size(fov, pix))
    entries += _write_image(out, "A_map1_long", img, what, MAP_LONG_ACQ, 1, meta)
    truth = _map_truth(out, poly, mat, fov, pix, ev.to_dict())
    truth["far_end_C_norm"] = [float(np.max(f[:, -1]) - C_NAT) / (C_SRC - C_NAT) for f in ev.fields]
    entries.append(
        entry(
            "A_grains.npy",
            "A",
            0,
            "grain labels on the map pixel grid (thermal etch micrograph stand-in)",
            0.0,
            [],
            kind="grain_map",
            pixel_size_um=_pixel_size(fov, pix),
        )
    )
    return entries, truth


Grid = tuple[tuple[float, float], tuple[int, int], np.ndarray]


def _pixel_size(fov: tuple[float, float], pix: tuple[int, int]) -> list[float]:
    return [fov[0] / pix[0], fov[1] / pix[1]]


def _study_images(
    out: Path, fields: list[np.ndarray], grid: Grid, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """The study's 5 h image after each step of the history, and its noise-free fraction."""
    psize = _pixel_size(grid[0], grid[1])
    entries, t = [], 0.0
    for i, ((st, label), fld) in enumerate(zip(MAP_SAMPLE, fields, strict=True)):
        t += st.duration_s
        img = _image(fld, grid, MAP_ACQ, rng)
        what = f"cryo-SIMS map, {label} ({MAP_ACQ['duration_h']:g} h image)"
        meta = (t, [st.temperature_K], psize)
        entries += _write_image(out, f"A_map{i + 1}", img, what, MAP_ACQ, i + 1, meta)
        name = f"A_map{i + 1}_fraction_true.npy"
        np.save(out / name, img.expected_fraction.astype(np.float32))
        entries.append(
            entry(
                name,
                "A",
                i + 1,
                "noise-free fraction on the pixel grid (truth)",
                t,
                [st.temperature_K],
                kind="truth_field",
            )
        )
    return entries


def _image(
    field: np.ndarray, grid: Grid, acq: dict[str, float], rng: np.random.Generator
) -> SimsImage:
    fov, pix, yields = grid
    return simulate_sims_image(
        field,
        cell_um=1.0,
        yield_map=yields,
        field_um=fov,
        pixels=pix,
        mean_counts=acq["mean_counts"],
        psf_sigma_px=acq["psf_sigma_px"],
        shots_per_pixel=int(acq["shots_per_pixel"]),
        scans=int(acq["scans"]),
        rng=rng,
    )


def _write_image(
    out: Path,
    stem: str,
    img: SimsImage,
    what: str,
    acq: dict[str, float],
    step: int,
    meta: tuple[float, list[float], list[float]],
) -> list[dict[str, Any]]:
    """The two species' IONTOF files of one image and their manifest entries."""
    t_s, temps, psize = meta
    entries = []
    for sp_name, mass in MASSES:
        name = f"{stem}_{sp_name}.txt"
        write_iontof_image(
            out / name,
            img.counts[sp_name],
            species=sp_name,
            mass=mass,
            field_of_view_um=img.field_of_view_um,
            shots_per_pixel=int(acq["shots_per_pixel"]),
            scans=int(acq["scans"]),
        )
        entries.append(
            entry(
                name,
                "A",
                step,
                what,
                t_s,
                temps,
                kind="image",
                species=sp_name,
                pair="6Li/7Li",
                pixel_size_um=psize,
                acquisition_h=acq["duration_h"],
            )
        )
    return entries


def _map_truth(
    out: Path,
    poly: Any,
    mat: MaterialLaw,
    fov: tuple[float, float],
    pix: tuple[int, int],
    integration: dict[str, Any],
) -> dict[str, Any]:
    """Sample A's truth; writes the grain labels on the pixel grid (``A_grains.npy``)."""
    px = (np.arange(pix[0]) + 0.5) * fov[0] / pix[0]
    py = (np.arange(pix[1]) + 0.5) * fov[1] / pix[1]
    grains = poly.labels[np.floor(py).astype(int)[:, None], np.floor(px).astype(int)[None, :]]
    np.save(out / "A_grains.npy", grains.astype(np.int32))
    inside = set(np.unique(grains).tolist())
    gbs = [
        {"grains": [int(a), int(b)], "k_22C": quantity(mat.k_gb(T22) * f, None, "cm/s")}
        for (a, b), f in zip(poly.pairs, poly.k_factor, strict=True)
        if int(a) in inside and int(b) in inside
    ]
    d_eff = homogenised_d_eff(
        poly, d_bulk=mat.d_bulk(T22), k_median=mat.k_gb(T22), gb_faces="corrected"
    )
    return {
        "microstructure": poly.to_dict(),
        "gb_faces": "corrected",
        "D_eff_homogenised_by_T_K": {f"{T22:.2f}": quantity(d_eff, None, "cm^2/s")},
        "gb_in_field": gbs,
        **k_in_field(grains, poly, mat.k_gb(T22)),
        "integration": integration,
        "history": [{"stage": s.to_dict(), "label": lab} for s, lab in MAP_SAMPLE],
        "acquisition": MAP_ACQ,
        "long_acquisition": MAP_LONG_ACQ,
    }


def k_in_field(grains: np.ndarray, poly: Any, k_median: float) -> dict[str, Any]:
    """Harmonic means of k (22 C) over the boundaries in the map's field: per boundary, and
    weighted by each boundary's length on the pixel grid (the weight a line crossing gives)."""
    faces: dict[tuple[int, int], int] = {}
    for a, b in ((grains[:, 1:], grains[:, :-1]), (grains[1:, :], grains[:-1, :])):
        m = a != b
        lo, hi = np.minimum(a[m], b[m]), np.maximum(a[m], b[m])
        keys, counts = np.unique(np.stack([lo, hi], axis=1), axis=0, return_counts=True)
        for (i, j), c in zip(keys.tolist(), counts.tolist(), strict=True):
            faces[(i, j)] = faces.get((i, j), 0) + int(c)
    factor = {
        (int(a), int(b)): float(f) for (a, b), f in zip(poly.pairs, poly.k_factor, strict=True)
    }
    pairs = [(ij, n) for ij, n in faces.items() if ij in factor]
    k = np.array([k_median * factor[ij] for ij, _ in pairs])
    w = np.array([n for _, n in pairs], dtype=float)
    return {
        "k_22C_harmonic_mean_in_field": quantity(
            float(k.size / np.sum(1 / k)),
            None,
            "cm/s",
            note=f"over the {k.size} boundaries in the map",
        ),
        "k_22C_harmonic_mean_in_field_length_weighted": quantity(
            float(np.sum(w) / np.sum(w / k)),
            None,
            "cm/s",
            note="weighted by boundary length on the map's pixel grid",
        ),
        "k_22C_median_in_field": quantity(float(np.median(k)), None, "cm/s"),
        "k_22C_geometric_mean_in_field": quantity(
            float(np.exp(np.mean(np.log(k)))), None, "cm/s", note="over the same boundaries"
        ),
    }
