"""Closed loops for the grain-sampling error of surface-exchange and thin-film fits (1D chains).

The chains, grains, line scan and truth are those of ``grain_sampling_loops.py`` (LLTO at 22 C,
lognormal grains 16 +- 11 um and k, sigma_ln 0.4, a surface that cuts a grain at random, an
800 um line of 5 um spots, 1e5 counts each; truth: the material's homogenised D_eff from the
generating distributions).  What differs is the surface:

- exchange: the tracer bath (``C_SRC``) reaches the solid through a surface conductance
  ``K_S`` (cm/s), a face of that conductance in front of the first cell (Crank's boundary
  condition ``-D dc/dx = k_s (C_s - c(0))``); 59 h; fit ``exchange`` with C_0 and C_s fixed.
- thin film: the first ``FILM_UM`` of the chain start at fraction 1 on a closed surface
  (an instantaneous source: the film is 1/20 of the diffusion length, which shifts D by
  ~0.2 %); 59 h; fit ``thin-film`` with C_0 fixed.

Run ``python tests/validation/film_exchange_loops.py [n]`` for the tables of docs/validation.md.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from tracerdiff.fitting import ProfileData, fit_profile
from tracerdiff.simulate import llto_material, make_grain_chain, simulate_line_scan
from tracerdiff.simulate.chain import cut_chain
from tracerdiff.solvers.fv1d import evolve_fv1d

# the sibling loops module (its chains, truths and tables), also when this file is loaded by path
sys.path.insert(0, str(Path(__file__).parent))
import grain_sampling_loops

#: surface exchange coefficient (cm/s): k_s sqrt(t / D_eff) ~ 1.5 at 59 h, exchange-limited
K_S = 1.5e-7
#: thickness (um) of the initial tracer film of the thin-film loops
FILM_UM = 20.0
T_S = 59 * 3600.0


def _chain(seed: int) -> Any:
    g = grain_sampling_loops
    rng = np.random.default_rng(seed)
    chain = make_grain_chain(
        2300.0, mean_um=g.MEAN_UM, sd_um=g.SD_UM, k_sigma_ln=g.K_SIGMA, rng=rng
    )
    return cut_chain(chain, int(rng.integers(0, 300))), rng


def _scan(x_um: Any, c: Any, rng: Any, counts: float) -> ProfileData:
    pos = np.arange(2.5, 800.0, 5.0)
    ds = simulate_line_scan(
        x_um, c, positions_um=pos, raster_um=5.0, counts_per_spot=counts, rng=rng
    )
    return ProfileData.from_arrays(pos, ds["C"].values, ds["C_err"].values)


def exchange_loop(seed: int, *, counts: float = 1e5) -> Any:
    """One chain behind a surface of conductance ``K_S``; exchange fit (C_0, C_s fixed)."""
    g = grain_sampling_loops
    chain, rng = _chain(seed)
    mat = llto_material()
    # cell 0 (1 um of bulk in front of the surface face) is held near the bath value by the
    # source at its outer face: its half-cell resistance is 4e-4 of 1 / K_S
    faces = np.concatenate([[K_S], chain.face_conductance(mat.k_gb(g.T22))])
    c0 = np.full(chain.n_cells + 1, g.C_NAT)
    c = evolve_fv1d(
        c0,
        h_cm=chain.cell_um * 1e-4,
        d_cells=mat.d_bulk(g.T22),
        time_s=T_S,
        gb_conductance=faces,
        left="source",
        c_left=g.C_SRC,
        rtol=1e-7,
    )[1:]
    x = (np.arange(chain.n_cells) + 0.5) * chain.cell_um  # from the surface face
    prof = _scan(x, c, rng, counts)
    fix = {"C_0": g.C_NAT, "C_s": g.C_SRC}
    d, se, ci = g._fit_modes(
        lambda m: fit_profile("exchange", prof, time_s=T_S, fix=fix, microstructure=m)
    )
    return g.Loop(g.chain_truth(), d, se, ci)


def thin_film_loop(seed: int, *, counts: float = 1e5) -> Any:
    """One chain starting with a ``FILM_UM`` film at fraction 1 on a closed surface."""
    g = grain_sampling_loops
    chain, rng = _chain(seed)
    mat = llto_material()
    x = (np.arange(chain.n_cells) + 0.5) * chain.cell_um
    c0 = np.where(x < FILM_UM, 1.0, g.C_NAT)
    c = evolve_fv1d(
        c0,
        h_cm=chain.cell_um * 1e-4,
        d_cells=mat.d_bulk(g.T22),
        time_s=T_S,
        gb_conductance=chain.face_conductance(mat.k_gb(g.T22)),
        rtol=1e-7,
    )
    prof = _scan(x, c, rng, counts)
    d, se, ci = g._fit_modes(
        lambda m: fit_profile("thin-film", prof, time_s=T_S, fix={"C_0": g.C_NAT}, microstructure=m)
    )
    return g.Loop(g.chain_truth(), d, se, ci)


def main(argv: list[str]) -> None:
    g = grain_sampling_loops
    g.MODES["grains + D_b"] = "grains + D_b"
    g.MODES["homogeneous"] = "homogeneous"
    n = int(argv[1]) if len(argv) > 1 else 60
    for name, loop in (("exchange", exchange_loop), ("thin film", thin_film_loop)):
        t0 = time.perf_counter()
        loops = [loop(s) for s in range(n)]
        g._print(f"1D chains, {name}, truth {g.chain_truth():.4g} cm^2/s", g.table(loops), n)
        print(f"({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main(sys.argv)
