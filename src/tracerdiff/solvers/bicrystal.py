"""A small 2D finite-volume solver of fast grain-boundary diffusion in a bicrystal.

Geometry (half domain, symmetric about the GB plane x = 0): x across the GB in [0, width],
y into the sample from the surface y = 0 in [0, depth].  The GB is the first column of cells,
of width delta/2 (the real half-width: a non-uniform grid in x that grows geometrically away
from the GB).  Constant source at the surface (bulk concentration 1, GB concentration s),
zero flux elsewhere.  Segregation factor s: the solved variable is the bulk-equivalent
concentration phi (c = s phi in the GB), with capacity s and conductivity s D_gb in the GB.
Time stepping: one backward-Euler step, then BDF2 (second order), sparse LU factorised once.

Units: CGS (cm, s, cm^2/s).  Used to test the Whipple-Le Claire analysis (models.typeb).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse import linalg as spla

from ..errors import SolverError

__all__ = ["BicrystalResult", "bicrystal_x_grid", "solve_bicrystal"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class BicrystalResult:
    """Concentration field (bulk-equivalent, ``phi[y, x]``) and the layer averages."""

    x_edges_cm: FloatArray
    y_cm: FloatArray  #: cell centres in depth (cm)
    phi: FloatArray  #: (ny, nx)
    c_mean: FloatArray  #: layer average of the real concentration over [0, width] vs depth
    d_bulk: float
    d_gb: float
    delta_cm: float
    s: float
    time_s: float
    n_steps: int

    @property
    def y_um(self) -> FloatArray:
        """Depth of the layer centres (um)."""
        return self.y_cm * 1e4

    def to_dict(self) -> dict[str, Any]:
        """Parameters and grid sizes (the arrays stay on the object)."""
        return {
            "D_bulk": self.d_bulk,
            "D_gb": self.d_gb,
            "delta_cm": self.delta_cm,
            "s": self.s,
            "time_s": self.time_s,
            "n_steps": self.n_steps,
            "nx": int(self.phi.shape[1]),
            "ny": int(self.phi.shape[0]),
        }


def bicrystal_x_grid(
    *, delta_cm: float, width_cm: float, h_max_cm: float, growth: float = 1.15
) -> FloatArray:
    """Cell edges across the GB: [0, delta/2] then cells growing by ``growth`` up to h_max."""
    edges = [0.0, delta_cm / 2]
    h = delta_cm / 2
    while edges[-1] < width_cm:
        h = min(h * growth, h_max_cm)
        edges.append(edges[-1] + h)
    edges[-1] = max(edges[-1], width_cm)
    return np.asarray(edges)


def _operator(
    w: FloatArray,
    dy: float,
    ny: int,
    cond: FloatArray,
) -> tuple[sparse.csc_matrix, FloatArray]:
    """Conductance matrix L (L phi = net outflow) and the surface source vector (phi_s = 1)."""
    nx = w.size
    idx = np.arange(nx * ny).reshape(ny, nx)
    gx = dy / (0.5 * w[:-1] / cond[:-1] + 0.5 * w[1:] / cond[1:])  # (nx-1,)
    gy = w * cond / dy  # (nx,)
    rows, cols, vals = [], [], []
    for a, b, g in (
        (idx[:, :-1], idx[:, 1:], np.broadcast_to(gx, (ny, nx - 1))),
        (idx[:-1, :], idx[1:, :], np.broadcast_to(gy, (ny - 1, nx))),
    ):
        a, b, g = a.ravel(), b.ravel(), np.ravel(g)
        rows += [a, b, a, b]
        cols += [a, b, b, a]
        vals += [g, g, -g, -g]
    g_surf = 2 * w * cond / dy
    rows.append(idx[0])
    cols.append(idx[0])
    vals.append(g_surf)
    n = nx * ny
    mat = sparse.coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    ).tocsc()
    src = np.zeros(n)
    src[idx[0]] = g_surf
    return mat, src


def solve_bicrystal(
    *,
    d_bulk: float,
    d_gb: float,
    delta_cm: float,
    time_s: float,
    s: float = 1.0,
    width_cm: float | None = None,
    depth_cm: float | None = None,
    ny: int = 300,
    n_steps: int = 150,
    growth: float = 1.15,
) -> BicrystalResult:
    """Constant-source bicrystal after ``time_s``; defaults: width 6 sqrt(D t), depth 8 L_gb.

    L_gb = sqrt(s delta D_gb) (t/D)^(1/4) is the Fisher penetration scale of the GB tail.
    """
    for name, v in (
        ("d_bulk", d_bulk),
        ("d_gb", d_gb),
        ("delta", delta_cm),
        ("time", time_s),
        ("s", s),
    ):
        if not (math.isfinite(v) and v > 0):
            raise SolverError(f"{name} must be finite and > 0; got {v!r}")
    if ny < 10 or n_steps < 2:
        raise SolverError("need ny >= 10 and n_steps >= 2")
    lam = math.sqrt(d_bulk * time_s)
    width = 6 * lam if width_cm is None else width_cm
    depth = (
        8 * math.sqrt(s * delta_cm * d_gb) * (time_s / d_bulk) ** 0.25
        if depth_cm is None
        else depth_cm
    )
    edges = bicrystal_x_grid(delta_cm=delta_cm, width_cm=width, h_max_cm=lam / 8, growth=growth)
    w = np.diff(edges)
    nx, dy = w.size, depth / ny
    cond = np.full(nx, d_bulk)
    cond[0] = s * d_gb
    cap = np.ones(nx)
    cap[0] = s
    lmat, src = _operator(w, dy, ny, cond)
    mass = np.tile(cap * w * dy, ny)
    dt = time_s / n_steps
    phi = np.zeros(nx * ny)
    be = spla.splu((sparse.diags(mass / dt) + lmat).tocsc())
    phi_prev, phi = phi, be.solve(mass / dt * phi + src)
    bdf2 = spla.splu((sparse.diags(1.5 * mass / dt) + lmat).tocsc())
    for _ in range(n_steps - 1):
        rhs = mass / dt * (2 * phi - 0.5 * phi_prev) + src
        phi_prev, phi = phi, bdf2.solve(rhs)
    field = phi.reshape(ny, nx)
    c_mean = (field * (cap * w)).sum(axis=1) / w.sum()
    y = (np.arange(ny) + 0.5) * dy
    return BicrystalResult(edges, y, field, c_mean, d_bulk, d_gb, delta_cm, s, time_s, n_steps)
