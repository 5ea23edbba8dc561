"""The bundled demo data set: the LLTO study (Hasegawa et al. 2024) as a simulated experiment.

Samples (22 C exchanges in 95 % 6Li, natural fraction 0.0759 elsewhere):
A: 59 h exchange, map; 16 d storage at 22 C, map (2D polycrystal, the study's 5 h cryo-SIMS
images), and a 10 h acquisition of the 59 h field for the boundaries' in-grain gradients
(:mod:`.demo_map`).
B: 110 h exchange, line scan; 2 and 6 weeks cumulative storage at 22 C, line scans (each
line-scan sample is a 2D polycrystal strip 10 mm long and 64 um wide; a scan averages the field
across the strip, :mod:`.demo_lines`).
C: 63 h exchange, line scan; 3.8 h at 200 C, line scan.   D: 60 h, then 4 h at 100 C.
E: 60 h, then 10 min at 250 C.  Plus bulk and GB conductivity tables for the Haven ratio, a
bulk (NMR-like) D_b table for the quench check (:mod:`.demo_tables`), and impedance spectra of a
pellet at the conductivity tables' temperatures (:mod:`.spectra`).  The plan - histories,
acquisitions, sizes - is :mod:`.demo_plan`.
Every file is listed in ``manifest.json``; every input parameter and the truths in
``truth.json``.  The truths are computed independently of the analyses and like for like: the 2D
homogenised D_eff of the map's microstructure (steady-state flux solve), each line-scan strip's
homogenised D_eff, the apparent Ea of D_eff over the anneal temperatures (:mod:`.demo_truths`),
harmonic means of k over the boundaries in the field, the GB Haven ratio of the quantity
measured (D_eff over the GB D_sigma).  Deterministic for a given seed (bit-for-bit); the long
map acquisition and the spectra draw from their own streams, so the other files do not depend
on them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..outputs import atomic_dir, atomic_write_text, check_output_dir
from ..quantities import to_json
from ..results import ResultMixin
from .demo_lines import line_sample
from .demo_map import map_sample
from .demo_plan import (
    C_NAT,
    C_SRC,
    DEMO_SEED,
    HAVEN_BULK,
    HAVEN_GB,
    LINE_SAMPLES,
    MAP_LONG_STREAM,
    SCAN_ACQ,
    SIZES,
    entry,
)
from .demo_tables import bulk_table, conductivity_tables
from .demo_truths import apparent_truths, series_formula_value
from .materials import LLTO_REFERENCE, llto_material
from .spectra import write_demo_spectra

__all__ = ["DEMO_SEED", "DemoResult", "build_demo_dataset", "bundled_demo_path"]


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
    entries, truth_a = map_sample(
        out, mat, size, rng, np.random.default_rng([seed, MAP_LONG_STREAM])
    )
    samples: dict[str, Any] = {"A": truth_a}
    for name in LINE_SAMPLES:
        e, tr = line_sample(out, name, mat, size, rng)
        entries += e
        samples[name] = tr
    entries += conductivity_tables(out, mat, rng)
    entries += bulk_table(out, mat, rng)
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
        "series_model_22C_mean_grain": series_formula_value(mat),
        **apparent_truths(samples, mat),
        "impedance": spectra_truth,
    }
    atomic_write_text(out / "truth.json", to_json(truth) + "\n")
    manifest = {
        "description": "tracerdiff demo: simulated LLTO cryo-SIMS study",
        "seed": seed,
        "files": [
            *entries,
            entry("truth.json", "all", 0, "every input parameter", 0.0, [], kind="truth"),
        ],
    }
    atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=2) + "\n")
