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
        c = evolve_fv1d(np.full(n, 0.076), h_cm=H_UM * 1e-4, d_cells=D_B, time_s=time_s,
                        gb_conductance=self.conductance, left="source", c_left=0.95)
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
