"""The bundled demo data set: the LLTO study (Hasegawa et al. 2024) as a simulated experiment.

Samples (22 C exchanges in 95 % 6Li, natural fraction 0.0759 elsewhere):
A: 59 h exchange, map; 16 d storage at 22 C, map (2D polycrystal, cryo-SIMS images).
B: 110 h exchange, line scan; 2 and 6 weeks cumulative storage at 22 C, line scans (each
line-scan sample is a 2D polycrystal strip 10 mm long and 64 um wide, ``STRIPS``; a scan
averages the field across the strip).
C: 63 h exchange, line scan; 3.8 h at 200 C, line scan.   D: 60 h, then 4 h at 100 C.
E: 60 h, then 10 min at 250 C.  Plus bulk and GB conductivity tables for the Haven ratio, a
bulk (NMR-like) D_b table for the quench check, and impedance spectra of a pellet at the
conductivity tables' temperatures (``spectra``: sigma from D_b and l k through
Nernst-Einstein with the same Haven ratios; their own random stream).
Every file is listed in ``manifest.json``; every input parameter and the truths in
``truth.json``.  The truths are computed independently of the analyses and like for like: the 2D
homogenised D_eff of the map's microstructure (steady-state flux solve), each line-scan strip's
homogenised D_eff, the apparent Ea of D_eff over the anneal temperatures, harmonic means of k
over the boundaries in the field, the GB Haven ratio of the quantity measured (D_eff over the
GB D_sigma).  Deterministic for a given seed (bit-for-bit).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..history import Stage
from ..io.iontof import write_iontof_image
from ..io.profile_csv import write_profile_csv
from ..outputs import atomic_dir, atomic_write_text, check_output_dir
from ..quantities import quantity, to_json
from ..results import ResultMixin
from ..units import E_CHARGE_C, K_B_J
from .fv2d import evolve_polycrystal, homogenised_d_eff
from .materials import LLTO_REFERENCE, MaterialLaw, llto_material
from .microstructure import make_polycrystal
from .sims import simulate_line_scan, simulate_sims_image
from .spectra import write_demo_spectra

__all__ = ["DEMO_SEED", "DemoResult", "build_demo_dataset", "bundled_demo_path"]

DEMO_SEED = 2024
H, D = 3600.0, 86400.0
T22 = 295.15
C_NAT, C_SRC = LLTO_REFERENCE["c_natural"], LLTO_REFERENCE["c_source"]
#: line-scan samples: name -> list of (stage, label of the scan taken after it)
LINE_SAMPLES: dict[str, list[tuple[Stage, str]]] = {
    "B": [
        (Stage(T22, 110 * H, "source"), "exchanged"),
        (Stage(T22, 14 * D), "2 weeks"),
        (Stage(T22, 28 * D), "6 weeks"),
    ],
    "C": [(Stage(T22, 63 * H, "source"), "exchanged"), (Stage(473.15, 3.8 * H), "200 C 3.8 h")],
    "D": [(Stage(T22, 60 * H, "source"), "exchanged"), (Stage(373.15, 4 * H), "100 C 4 h")],
    "E": [(Stage(T22, 60 * H, "source"), "exchanged"), (Stage(523.15, 600.0), "250 C 10 min")],
}
MAP_SAMPLE: list[tuple[Stage, str]] = [
    (Stage(T22, 59 * H, "source"), "exchanged"),
    (Stage(T22, 16 * D), "16 days"),
]
#: acquisition: shots per pixel x scans = primary pulses per pixel (dead time not corrected)
MAP_ACQ = {
    "mean_counts": 500.0,
    "shots_per_pixel": 16,
    "scans": 150,
    "psf_sigma_px": 0.7,
    "yield_sigma_ln": 0.3,
}
SCAN_ACQ = {"raster_um": 50.0, "step_um": 50.0, "length_um": 8000.0, "counts_per_spot": 1.0e5}
HAVEN_BULK, HAVEN_GB = 0.8, 0.24  # assumptions: bulk H_R, GB H_R as the study's 0.048 / 0.20
SIZES: dict[str, tuple[tuple[int, int], float]] = {  # map cells (ny, nx), strip length um
    "full": ((200, 4000), 10000.0),
    "small": ((60, 400), 10000.0),
}
#: line-scan strips: (cells across, cell size um); 64 um wide in the full data set
STRIPS: dict[str, tuple[int, float]] = {"full": (32, 2.0), "small": (6, 4.0)}


@dataclass(frozen=True)
class DemoResult(ResultMixin):
    """Where the demo went and what it holds."""

    path: Path
    files: list[str]
    seed: int
    sha256: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain summary."""
        return {
            "path": str(self.path),
            "seed": self.seed,
            "files": self.files,
            "sha256": self.sha256,
        }


def bundled_demo_path() -> Path:
    """The demo data set shipped with tracerdiff (``tracerdiff/data/demo``)."""
    return Path(__file__).resolve().parents[1] / "data" / "demo"


def _entry(
    name: str, sample: str, step: int, what: str, t_s: float, temps: list[float], **extra: Any
) -> dict[str, Any]:
    return {
        "file": name,
        "sample": sample,
        "step": step,
        "what": what,
        "time_since_exchange_s": t_s,
        "temperatures_K": temps,
        **extra,
    }


def _map_sample(
    out: Path, mat: MaterialLaw, size: str, rng: np.random.Generator
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    poly = make_polycrystal(
        SIZES[size][0],
        mean_um=16.0,
        sd_um=11.0,
        k_sigma_ln=0.4,
        yield_sigma_ln=MAP_ACQ["yield_sigma_ln"],
        rng=rng,
    )
    stages = [s for s, _ in MAP_SAMPLE]
    ev = evolve_polycrystal(
        poly, mat, stages, c_initial=C_NAT, c_source=C_SRC, rtol=1e-4, gb_faces="corrected"
    )
    fov = (500.0, 200.0) if size == "full" else (100.0, 40.0)
    pix = (512, 206) if size == "full" else (103, 41)
    psize = [fov[0] / pix[0], fov[1] / pix[1]]
    entries, t = [], 0.0
    for i, ((st, label), fld) in enumerate(zip(MAP_SAMPLE, ev.fields, strict=True)):
        t += st.duration_s
        img = simulate_sims_image(
            fld,
            cell_um=1.0,
            yield_map=poly.yield_factor[poly.labels],
            field_um=fov,
            pixels=pix,
            mean_counts=MAP_ACQ["mean_counts"],
            psf_sigma_px=0.7,
            shots_per_pixel=16,
            scans=150,
            rng=rng,
        )
        for sp_name, mass in (("6Li", 6.0151), ("7Li", 7.0160)):
            name = f"A_map{i + 1}_{sp_name}.txt"
            write_iontof_image(
                out / name,
                img.counts[sp_name],
                species=sp_name,
                mass=mass,
                field_of_view_um=fov,
                shots_per_pixel=16,
                scans=150,
            )
            entries.append(
                _entry(
                    name,
                    "A",
                    i + 1,
                    f"cryo-SIMS map, {label}",
                    t,
                    [st.temperature_K],
                    kind="image",
                    species=sp_name,
                    pair="6Li/7Li",
                    pixel_size_um=psize,
                )
            )
        name = f"A_map{i + 1}_fraction_true.npy"
        np.save(out / name, img.expected_fraction.astype(np.float32))
        entries.append(
            _entry(
                name,
                "A",
                i + 1,
                "noise-free fraction on the pixel grid (truth)",
                t,
                [st.temperature_K],
                kind="truth_field",
            )
        )
    truth = _map_truth(out, poly, mat, fov, pix, ev.to_dict())
    truth["far_end_C_norm"] = [float(np.max(f[:, -1]) - C_NAT) / (C_SRC - C_NAT) for f in ev.fields]
    entries.append(
        _entry(
            "A_grains.npy",
            "A",
            0,
            "grain labels on the map pixel grid (thermal etch micrograph stand-in)",
            0.0,
            [],
            kind="grain_map",
            pixel_size_um=psize,
        )
    )
    return entries, truth


def _map_truth(
    out: Path,
    poly: Any,
    mat: MaterialLaw,
    fov: tuple[float, float],
    pix: tuple[int, int],
    integration: dict[str, Any],
) -> dict[str, Any]:
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
    k_field = _k_in_field(grains, poly, mat.k_gb(T22))
    d_eff = {
        f"{T:.2f}": quantity(
            homogenised_d_eff(
                poly, d_bulk=mat.d_bulk(T), k_median=mat.k_gb(T), gb_faces="corrected"
            ),
            None,
            "cm^2/s",
        )
        for T in (T22,)
    }
    return {
        "microstructure": poly.to_dict(),
        "gb_faces": "corrected",
        "D_eff_homogenised_by_T_K": d_eff,
        "gb_in_field": gbs,
        **k_field,
        "integration": integration,
        "history": [{"stage": s.to_dict(), "label": lab} for s, lab in MAP_SAMPLE],
        "acquisition": MAP_ACQ,
    }


def _k_in_field(grains: np.ndarray, poly: Any, k_median: float) -> dict[str, Any]:
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
    }


def _line_sample(
    out: Path, name: str, mat: MaterialLaw, size: str, rng: np.random.Generator
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A 2D polycrystal strip (Laguerre grains 16 +- 11 um, lognormal k per boundary) exchanged
    at x = 0 and annealed; each scan averages the field across the strip; the truth of each step
    is the strip's own homogenised D_eff (steady-state flux solve)."""
    plan = LINE_SAMPLES[name]
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
        [s for s, _ in plan],
        c_initial=C_NAT,
        c_source=C_SRC,
        rtol=1e-4,
        gb_faces="corrected",
    )
    x = np.asarray((np.arange(poly.shape[1]) + 0.5) * h, dtype=np.float64)
    pos = np.arange(0.5 * SCAN_ACQ["step_um"], SCAN_ACQ["length_um"], SCAN_ACQ["step_um"])
    entries, t, truth_steps = [], 0.0, []
    for i, ((st, label), fld) in enumerate(zip(plan, ev.fields, strict=True)):
        t += st.duration_s
        c = np.asarray(fld.mean(axis=0), dtype=np.float64)
        prof = simulate_line_scan(
            x,
            c,
            positions_um=pos,
            raster_um=SCAN_ACQ["raster_um"],
            counts_per_spot=SCAN_ACQ["counts_per_spot"],
            rng=rng,
        )
        prof.attrs.update({"sample": name, "step": i + 1, "source_file": f"{name}_scan{i + 1}"})
        fname = f"{name}_scan{i + 1}.csv"
        write_profile_csv(prof, out / fname)
        entries.append(
            _entry(
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
        T = st.temperature_K
        d_eff = homogenised_d_eff(
            poly, d_bulk=mat.d_bulk(T), k_median=mat.k_gb(T), gb_faces="corrected"
        )
        truth_steps.append(
            {
                "stage": st.to_dict(),
                "label": label,
                "far_end_C_norm": float(np.max(fld[:, -1]) - C_NAT) / (C_SRC - C_NAT),
                "D_eff_homogenised": quantity(d_eff, None, "cm^2/s"),
                "D_bulk": quantity(mat.d_bulk(T), None, "cm^2/s"),
                "k_median": quantity(mat.k_gb(T), None, "cm/s"),
            }
        )
    return entries, {
        "microstructure": poly.to_dict(),
        "gb_faces": "corrected",
        "steps": truth_steps,
        "k_factor_harmonic_mean": float(1 / np.mean(1 / poly.k_factor)),
    }


def _bulk_table(out: Path, mat: MaterialLaw, rng: np.random.Generator) -> list[dict[str, Any]]:
    """D_b at -20..120 C with 5 % errors (an NMR-like bulk measurement of the simulated law)."""
    t_k = np.arange(-20.0, 121.0, 20.0) + 273.15
    d = np.array([mat.d_bulk(float(t)) for t in t_k])
    meas = d * np.exp(rng.normal(0.0, 0.05, size=d.size))
    lines = ["T_K,D,D_err"] + [
        f"{a:.2f},{b:.6e},{0.05 * b:.6e}" for a, b in zip(t_k, meas, strict=True)
    ]
    name = "D_bulk_nmr.csv"
    atomic_write_text(out / name, "\n".join(lines) + "\n")
    return [
        _entry(
            name,
            "bulk",
            0,
            "bulk D_b (cm^2/s), NMR-like, 5 % errors",
            0.0,
            t_k.tolist(),
            kind="bulk_diffusivity",
        )
    ]


def _apparent_truths(samples: dict[str, Any], mat: MaterialLaw) -> dict[str, Any]:
    """Truths of the Arrhenius and Haven analyses, on the quantities they measure: the straight
    line through each anneal sample's homogenised D_eff (the apparent Ea over the demo's
    temperatures) and the GB Haven ratio of D_eff against the GB D_sigma at the centre (in 1/T)
    of the temperatures both data sets cover."""
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
    t_cond = np.arange(-20.0, 121.0, 20.0) + 273.15
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


def _conductivity(out: Path, mat: MaterialLaw, rng: np.random.Generator) -> list[dict[str, Any]]:
    t_c = np.arange(-20.0, 121.0, 20.0)
    t_k = t_c + 273.15
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
            for a, b, c in zip(t_c, t_k, meas, strict=True)
        ]
        name = f"conductivity_{kind}.csv"
        atomic_write_text(out / name, "\n".join(lines) + "\n")
        entries.append(
            _entry(
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


def build_demo_dataset(
    out_dir: str | Path, *, seed: int = DEMO_SEED, force: bool = False, size: str = "full"
) -> DemoResult:
    """Write the demo data set into ``out_dir``: built in a temporary folder beside it and
    renamed into place when complete (``tracerdiff.outputs.atomic_dir``: an earlier tracerdiff
    output there needs ``force``, any other non-empty folder is refused).

    ``size="small"`` makes a tiny map (for tests); the bundled data set is ``"full"``.
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {sorted(SIZES)}")
    check_output_dir(out_dir, force=force)  # refuse before any work
    with atomic_dir(out_dir, force=force) as tmp:
        _write_demo(tmp, seed, size)
        files = sorted(p.name for p in tmp.iterdir() if p.is_file())
        sha = {f: hashlib.sha256((tmp / f).read_bytes()).hexdigest() for f in files}
    return DemoResult(path=Path(out_dir), files=files, seed=seed, sha256=sha)


def _write_demo(out: Path, seed: int, size: str) -> None:
    """Every file of the demo data set, into the (temporary) folder ``out``."""
    rng = np.random.default_rng(seed)
    mat = llto_material()
    entries, truth_a = _map_sample(out, mat, size, rng)
    samples: dict[str, Any] = {"A": truth_a}
    for name in LINE_SAMPLES:
        e, tr = _line_sample(out, name, mat, size, rng)
        entries += e
        samples[name] = tr
    entries += _conductivity(out, mat, rng)
    entries += _bulk_table(out, mat, rng)
    spectra, spectra_truth = write_demo_spectra(
        out,
        mat,
        seed=seed,
        haven_bulk=HAVEN_BULK,
        haven_gb=HAVEN_GB,
        grain_um=LLTO_REFERENCE["grain_mean_um"],
        li_density_cm3=LLTO_REFERENCE["li_density_cm3"],
    )
    entries += spectra
    truth = {
        "seed": seed,
        "size": size,
        "material": mat.to_dict(),
        "reference": LLTO_REFERENCE,
        "c_natural": C_NAT,
        "c_source": C_SRC,
        "haven_bulk": HAVEN_BULK,
        "haven_gb": HAVEN_GB,
        "scan_acquisition": SCAN_ACQ,
        "samples": samples,
        "series_model_22C_mean_grain": quantity(
            1 / (1 / mat.d_bulk(T22) + 1 / (16e-4 * mat.k_gb(T22))),
            None,
            "cm^2/s",
            note="the series formula itself (not a truth): compare models with "
            "samples/A/D_eff_homogenised_by_T_K",
        ),
        **_apparent_truths(samples, mat),
        "impedance": spectra_truth,
    }
    atomic_write_text(out / "truth.json", to_json(truth) + "\n")
    manifest = {
        "description": "tracerdiff demo: simulated LLTO cryo-SIMS study",
        "seed": seed,
        "files": [
            *entries,
            _entry("truth.json", "all", 0, "every input parameter", 0.0, [], kind="truth"),
        ],
    }
    atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=2) + "\n")
