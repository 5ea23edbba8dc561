"""Closed loops for the grain-sampling error of D_eff: simulated polycrystals -> fits -> coverage.

1D: grain chains (lognormal lengths 16 +- 11 um and k, sigma_ln 0.4, LLTO at 22 C), 59 h
exchange, an 800 um line scan (5 um spots, 1e5 counts each); truth: the material's homogenised
D_eff = 1 / (1/D_b + E[1/k] / E[l]) from the generating distributions.
2D: Laguerre polycrystals (the demo's history A: 59 h exchange, 16 d storage) on 2 um cells,
strips 100 um high; profiles are column means over the strip with binomial counting noise;
truth: the material's homogenised D_eff, the population value of the strips (strip length over
the mean steady-state resistance of all strips, ``simulate.homogenised_d_eff``, as the chains'
truth is the generating distributions' value), and, as a second column, each microstructure's
own flux solve (which shares much of the region the profiles sample).

Run ``python tests/validation/grain_sampling_loops.py [n_1d] [n_2d] [raw.json]`` to print
the coverage tables of docs/validation.md, ``... strips N ROWS`` for the walk rate of strips
ROWS cells high from their flux solves alone, ``... chains N LENGTH_UM`` for that of chain
stretches from their series resistances (the measurements behind the widths of the prior
that grain statistics put on the walk rate).
"""

from __future__ import annotations

import dataclasses
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tracerdiff.fitting import GrainStatistics, ProfileData, fit_evolution, fit_profile
from tracerdiff.history import Stage
from tracerdiff.simulate import (
    evolve_chain,
    evolve_polycrystal,
    homogenised_d_eff,
    llto_material,
    lognormal_params,
    make_grain_chain,
    make_polycrystal,
    simulate_line_scan,
)
from tracerdiff.simulate.chain import cut_chain

H, DAY = 3600.0, 86400.0
T22 = 295.15
C_NAT, C_SRC = 0.0759, 0.95
MEAN_UM, SD_UM, K_SIGMA = 16.0, 11.0, 0.4
GRAINS = GrainStatistics(mean_um=MEAN_UM, sd_um=SD_UM, k_sigma_ln=K_SIGMA)
D_BULK = llto_material().d_bulk(T22)
STRIP_CELLS, CELL_UM = (50, 1000), 2.0
#: the 2D profiles are averaged across the strip's height
GRAINS_2D = dataclasses.replace(GRAINS, width_um=STRIP_CELLS[0] * CELL_UM)


@dataclass(frozen=True)
class Loop:
    """One fitted microstructure: estimate, stated errors and intervals per mode."""

    truth: float
    d: dict[str, float]
    se: dict[str, float]
    ci: dict[str, tuple[float, float]]


def mean_cell_length_um(mean_um: float, sd_um: float, cell_um: float = 1.0) -> float:
    """E[l] of ``make_grain_chain``'s lengths: lognormal rounded to whole cells (>= 1)."""
    mu, s = lognormal_params(mean_um, sd_um)
    n = np.arange(1, 4000)
    edges = np.concatenate([[0.0], (n[:-1] + 0.5) * cell_um, [np.inf]])
    from scipy.stats import lognorm

    p = np.diff(lognorm.cdf(edges, s, scale=math.exp(mu)))
    return float(np.sum(p * n * cell_um))


def chain_truth() -> float:
    """The material's homogenised D_eff of the chains (generating distributions)."""
    mat = llto_material()
    inv_k = math.exp(K_SIGMA**2 / 2) / mat.k_gb(T22)
    el = mean_cell_length_um(MEAN_UM, SD_UM) * 1e-4
    return 1.0 / (1.0 / mat.d_bulk(T22) + inv_k / el)


MODES: dict[str, Any] = {"default": "estimate", "grains": GRAINS}


def _fit_modes(
    fit: Any, grains: GrainStatistics = GRAINS
) -> tuple[dict[str, float], dict[str, float], dict[str, Any]]:
    d, se, ci = {}, {}, {}
    given = {"grains": grains, "grains + D_b": dataclasses.replace(grains, d_bulk=D_BULK)}
    for name, mode in MODES.items():
        r = fit(given.get(name, mode))
        d[name], se[name] = r.values["D_eff"], r.stderr["D_eff"]
        ci[name] = r.ci95["D_eff"]
    return d, se, ci


def chain_loop(seed: int, *, counts: float = 1e5) -> Loop:
    """One chain: 59 h exchange, 800 um line (5 um spots), erfc fit (C_0 fixed)."""
    rng = np.random.default_rng(seed)
    mat = llto_material()
    chain = make_grain_chain(2300.0, mean_um=MEAN_UM, sd_um=SD_UM, k_sigma_ln=K_SIGMA, rng=rng)
    chain = cut_chain(chain, int(rng.integers(0, 300)))  # the surface cuts a grain at random
    t = 59 * H
    (c,) = evolve_chain(chain, mat, [Stage(T22, t, "source")], c_initial=C_NAT, c_source=C_SRC)
    x = (np.arange(chain.n_cells) + 0.5) * chain.cell_um
    pos = np.arange(2.5, 800.0, 5.0)
    ds = simulate_line_scan(x, c, positions_um=pos, raster_um=5.0, counts_per_spot=counts, rng=rng)
    prof = ProfileData.from_arrays(pos, ds["C"].values, ds["C_err"].values)
    d, se, ci = _fit_modes(
        lambda m: fit_profile("erfc", prof, time_s=t, fix={"C_0": C_NAT}, microstructure=m)
    )
    return Loop(chain_truth(), d, se, ci)


def _column_profile(field: Any, cell_um: float, counts: float, rng: Any) -> ProfileData:
    mean_c = np.asarray(field, dtype=float).mean(axis=0)
    n = rng.poisson(counts, size=mean_c.size)
    c = rng.binomial(n, np.clip(mean_c, 0, 1)) / n
    x = (np.arange(mean_c.size) + 0.5) * cell_um
    return ProfileData.from_arrays(x, c, np.sqrt(c * (1 - c) / n))


def poly_loop(
    seed: int,
    *,
    shape: tuple[int, int] = STRIP_CELLS,
    cell_um: float = CELL_UM,
    counts: float = 5e4,
    grains: GrainStatistics = GRAINS_2D,
) -> dict[str, Any]:
    """One 2D microstructure (100 x 2000 um) through history A; profiles over the whole strip;
    erfc on map 1 and evolution map 1 -> map 2 (domain: the strip's closed ends)."""
    rng = np.random.default_rng(10_000 + seed)
    mat = llto_material()
    poly = make_polycrystal(
        shape, pixel_size_um=cell_um, mean_um=MEAN_UM, sd_um=SD_UM, k_sigma_ln=K_SIGMA, rng=rng
    )
    hist = [Stage(T22, 59 * H, "source"), Stage(T22, 16 * DAY)]
    ev = evolve_polycrystal(
        poly, mat, hist, c_initial=C_NAT, c_source=C_SRC, gb_faces="corrected", rtol=1e-4
    )
    p1, p2 = (_column_profile(f, cell_um, counts, rng) for f in ev.fields)
    domain = (0.0, shape[1] * cell_um)
    truth = homogenised_d_eff(
        poly, d_bulk=mat.d_bulk(T22), k_median=mat.k_gb(T22), gb_faces="corrected"
    )
    out: dict[str, Any] = {"truth": truth, "length_um": shape[1] * cell_um}
    out["erfc"] = _fit_modes(
        lambda m: fit_profile("erfc", p1, time_s=59 * H, fix={"C_0": C_NAT}, microstructure=m),
        grains,
    )
    out["evolution"] = _fit_modes(
        lambda m: fit_evolution(p1, [p2], times_s=[16 * DAY], domain_um=domain, microstructure=m),
        grains,
    )
    return out


def population_value(res: list[dict[str, Any]]) -> float:
    """The strips' population D_eff: strip length over the mean steady-state resistance."""
    return float(res[0]["length_um"] / np.mean([r["length_um"] / r["truth"] for r in res]))


def table(loops: list[Loop], truth: float | None = None) -> dict[str, dict[str, float]]:
    """Per mode: coverage of the truth, median ratio, stated / actual relative error."""
    out = {}
    for mode in loops[0].d:
        tr = np.array([truth if truth is not None else lp.truth for lp in loops])
        d = np.array([lp.d[mode] for lp in loops])
        rel = np.array([lp.se[mode] / lp.d[mode] for lp in loops])
        lo = np.array([lp.ci[mode][0] if lp.ci[mode][0] is not None else 0.0 for lp in loops])
        hi = np.array([lp.ci[mode][1] if lp.ci[mode][1] is not None else np.inf for lp in loops])
        lr = np.log(d / tr)
        actual = float(np.sqrt(np.mean(lr**2)))
        out[mode] = {
            "coverage": float(np.mean((lo <= tr) & (tr <= hi))),
            "median_ratio": float(np.median(d / tr)),
            "stated_rel": float(np.median(rel)),
            "actual_rel": actual,
            "stated_over_actual": float(np.median(rel) / actual),
            # the size of the intervals over all microstructures (a few large ones weigh in)
            # and the rms of ln(D / truth) in stated errors
            "stated_rms": float(np.sqrt(np.mean(rel**2))),
            "z_rms": float(np.sqrt(np.mean((lr / rel) ** 2))),
        }
    return out


def _print(title: str, tab: dict[str, dict[str, float]], n: int) -> None:
    print(f"\n{title} ({n} microstructures)")
    print(
        "| errors | coverage | median ratio | stated rel. error | actual spread | stated/actual "
        "| stated (rms) | rms of ln(D/truth) / stated |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for mode, r in tab.items():
        print(
            f"| {mode} | {100 * r['coverage']:.0f} % | {r['median_ratio']:.3f} | "
            f"{100 * r['stated_rel']:.1f} % | {100 * r['actual_rel']:.1f} % | "
            f"{r['stated_over_actual']:.2f} | {100 * r['stated_rms']:.1f} % | {r['z_rms']:.2f} |"
        )


def _poly_tables(res: list[dict[str, Any]]) -> None:
    pop = population_value(res)
    sd = float(np.std(np.log([r["truth"] / pop for r in res]), ddof=1))
    print(f"\npopulation value {pop:.4g} cm^2/s (strips' own values: sd of ln {sd:.3f})")
    for fit in ("erfc", "evolution"):
        loops = [Loop(r["truth"], *r[fit]) for r in res]
        _print(f"2D, {fit}, truth = population value {pop:.4g}", table(loops, pop), len(loops))
        _print(f"2D, {fit}, truth per microstructure", table(loops), len(loops))


def _sub_strip(poly: Any, cols: slice) -> Any:
    """The polycrystal on a range of columns (its boundaries keep their k)."""
    from tracerdiff.simulate.microstructure import grain_pairs

    lab = poly.labels[:, cols]
    pairs, _, _ = grain_pairs(lab)
    key = {(int(a), int(b)): i for i, (a, b) in enumerate(poly.pairs)}
    kf = np.array([poly.k_factor[key[(int(a), int(b))]] for a, b in pairs])
    return dataclasses.replace(poly, labels=lab, pairs=pairs, k_factor=kf)


def strip_walk_rates(n: int, rows: int, blocks: int = 4) -> dict[str, float]:
    """Walk rate q (um) of strips ``rows`` cells high (2 um cells, 2000 um long) from their
    steady-state flux solves alone (no profile, no fit): ``Var(ln D_eff) L`` of whole strips
    and of ``blocks`` sub-strips, plain and robust (1.4826 MAD)^2."""
    mat = llto_material()
    vals = []
    for seed in range(n):
        rng = np.random.default_rng(10_000 + seed)
        poly = make_polycrystal(
            (rows, STRIP_CELLS[1]),
            pixel_size_um=CELL_UM,
            mean_um=MEAN_UM,
            sd_um=SD_UM,
            k_sigma_ln=K_SIGMA,
            rng=rng,
        )
        w = STRIP_CELLS[1] // blocks
        parts = [poly] + [_sub_strip(poly, slice(w * j, w * (j + 1))) for j in range(blocks)]
        db, km = mat.d_bulk(T22), mat.k_gb(T22)
        vals.append(
            [homogenised_d_eff(p, d_bulk=db, k_median=km, gb_faces="corrected") for p in parts]
        )
    a = np.array(vals)
    length = STRIP_CELLS[1] * CELL_UM
    whole = np.log(a[:, 0] / (1.0 / np.mean(1.0 / a[:, 0])))
    sub = np.log(a[:, 1:] / np.mean(a[:, 1:])).ravel()

    def mad2(v: Any) -> float:
        return float((1.4826 * np.median(np.abs(v - np.median(v)))) ** 2)

    return {
        "population_d_eff": float(1.0 / np.mean(1.0 / a[:, 0])),
        "sd_ln_whole": float(whole.std()),
        "q_whole_um": float(whole.var() * length),
        "q_whole_robust_um": mad2(whole) * length,
        "q_blocks_um": float(sub.var() * length / blocks),
        "q_blocks_robust_um": mad2(sub) * length / blocks,
    }


def chain_walk_rates(n: int, length_um: float) -> dict[str, float]:
    """Walk rate q (um) of chain stretches ``length_um`` long from their own series
    resistances (no profile, no fit): ``Var(ln D_eff) L``, plain and robust, beside the series
    formula with D_b (the check of the prior's centre for a line)."""
    from tracerdiff.fitting.grain_statistics import walk_rate_from_grains
    from tracerdiff.simulate import GrainChain
    from tracerdiff.simulate.chain import chain_d_eff

    mat = llto_material()
    db, km = mat.d_bulk(T22), mat.k_gb(T22)
    vals = []
    for seed in range(n):
        rng = np.random.default_rng(seed)
        chain = make_grain_chain(
            length_um + 300.0, mean_um=MEAN_UM, sd_um=SD_UM, k_sigma_ln=K_SIGMA, rng=rng
        )
        chain = cut_chain(chain, int(rng.integers(0, 300)))
        cells = int(length_um / chain.cell_um)
        keep = chain.gb_faces < cells
        part = GrainChain(cells, chain.cell_um, chain.gb_faces[keep], chain.k_factor[keep])
        vals.append(chain_d_eff(part, d_bulk=db, k_median=km))
    a = np.array(vals)
    pop = float(1.0 / np.mean(1.0 / a))
    lr = np.log(a / pop)
    robust = float((1.4826 * np.median(np.abs(lr - np.median(lr)))) ** 2)
    formula = walk_rate_from_grains(dataclasses.replace(GRAINS, d_bulk=db), pop)
    return {
        "q_um": float(lr.var() * length_um),
        "q_robust_um": robust * length_um,
        "q_formula_um": formula,
    }


def main(argv: list[str]) -> None:
    if len(argv) > 1 and argv[1] == "strips":  # strips N ROWS: walk rates from flux solves
        print(strip_walk_rates(int(argv[2]), int(argv[3])))
        return
    if len(argv) > 1 and argv[1] == "chains":  # chains N LENGTH_UM: from series resistances
        print(chain_walk_rates(int(argv[2]), float(argv[3])))
        return
    n1 = int(argv[1]) if len(argv) > 1 else 60
    n2 = int(argv[2]) if len(argv) > 2 else 0
    t0 = time.perf_counter()
    if n1:
        loops = [chain_loop(s) for s in range(n1)]
        _print(f"1D chains, erfc, truth {chain_truth():.4g} cm^2/s", table(loops), n1)
        print(f"({time.perf_counter() - t0:.1f} s)")
    if n2:
        t0 = time.perf_counter()
        res = [poly_loop(s) for s in range(n2)]
        _poly_tables(res)
        if len(argv) > 3:  # keep the raw results (JSON) for other subsets
            import json

            Path(argv[3]).write_text(json.dumps(res))
        print(f"({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    MODES["grains + D_b"] = "grains + D_b"
    MODES["homogeneous"] = "homogeneous"
    main(sys.argv)
