"""Run simulations from a configuration (``sim.toml``) or from a grain-label image.

``run_polycrystal_config``: microstructure -> thermal history -> fields -> SIMS images after
each measured stage -> ``truth.json`` and a preview figure.  ``run_labels_diffusion``: one
isothermal source stage on a given label image (uniform k) -> ``fraction.npy`` + ``truth.json``.
Quantities in configurations are strings with units ("59 h", "22 degC", "2.6e-8 cm^2/s").
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import ConfigError
from ..figures import new_figure
from ..history import Stage
from ..io.iontof import write_iontof_image
from ..outputs import atomic_dir, atomic_path, atomic_write_text, check_output_dir
from ..quantities import quantity, to_json
from .fv2d import evolve_polycrystal, homogenised_d_eff
from .labels_run import load_labels, polycrystal_from_labels, run_labels_diffusion
from .materials import MaterialLaw
from .memory import check_solver_memory
from .microstructure import Polycrystal, make_polycrystal
from .sim_config import (
    config_material,
    config_number,
    config_pair,
    config_shape,
    config_stages,
    read_config,
)
from .sims import SimsImage, simulate_sims_image

__all__ = [
    "load_labels",
    "polycrystal_from_labels",
    "read_config",
    "run_labels_diffusion",
    "run_polycrystal_config",
]


def _check_memory(cfg: dict[str, Any], n_stages: int) -> None:
    """Refuse (SolverError) before anything is built when the grid, its solve and the SIMS
    images would not fit in the available memory."""
    sims = cfg.get("sims", {})
    pixels = config_pair(sims, "pixels", (512.0, 206.0)) if "pixels" in sims else (512.0, 206.0)
    image_bytes = int(abs(pixels[0] * pixels[1])) * 80 * n_stages  # counts, fraction, blur
    check_solver_memory(config_shape(cfg), n_fields=n_stages, extra_bytes=image_bytes)


def _config_poly(cfg: dict[str, Any], rng: np.random.Generator) -> Polycrystal:
    grains = cfg.get("grains", {})
    return make_polycrystal(
        config_shape(cfg),
        pixel_size_um=config_number(cfg.get("grid", {}), "cell_um", 1.0),
        mean_um=config_number(grains, "mean_um", 16.0),
        sd_um=config_number(grains, "sd_um", 11.0),
        k_sigma_ln=config_number(grains, "k_sigma_ln", 0.4),
        yield_sigma_ln=config_number(grains, "yield_sigma_ln", 0.3),
        rng=rng,
    )


def _simulate_sims(
    fields: list[NDArray[np.float64]],
    measure: list[bool],
    poly: Polycrystal,
    sims: dict[str, Any],
    rng: np.random.Generator,
) -> dict[int, SimsImage]:
    """SIMS images (in memory) after every measured stage, keyed by the stage index."""
    cell, (ny, nx) = poly.pixel_size_um, poly.shape
    fov = config_pair(sims, "field_um", (min(500.0, nx * cell), min(200.0, ny * cell)))
    pv = config_pair(sims, "pixels", (round(fov[0] / 0.977), round(fov[1] / 0.971)))
    shots = (
        None
        if sims.get("shots_per_pixel") is None
        else config_number(sims, "shots_per_pixel", 1, int)
    )
    scans = None if sims.get("scans") is None else config_number(sims, "scans", 1, int)
    if (shots is not None and shots < 1) or (scans is not None and scans < 1):
        raise ConfigError("sim config sims.shots_per_pixel and sims.scans must be >= 1")
    return {
        i: simulate_sims_image(
            fld,
            cell_um=cell,
            yield_map=poly.yield_factor[poly.labels],
            field_um=fov,
            pixels=(int(pv[0]), int(pv[1])),
            mean_counts=config_number(sims, "mean_counts", 500.0),
            shots_per_pixel=shots,
            scans=scans,
            psf_sigma_px=config_number(sims, "psf_sigma_px", 0.7),
            rng=rng,
        )
        for i, (fld, meas) in enumerate(zip(fields, measure, strict=True))
        if meas
    }


def _write_fields(
    out: Path, fields: list[NDArray[np.float64]], images: dict[int, SimsImage]
) -> list[str]:
    files = []
    for i, fld in enumerate(fields):
        np.save(out / f"fraction_stage{i + 1}.npy", fld)
        files.append(f"fraction_stage{i + 1}.npy")
        if i not in images:
            continue
        img = images[i]
        for spc, counts in img.counts.items():
            name = f"stage{i + 1}_{spc}.txt"
            write_iontof_image(
                out / name,
                counts,
                species=spc,
                field_of_view_um=img.field_of_view_um,
                shots_per_pixel=img.shots_per_pixel,
                scans=img.scans,
            )
            files.append(name)
    return files


def run_polycrystal_config(
    cfg: dict[str, Any],
    out_dir: str | Path,
    *,
    seed: int | None = None,
    force: bool = False,
    inputs: Iterable[str | Path] = (),
) -> dict[str, Any]:
    """Simulate the configured polycrystal and history; write fields, SIMS images, truth.json
    and preview.png into ``out_dir`` (built in a temporary folder, renamed into place;
    ``inputs``, e.g. the configuration file, are never inside it); returns the truth mapping."""
    inputs = tuple(inputs)
    check_output_dir(out_dir, force=force, inputs=inputs)  # refuse before any work
    seed = int(config_number(cfg, "seed", 0, int) if seed is None else seed)
    stages, measure = config_stages(cfg.get("stage", []))
    _check_memory(cfg, len(stages))
    rng = np.random.default_rng(seed)
    poly = _config_poly(cfg, rng)
    mat = config_material(cfg.get("material", {}))
    gbf = str(cfg.get("gb_faces", "pixel"))
    c0, cs = _fractions(cfg)
    ev = evolve_polycrystal(
        poly,
        mat,
        stages,
        c_initial=c0,
        c_source=cs,
        gb_faces=gbf,
        rtol=config_number(cfg, "rtol", 1e-4),
    )
    images = _simulate_sims(ev.fields, measure, poly, cfg.get("sims", {}), rng)
    with atomic_dir(out_dir, force=force, inputs=inputs) as out:  # nothing written before this
        np.save(out / "labels.npy", poly.labels.astype(np.int32))
        files = ["labels.npy", *_write_fields(out, ev.fields, images)]
        truth = {
            "seed": seed,
            "config": cfg,
            "material": mat.to_dict(),
            "microstructure": poly.to_dict(),
            "integration": ev.to_dict(),
            "D_eff_homogenised_by_T_K": _d_eff_by_temperature(poly, mat, stages, gbf),
            "far_end_C_norm": _far_end(ev.fields, c0, cs),
            "files": [*files, "truth.json", "preview.png"],
        }
        atomic_write_text(out / "truth.json", to_json(truth) + "\n")
        _preview(out / "preview.png", poly, ev.fields, (c0, cs))
    return truth


def _fractions(cfg: dict[str, Any]) -> tuple[float, float]:
    """``c_initial`` and ``c_source`` of the configuration, isotope fractions in [0, 1]."""
    c0, cs = config_number(cfg, "c_initial", 0.0759), config_number(cfg, "c_source", 0.95)
    if not (0.0 <= c0 <= 1.0 and 0.0 <= cs <= 1.0):
        raise ConfigError(
            f"sim config c_initial, c_source must be fractions in [0, 1], got {c0}, {cs}"
        )
    return float(c0), float(cs)


def _d_eff_by_temperature(
    poly: Polycrystal, mat: MaterialLaw, stages: list[Stage], gb_faces: str
) -> dict[str, Any]:
    """The homogenised D_eff (cm^2/s) at each stage temperature, keyed by T in K."""
    return {
        f"{T:.2f}": quantity(
            homogenised_d_eff(poly, d_bulk=mat.d_bulk(T), k_median=mat.k_gb(T), gb_faces=gb_faces),
            None,
            "cm^2/s",
        )
        for T in sorted({s.temperature_K for s in stages})
    }


def _far_end(fields: list[NDArray[np.float64]], c0: float, cs: float) -> list[float | None]:
    """max |C - c_initial| at the closed far end over (c_source - c_initial), per stage: above
    ~1e-3 the profile reached the far end (make the domain longer)."""
    if cs == c0:
        return [None for _ in fields]
    return [float(np.max(np.abs(f[:, -1] - c0))) / abs(cs - c0) for f in fields]


def _preview(
    path: Path, poly: Polycrystal, fields: list[NDArray[np.float64]], c_range: tuple[float, float]
) -> None:
    """Grains and the fraction after each stage (at most 4), on one colour scale; drawn on a
    :class:`matplotlib.figure.Figure` (Agg canvas, no pyplot state)."""
    cell = poly.pixel_size_um
    ny, nx = poly.shape
    shown = list(enumerate(fields))[:4]
    fig = new_figure(width_in=8.0, height_in=1.2 + 1.6 * (len(shown) + 1))
    axes = fig.subplots(len(shown) + 1, 1, squeeze=False)
    ext = (0.0, nx * cell, ny * cell, 0.0)
    axes[0, 0].imshow(poly.labels % 20, cmap="tab20", extent=ext, interpolation="nearest")
    axes[0, 0].set_title(f"grains ({poly.n_grains}), source on the left edge")
    lo, hi = min(c_range), max(c_range)
    im = None
    for ax, (i, fld) in zip(axes[1:, 0], shown, strict=True):
        im = ax.imshow(fld, cmap="viridis", extent=ext, interpolation="nearest", vmin=lo, vmax=hi)
        ax.set_title(f"isotope fraction after stage {i + 1}")
    for ax in axes[:, 0]:
        ax.set_ylabel("y (um)")
    axes[-1, 0].set_xlabel("x (um)")
    if im is not None:
        fig.colorbar(im, ax=axes[:, 0].tolist(), label="C (isotope fraction)")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=80)
