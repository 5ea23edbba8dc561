"""Closed loops for the grain-sampling error of evolution fits at the demo's line-scan histories.

Each loop builds a 2D polycrystal strip as the demo's line-scan samples are built
(``simulate.demo_lines``: Laguerre grains 16 +- 11 um, k sigma_ln 0.4, 64 um x 10 mm on 2 um
cells), runs one of the demo's histories B-E (``simulate.demo_plan.LINE_SAMPLES``: exchange at
22 C, then storage at 22 C for 2 + 4 weeks, or an anneal at 100, 200 or 250 C), takes the
demo's spot line scans of every state (50 um raster and steps over 8 mm, 1e5 counts) and fits
the evolution from the first scan to the later ones at the anneal temperature, as the demo's
``evolution_fit`` analyses do.  The truth is the material's homogenised D_eff at that
temperature: the population value of the strips (strip length over the mean steady-state
resistance of all strips of the run, each from a flux solve, as in ``grain_sampling_loops``).

Run ``python tests/validation/demo_history_loops.py [n] [B,C,D,E] [raw.json]`` for the tables of
docs/validation.md.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from tracerdiff.fitting import GrainStatistics, as_profile_data, fit_evolution
from tracerdiff.simulate import homogenised_d_eff, llto_material
from tracerdiff.simulate.demo_lines import line_strip, scan_profile
from tracerdiff.simulate.demo_plan import LINE_SAMPLES, SIZES, STRIPS

# the sibling loops module (its chains, truths and tables), also when this file is loaded by path
sys.path.insert(0, str(Path(__file__).parent))
import grain_sampling_loops

NY, CELL_UM = STRIPS["full"]
LENGTH_UM = SIZES["full"][1]
GRAINS = GrainStatistics(mean_um=16.0, sd_um=11.0, k_sigma_ln=0.4, width_um=NY * CELL_UM)


def history_loop(name: str, seed: int) -> dict[str, Any]:
    """One strip through history ``name``; the evolution fit's D_eff per error mode, and the
    strip's own flux-solve D_eff at the anneal temperature."""
    rng = np.random.default_rng([20_000, ord(name), seed])
    mat = llto_material()
    stages = [st for st, _ in LINE_SAMPLES[name]]
    poly, fields, x = line_strip(name, mat, "full", rng)  # the demo's own strip and scans
    scans = [as_profile_data(scan_profile(x, f, rng)) for f in fields]
    t_anneal = stages[1].temperature_K
    times = np.cumsum([st.duration_s for st in stages[1:]]).tolist()
    grains = {
        "grains": GRAINS,
        "grains + D_b": dataclasses.replace(GRAINS, d_bulk=mat.d_bulk(t_anneal)),
    }
    d, se, ci = {}, {}, {}
    for mode in ("default", "grains", "grains + D_b", "homogeneous"):
        spec = grains.get(mode, "estimate" if mode == "default" else mode)
        r = fit_evolution(scans[0], scans[1:], times_s=times, microstructure=spec)
        d[mode], se[mode], ci[mode] = r.values["D_eff"], r.stderr["D_eff"], r.ci95["D_eff"]
    truth = homogenised_d_eff(
        poly, d_bulk=mat.d_bulk(t_anneal), k_median=mat.k_gb(t_anneal), gb_faces="corrected"
    )
    return {"truth": truth, "length_um": LENGTH_UM, "evolution": (d, se, ci)}


def tables(res: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per error mode against the population value (``grain_sampling_loops.table``)."""
    g = grain_sampling_loops
    pop = g.population_value(res)
    return g.table([g.Loop(r["truth"], *r["evolution"]) for r in res], pop)


def main(argv: list[str]) -> None:
    g = grain_sampling_loops
    n = int(argv[1]) if len(argv) > 1 else 50
    names = argv[2].split(",") if len(argv) > 2 else list(LINE_SAMPLES)
    raw: dict[str, Any] = {}
    for name in names:
        t0 = time.perf_counter()
        res = [history_loop(name, s) for s in range(n)]
        raw[name] = res
        pop = g.population_value(res)
        title = f"2D, demo history {name}, evolution, truth = population value {pop:.4g}"
        g._print(title, tables(res), n)
        print(f"({time.perf_counter() - t0:.1f} s)", flush=True)
    if len(argv) > 3:
        Path(argv[3]).write_text(json.dumps(raw))


if __name__ == "__main__":
    main(sys.argv)
