"""1D grain-chain simulations for mm-long line scans (exact-in-time ``solvers.fv1d``).

A line scan crosses hundreds of grains; a 2D mm x mm field would be too big, and along the scan
direction the tracer sees the grains in series, so a chain of grains with the same size and
per-GB conductance distributions is the consistent long-range model.  Units: um for positions,
cm / s for transport.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from ..errors import InputError
from ..history import Stage, ThermalHistory
from ..solvers.fv1d import evolve_fv1d
from .materials import MaterialLaw
from .microstructure import GrainChain

__all__ = ["chain_d_eff", "cut_chain", "evolve_chain"]

FloatArray = NDArray[np.float64]


def chain_d_eff(chain: GrainChain, *, d_bulk: float, k_median: float) -> float:
    """Homogenised D_eff (cm^2/s) of the chain: exact steady-state series resistance
    ``L / (L / D_b + sum_i 1 / k_i)`` (the discretisation's own value)."""
    length = chain.n_cells * chain.cell_um * 1e-4
    res = length / d_bulk + float(np.sum(1.0 / (k_median * chain.k_factor)))
    return length / res


def cut_chain(chain: GrainChain, offset_cells: int) -> GrainChain:
    """The chain without its first ``offset_cells`` cells (the surface then cuts a grain).

    :func:`~tracerdiff.simulate.microstructure.make_grain_chain` starts with a whole grain, as
    if the surface were a GB; a real cut surface meets a grain at a random point.  Cutting at a
    uniform random offset over many grains makes the GB positions a stationary renewal process
    seen from the surface (the homogenised D_eff of the material assumes it).
    """
    off = int(offset_cells)
    if not 0 <= off < chain.n_cells - 1:
        raise InputError(f"offset must be in [0, {chain.n_cells - 1}) cells, got {offset_cells}")
    keep = chain.gb_faces >= off
    return GrainChain(
        n_cells=chain.n_cells - off,
        cell_um=chain.cell_um,
        gb_faces=np.asarray(chain.gb_faces[keep] - off, dtype=np.int64),
        k_factor=np.asarray(chain.k_factor[keep], dtype=float),
    )


def evolve_chain(
    chain: GrainChain,
    material: MaterialLaw,
    history: ThermalHistory | Sequence[Stage],
    *,
    c_initial: float,
    c_source: float,
    rtol: float = 1e-7,
    ramp_step_K: float = 5.0,
) -> list[FloatArray]:
    """Cell values after each stage; the source (stage boundary "source") is the left end at
    ``c_source``, the right end is closed."""
    th = history if isinstance(history, ThermalHistory) else ThermalHistory(history)
    c = np.full(chain.n_cells, float(c_initial))
    h = chain.cell_um * 1e-4
    out = []
    for st in th.stages:
        for piece in ThermalHistory([st]).isothermal_pieces(max_step_K=ramp_step_K):
            db, km = material.d_bulk(piece.temperature_K), material.k_gb(piece.temperature_K)
            src = piece.boundary == "source"
            c = evolve_fv1d(
                c,
                h_cm=h,
                d_cells=db,
                time_s=piece.duration_s,
                gb_conductance=chain.face_conductance(km),
                left="source" if src else "closed",
                c_left=float(c_source) if src else None,
                rtol=rtol,
            )
        out.append(np.asarray(c, dtype=float).copy())
    return out
