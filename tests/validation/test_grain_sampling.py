"""Closed loops for the grain-sampling error of D_eff (docs/validation.md, issue 10 section 1).

Seeded polycrystals are simulated, a profile of each is fitted with the default errors (profile
and time only) and with the grain statistics, and the stated 95 % intervals are checked against
the material's homogenised D_eff, which is computed independently of the fit (1D: from the
generating distributions; 2D: the population value of steady-state flux solves of the strips).
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest
from threadpoolctl import threadpool_limits


def _load(name: str) -> ModuleType:
    """A loops script of this directory, loaded by path (registered: dataclasses look their
    module up, and the other scripts import ``grain_sampling_loops``)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def _loops() -> ModuleType:
    return _load("grain_sampling_loops")


def _check(tab: dict[str, dict[str, float]], mode: str, *, ratio_band: tuple[float, float]) -> None:
    r = tab[mode]
    assert 0.90 <= r["coverage"] <= 0.99, (mode, r)
    assert abs(r["median_ratio"] - 1.0) <= 0.05, (mode, r)
    assert ratio_band[0] <= r["stated_over_actual"] <= ratio_band[1], (mode, r)


def test_chain_line_scans_cover_the_homogenised_d_eff() -> None:
    """60 chains (59 h, 800 um line, 16 +- 11 um grains, k sigma_ln 0.4, 1e5 counts/spot)."""
    g = _loops()
    with threadpool_limits(1):  # small matrices: threads only cost here
        loops = [g.chain_loop(seed) for seed in range(60)]
    tab = g.table(loops)
    _check(tab, "default", ratio_band=(0.7, 1.5))
    # with the grain statistics (a prior on the walk rate): calibrated more tightly, and at
    # least as close to the actual spread as the default
    _check(tab, "grains", ratio_band=(0.85, 1.25))
    assert _miscalibration(tab, "grains") <= _miscalibration(tab, "default") + 0.02, tab


def _miscalibration(tab: dict[str, dict[str, float]], mode: str) -> float:
    """|ln(stated / actual)|: how far the stated error is from the actual spread."""
    return abs(math.log(tab[mode]["stated_over_actual"]))


@pytest.mark.slow
def test_2d_polycrystal_profiles_cover_the_homogenised_d_eff() -> None:
    """50 Laguerre strips (100 x 2000 um) through the demo's history A (59 h, 16 d): erfc on
    the first profile and the evolution to the second, with the default errors and with the
    grain statistics (the strip's height as the averaging width), against the material's
    homogenised D_eff (the strips' population value from their flux solves)."""
    g = _loops()
    with threadpool_limits(1):
        res = [g.poly_loop(seed) for seed in range(50)]
    pop = g.population_value(res)
    for fit in ("erfc", "evolution"):
        tab = g.table([g.Loop(r["truth"], *r[fit]) for r in res], pop)
        for mode in ("default", "grains"):
            r = tab[mode]
            # 50 strips cannot tell 100 % from 97 % (docs/validation.md has 100): the floor,
            # the bias and the size of the stated error are asserted
            assert r["coverage"] >= 0.90, (fit, mode, r)
            assert abs(r["median_ratio"] - 1.0) <= 0.05, (fit, mode, r)
            assert r["stated_over_actual"] <= 1.5, (fit, mode, r)
        # the grain statistics are a prior on the walk rate the data also estimate: their
        # errors are calibrated at least about as well as the default's (the former formula
        # in place of the estimate stated 1.33x the erfc fits' spread against the default's
        # 1.03x) and not larger
        assert _miscalibration(tab, "grains") <= _miscalibration(tab, "default") + 0.05, tab
        assert tab["grains"]["stated_rel"] <= 1.1 * tab["default"]["stated_rel"], tab
        # and tighter: the prior shrinks each profile's walk rate toward the formula, so the
        # intervals are narrower over all strips (rms of the stated relative error; on these
        # 50: erfc 11.9 % against 13.5 %, evolution 5.9 % against 6.2 %) at that coverage
        assert tab["grains"]["stated_rms"] <= tab["default"]["stated_rms"], tab


@pytest.mark.parametrize("fit", ["exchange", "thin film"])
def test_exchange_and_thin_film_line_scans_cover_the_homogenised_d_eff(fit: str) -> None:
    """60 chains as above, with a surface-exchange limited surface (k_s sqrt(t/D) ~ 1.5) or a
    thin film on a closed surface instead of a fixed surface value."""
    g, fe = _loops(), _load("film_exchange_loops")
    loop = fe.exchange_loop if fit == "exchange" else fe.thin_film_loop
    with threadpool_limits(1):
        loops = [loop(seed) for seed in range(60)]
    tab = g.table(loops)
    _check(tab, "default", ratio_band=(0.7, 1.5))
    _check(tab, "grains", ratio_band=(0.85, 1.25))


@pytest.mark.slow
@pytest.mark.parametrize("history", ["B", "C", "D", "E"])
def test_demo_line_scan_histories_cover_the_homogenised_d_eff(history: str) -> None:
    """The demo's line-scan histories (2D strips 64 um x 10 mm, spot scans, evolution fits at
    22-250 C): the first 10 strips of each (docs/validation.md has 50, where stated/actual is
    0.59-1.18); 10 strips cannot tell a 95 % coverage from 80 % and their rms spread is known to
    ~25 % (on these 10: stated/actual 0.98-1.7), so the floor, the bias and the size of the
    errors are asserted with those margins."""
    h = _load("demo_history_loops")
    with threadpool_limits(1):
        res = [h.history_loop(history, seed) for seed in range(10)]
    tab = h.tables(res)
    for mode in ("default", "grains"):
        r = tab[mode]
        assert r["coverage"] >= 0.8, (history, mode, r)
        assert abs(r["median_ratio"] - 1.0) <= 0.08, (history, mode, r)
        assert 0.5 <= r["stated_over_actual"] <= 2.0, (history, mode, r)
