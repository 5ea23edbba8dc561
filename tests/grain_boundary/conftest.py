"""Synthetic staircase profiles: a 1D grain chain evolved with the finite-volume solver.

The chain: source (C = 0.95) at x = 0, natural fraction 0.076 inside, D_b = 2.6e-8 cm^2/s,
grains lognormal around 16 um (at least 8 um), k = D_gb/delta lognormal around 1.5e-6 cm/s
(sigma_ln 0.4) as interface conductances, 1e5 s of exchange; cells of 0.5 um averaged in pairs
into 1 um pixels (a GB can fall inside a pixel: the blurred point the guard band leaves out).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from numpy.typing import NDArray

from tracerdiff.solvers.fv1d import evolve_fv1d

D_B = 2.6e-8
H_UM = 0.5


@dataclass(frozen=True)
class Chain:
    x_um: NDArray[np.float64]
    gb_um: NDArray[np.float64]
    k_true: NDArray[np.float64]
    conductance: NDArray[np.float64]

    def profile(self, time_s: float) -> NDArray[np.float64]:
        n = self.conductance.size + 1
        c = evolve_fv1d(
            np.full(n, 0.076),
            h_cm=H_UM * 1e-4,
            d_cells=D_B,
            time_s=time_s,
            gb_conductance=self.conductance,
            left="source",
            c_left=0.95,
        )
        return c.reshape(-1, 2).mean(axis=1)


def make_chain(rng: np.random.Generator, *, length_um: float = 400.0) -> Chain:
    n = int(length_um / H_UM)
    faces, pos = [], 0.0
    while True:
        pos += max(rng.lognormal(np.log(16.0), 0.35), 8.0)
        if pos > length_um - 10:
            break
        faces.append(round(pos / H_UM))
    f = np.array(faces)
    k = 1.5e-6 * np.exp(0.4 * rng.standard_normal(f.size))
    cond = np.full(n - 1, np.inf)
    cond[f - 1] = k
    x = np.arange(n // 2) + 0.5
    return Chain(x_um=x, gb_um=f * H_UM, k_true=k, conductance=cond)


@pytest.fixture
def chain_factory() -> Callable[..., Chain]:
    """``chain_factory(seed, length_um=400.0)`` -> a :class:`Chain`."""
    return lambda seed, **kw: make_chain(np.random.default_rng(seed), **kw)


# --- 2D maps: Laguerre polycrystal -> finite volumes -> SIMS counts -> fraction map ---------

T22_K, HOUR_S = 295.15, 3600.0
C_NATURAL, C_SOURCE = 0.0759, 0.95


@dataclass(frozen=True)
class SimMap:
    """A simulated fraction map (``ds``: C, C_err, n_a, n_b on (y, x), 1 um pixels), its grain
    labels on the map's grid and the true k (cm/s) of every grain pair."""

    ds: object
    labels: NDArray[np.int64]
    poly: object
    k_median: float
    d_bulk: float

    def k_true(self, grains: tuple[int, int]) -> float:
        return self.k_median * self.poly.k_pair(*grains)  # type: ignore[attr-defined]


def make_map(
    seed: int,
    *,
    counts: float,
    shape: tuple[int, int] = (128, 192),
    sim_nx: int = 640,
    hours: float = 59.0,
) -> SimMap:
    """Laguerre grains (ECD 16 +- 11 um, 1 um cells, k lognormal sigma_ln 0.4 per boundary,
    yields lognormal 0.3 per grain) exchanged ``hours`` at 22 C from the left edge of a
    ``sim_nx`` um long strip (long enough that the far end stays natural); the map is the first
    ``shape[1]`` um, imaged with ``counts`` ions per pixel (Poisson) and a 0.7 px point spread."""
    import xarray as xr

    from tracerdiff.history import Stage
    from tracerdiff.simulate import (
        evolve_polycrystal,
        llto_material,
        make_polycrystal,
        simulate_sims_image,
    )

    mat = llto_material()
    ny, nx = shape
    poly = make_polycrystal(
        (ny, sim_nx),
        pixel_size_um=1.0,
        mean_um=16.0,
        sd_um=11.0,
        k_sigma_ln=0.4,
        yield_sigma_ln=0.3,
        rng=seed,
    )
    ev = evolve_polycrystal(
        poly,
        mat,
        [Stage(T22_K, hours * HOUR_S, "source")],
        c_initial=C_NATURAL,
        c_source=C_SOURCE,
        gb_faces="corrected",
        rtol=1e-4,
    )
    img = simulate_sims_image(
        ev.fields[0],
        cell_um=1.0,
        yield_map=poly.yield_factor[poly.labels],
        field_um=(nx, ny),
        pixels=(nx, ny),
        mean_counts=counts,
        psf_sigma_px=0.7,
        rng=seed + 1000,
    )
    na, nb = img.counts["6Li"], img.counts["7Li"]
    frac = na / (na + nb)
    err = np.sqrt(frac * (1 - frac) / (na + nb))
    dims = ("y", "x")
    ds = xr.Dataset(
        {"C": (dims, frac), "C_err": (dims, err), "n_a": (dims, na), "n_b": (dims, nb)},
        coords={
            "x": ("x", np.arange(nx) + 0.5, {"units": "um"}),
            "y": ("y", np.arange(ny) + 0.5, {"units": "um"}),
        },
        attrs={
            "pair": "6Li/7Li",
            "pixel_size_x_um": 1.0,
            "pixel_size_y_um": 1.0,
            "corrections": "[]",
            "n_saturated": 0,
            "n_masked": 0,
        },
    )
    return SimMap(
        ds=ds,
        labels=poly.labels[:, :nx].copy(),
        poly=poly,
        k_median=mat.k_gb(T22_K),
        d_bulk=mat.d_bulk(T22_K),
    )


@pytest.fixture
def map_factory() -> Callable[..., SimMap]:
    """``map_factory(seed, counts=..., shape=(128, 192))`` -> a :class:`SimMap`."""
    return make_map
