"""Run simulations from a configuration (``sim.toml``) or from a grain-label image.

``run_polycrystal_config``: microstructure -> thermal history -> fields -> SIMS images after
each measured stage -> ``truth.json`` and a preview figure.  ``run_labels_diffusion``: one
isothermal source stage on a given label image (uniform k) -> ``fraction.npy`` + ``truth.json``.
Quantities in configurations are strings with units ("59 h", "22 degC", "2.6e-8 cm^2/s").
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import ConfigError, FileFormatError, InputError
from ..history import Stage
from ..io.iontof import write_iontof_image
from ..outputs import atomic_dir, atomic_path, atomic_write_text, check_output_dir
from ..quantities import quantity, to_json
from ..units import parse_quantity
from .fv2d import evolve_polycrystal, homogenised_d_eff
from .materials import MaterialLaw, llto_material
from .memory import check_solver_memory
from .microstructure import Polycrystal, make_polycrystal
from .sims import SimsImage, simulate_sims_image

__all__ = [
    "load_labels",
    "polycrystal_from_labels",
    "run_labels_diffusion",
    "run_polycrystal_config",
]

_TOP_KEYS = {
    "grid",
    "grains",
    "material",
    "stage",
    "sims",
    "c_initial",
    "c_source",
    "gb_faces",
    "rtol",
    "seed",
}


_SECTION_KEYS = {
    "grid": {"nx", "ny", "cell_um"},
    "grains": {"mean_um", "sd_um", "k_sigma_ln", "yield_sigma_ln"},
    "material": {"preset", "d_bulk_22C", "ea_bulk", "k_22C", "ea_k"},
    "sims": {"field_um", "pixels", "mean_counts", "shots_per_pixel", "scans", "psf_sigma_px"},
    "stage": {"temperature", "duration", "boundary", "end_temperature", "measure"},
}


def load_labels(path: str | Path) -> NDArray[np.int64]:
    """An integer label image from ``.npy`` or TIFF (rows y, columns x).  The declared shape is
    checked (2D, integer, the 2D solve fits in memory) before the values are read."""
    p = Path(path)
    if not p.is_file():
        raise FileFormatError(f"label image {p} not found")
    if p.suffix.lower() not in (".npy", ".tif", ".tiff"):
        raise FileFormatError(f"label image {p}: expected .npy or .tif/.tiff")
    try:
        a = _declared_labels(p)
        if a.ndim != 2 or not np.issubdtype(a.dtype, np.integer) or a.shape[1] < 2:
            raise FileFormatError(
                f"label image {p}: expected a 2D integer image, got {a.dtype} {a.shape}"
            )
        check_solver_memory(a.shape)  # before anything of the size of the grid is read
        return np.asarray(a, dtype=np.int64)
    except (OSError, ValueError, EOFError) as exc:
        if isinstance(exc, FileFormatError):
            raise
        raise FileFormatError(f"label image {p} unreadable ({type(exc).__name__})") from None


def _declared_labels(p: Path) -> Any:
    """The label array without reading it: memory-mapped ``.npy``, or the TIFF's first series
    (read only when asked for)."""
    if p.suffix.lower() == ".npy":
        return np.load(p, mmap_mode="r", allow_pickle=False)
    import tifffile

    with tifffile.TiffFile(p) as tf:
        series = tf.series[0]
        if len(series.shape) != 2 or not np.issubdtype(series.dtype, np.integer):
            return np.empty(series.shape if len(series.shape) != 2 else (0, 0), series.dtype)
        check_solver_memory((int(series.shape[0]), int(series.shape[1])))
        return series.asarray()


def polycrystal_from_labels(labels: NDArray[Any], *, pixel_size_um: float) -> Polycrystal:
    """A :class:`Polycrystal` of given labels with every GB at the median k and yield 1."""
    from .microstructure import _relabel, grain_pairs

    lab = _relabel(np.asarray(labels, dtype=np.int64))
    pairs, _, _ = grain_pairs(lab)
    n = int(lab.max()) + 1
    return Polycrystal(
        labels=lab,
        pixel_size_um=float(pixel_size_um),
        pairs=pairs,
        k_factor=np.ones(pairs.shape[0]),
        yield_factor=np.ones(n),
        target_diameters_um=np.zeros(0),
        description="given labels",
    )


def run_labels_diffusion(
    labels: NDArray[Any],
    out_dir: str | Path,
    *,
    pixel_size_um: float,
    d_bulk: float,
    k: float,
    c_initial: float,
    c_source: float,
    time_s: float,
    source: str = "left",
    steps: int | None = None,
    rtol: float | None = 1e-4,
    gb_faces: str = "pixel",
    temperature_K: float = 295.15,
    force: bool = False,
    inputs: Iterable[str | Path] = (),
) -> dict[str, Any]:
    """Diffuse from ``source`` for ``time_s`` with uniform ``d_bulk`` (cm^2/s) and GB ``k``
    (cm/s); writes ``fraction.npy`` and ``truth.json`` into ``out_dir`` (built in a temporary
    folder, renamed into place; ``inputs`` are never inside it); returns the truth."""
    inputs = tuple(inputs)
    check_output_dir(out_dir, force=force, inputs=inputs)  # refuse before any work
    for name, v in (("pixel size", pixel_size_um), ("D_b", d_bulk), ("k", k), ("time", time_s)):
        if not (v > 0 and np.isfinite(v)):
            raise InputError(f"{name} must be finite and > 0, got {v}")
    if source not in ("left", "right", "top", "bottom"):
        raise InputError(f"source must be left, right, top or bottom, got {source!r}")
    check_solver_memory(np.shape(labels))  # before the grid is built
    poly = polycrystal_from_labels(labels, pixel_size_um=pixel_size_um)
    mat = MaterialLaw(d0_bulk=d_bulk, ea_bulk_eV=0.0, k0=k, ea_k_eV=0.0)
    ev = evolve_polycrystal(
        poly,
        mat,
        [Stage(temperature_K, time_s, "source")],
        c_initial=c_initial,
        c_source=c_source,
        source_side=source,
        gb_faces=gb_faces,
        rtol=None if steps else rtol,
        steps=steps,
    )
    d_eff = homogenised_d_eff(
        poly,
        d_bulk=d_bulk,
        k_median=k,
        gb_faces=gb_faces,
        axis="x" if source in ("left", "right") else "y",
    )
    rep = ev.reports[0]
    truth = {
        "pixel_size": quantity(pixel_size_um, None, "um"),
        "D_bulk": quantity(d_bulk, None, "cm^2/s"),
        "k": quantity(k, None, "cm/s"),
        "c_initial": c_initial,
        "c_source": c_source,
        "source": source,
        "time": quantity(time_s, None, "s"),
        "gb_faces": gb_faces,
        "steps": rep.steps,
        "error_estimate": rep.error_estimate,
        "rtol": None if steps else rtol,
        "scheme": "TR-BDF2",
        "D_eff_homogenised": quantity(d_eff, None, "cm^2/s"),
        "shape": list(poly.shape),
        "n_grains": poly.n_grains,
    }
    with atomic_dir(out_dir, force=force, inputs=inputs) as out:
        with atomic_path(out / "fraction.npy") as tmp, open(tmp, "wb") as fh:
            np.save(fh, ev.fields[0].astype(np.float64))
        atomic_write_text(out / "truth.json", to_json(truth) + "\n")
    return truth


def _q(cfg: dict[str, Any], key: str, kind: str, default: str | None = None) -> float:
    v = cfg.get(key, default)
    if v is None:
        raise ConfigError(f"sim config: missing {key!r}")
    try:
        return parse_quantity(str(v), kind)
    except InputError as exc:
        raise ConfigError(f"sim config {key!r}: {exc}") from None


def _material(cfg: dict[str, Any]) -> MaterialLaw:
    if cfg.get("preset", "llto") != "llto":
        raise ConfigError("sim config material.preset: only 'llto' is known")
    return llto_material(
        d_bulk_22C=_q(cfg, "d_bulk_22C", "diffusivity", "2.6e-8 cm^2/s"),
        ea_bulk_eV=_q(cfg, "ea_bulk", "energy", "0.35 eV"),
        k_22C=_q(cfg, "k_22C", "velocity", "1.5e-6 cm/s"),
        ea_k_eV=_q(cfg, "ea_k", "energy", "0.43 eV"),
    )


def _stages(cfg: list[dict[str, Any]]) -> tuple[list[Stage], list[bool]]:
    if not cfg:
        raise ConfigError("sim config: at least one [[stage]] is needed")
    stages, measure = [], []
    for s in cfg:
        end = s.get("end_temperature")
        stages.append(
            Stage(
                _q(s, "temperature", "temperature"),
                _q(s, "duration", "time"),
                str(s.get("boundary", "closed")),
                None if end is None else _q(s, "end_temperature", "temperature"),
            )
        )
        measure.append(bool(s.get("measure", True)))
    return stages, measure


def read_config(path: str | Path) -> dict[str, Any]:
    """Parse a ``sim.toml`` (keys documented in docs/simulate.md)."""
    p = Path(path)
    try:
        cfg = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"sim config {p}: {exc}") from None
    unknown = set(cfg) - _TOP_KEYS
    if unknown:
        raise ConfigError(f"sim config {p}: unknown keys {sorted(unknown)}")
    for name, keys in _SECTION_KEYS.items():
        sections = cfg.get(name, {})
        for sec in sections if isinstance(sections, list) else [sections]:
            if not isinstance(sec, dict):
                raise ConfigError(f"sim config {p}: [{name}] must be a table")
            bad = set(sec) - keys
            if bad:
                raise ConfigError(f"sim config {p}: unknown keys in [{name}]: {sorted(bad)}")
    return cfg


def _num(section: dict[str, Any], key: str, default: float, cast: type = float) -> Any:
    try:
        return cast(section.get(key, default))
    except (TypeError, ValueError):
        raise ConfigError(
            f"sim config {key!r}: expected a number, got {section.get(key)!r}"
        ) from None


def _config_shape(cfg: dict[str, Any]) -> tuple[int, int]:
    grid = cfg.get("grid", {})
    shape = (_num(grid, "ny", 200, int), _num(grid, "nx", 600, int))
    if shape[0] < 1 or shape[1] < 2:
        raise ConfigError(
            f"sim config grid: need ny >= 1 and nx >= 2, got ny={shape[0]}, nx={shape[1]}"
        )
    return shape


def _check_memory(cfg: dict[str, Any], n_stages: int) -> None:
    """Refuse (SolverError) before anything is built when the grid, its solve and the SIMS
    images would not fit in the available memory."""
    sims = cfg.get("sims", {})
    pixels = _pair_of(sims, "pixels", (512.0, 206.0)) if "pixels" in sims else (512.0, 206.0)
    image_bytes = int(abs(pixels[0] * pixels[1])) * 80 * n_stages  # counts, fraction, blur
    check_solver_memory(_config_shape(cfg), n_fields=n_stages, extra_bytes=image_bytes)


def _config_poly(cfg: dict[str, Any], rng: np.random.Generator) -> Polycrystal:
    grains = cfg.get("grains", {})
    return make_polycrystal(
        _config_shape(cfg),
        pixel_size_um=_num(cfg.get("grid", {}), "cell_um", 1.0),
        mean_um=_num(grains, "mean_um", 16.0),
        sd_um=_num(grains, "sd_um", 11.0),
        k_sigma_ln=_num(grains, "k_sigma_ln", 0.4),
        yield_sigma_ln=_num(grains, "yield_sigma_ln", 0.3),
        rng=rng,
    )


def _pair_of(sims: dict[str, Any], key: str, default: tuple[float, float]) -> tuple[float, float]:
    v = sims.get(key, default)
    try:
        a, b = (float(t) for t in v)
    except (TypeError, ValueError):
        raise ConfigError(f"sim config sims.{key}: expected two numbers, got {v!r}") from None
    return a, b


def _simulate_sims(
    fields: list[NDArray[np.float64]],
    measure: list[bool],
    poly: Polycrystal,
    sims: dict[str, Any],
    rng: np.random.Generator,
) -> dict[int, SimsImage]:
    """SIMS images (in memory) after every measured stage, keyed by the stage index."""
    cell, (ny, nx) = poly.pixel_size_um, poly.shape
    fov = _pair_of(sims, "field_um", (min(500.0, nx * cell), min(200.0, ny * cell)))
    pv = _pair_of(sims, "pixels", (round(fov[0] / 0.977), round(fov[1] / 0.971)))
    shots = None if sims.get("shots_per_pixel") is None else _num(sims, "shots_per_pixel", 1, int)
    scans = None if sims.get("scans") is None else _num(sims, "scans", 1, int)
    if (shots is not None and shots < 1) or (scans is not None and scans < 1):
        raise ConfigError("sim config sims.shots_per_pixel and sims.scans must be >= 1")
    return {
        i: simulate_sims_image(
            fld,
            cell_um=cell,
            yield_map=poly.yield_factor[poly.labels],
            field_um=fov,
            pixels=(int(pv[0]), int(pv[1])),
            mean_counts=_num(sims, "mean_counts", 500.0),
            shots_per_pixel=shots,
            scans=scans,
            psf_sigma_px=_num(sims, "psf_sigma_px", 0.7),
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
    seed = int(_num(cfg, "seed", 0, int) if seed is None else seed)
    stages, measure = _stages(cfg.get("stage", []))
    _check_memory(cfg, len(stages))
    rng = np.random.default_rng(seed)
    poly = _config_poly(cfg, rng)
    mat = _material(cfg.get("material", {}))
    gbf = str(cfg.get("gb_faces", "pixel"))
    c0, cs = _num(cfg, "c_initial", 0.0759), _num(cfg, "c_source", 0.95)
    if not (0.0 <= c0 <= 1.0 and 0.0 <= cs <= 1.0):
        raise ConfigError(
            f"sim config c_initial, c_source must be fractions in [0, 1], got {c0}, {cs}"
        )
    ev = evolve_polycrystal(
        poly, mat, stages, c_initial=c0, c_source=cs, gb_faces=gbf, rtol=_num(cfg, "rtol", 1e-4)
    )
    d_eff = {
        f"{T:.2f}": quantity(
            homogenised_d_eff(poly, d_bulk=mat.d_bulk(T), k_median=mat.k_gb(T), gb_faces=gbf),
            None,
            "cm^2/s",
        )
        for T in sorted({s.temperature_K for s in stages})
    }
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
            "D_eff_homogenised_by_T_K": d_eff,
            # > ~1e-3: the profile reached the closed far end (make the domain longer)
            "far_end_C_norm": [
                float(np.max(np.abs(f[:, -1] - c0))) / abs(cs - c0) if cs != c0 else None
                for f in ev.fields
            ],
            "files": [*files, "truth.json", "preview.png"],
        }
        atomic_write_text(out / "truth.json", to_json(truth) + "\n")
        _preview(out / "preview.png", poly, ev.fields, (c0, cs))
    return truth


def _preview(
    path: Path, poly: Polycrystal, fields: list[NDArray[np.float64]], c_range: tuple[float, float]
) -> None:
    """Grains and the fraction after each stage (at most 4), on one colour scale; drawn on a
    :class:`matplotlib.figure.Figure` (Agg canvas, no pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    cell = poly.pixel_size_um
    ny, nx = poly.shape
    shown = list(enumerate(fields))[:4]
    fig = Figure(figsize=(8, 1.2 + 1.6 * (len(shown) + 1)), layout="constrained")
    FigureCanvasAgg(fig)
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
