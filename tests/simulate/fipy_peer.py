"""FiPy (backward Euler) on the same grid and face conductances as tracerdiff.simulate.fv2d."""

from __future__ import annotations

import numpy as np


def fipy_backward_euler(
    gx: np.ndarray,
    gy: np.ndarray,
    *,
    h_cm: float,
    d_bulk: float,
    c0: float,
    c_source: float,
    time_s: float,
    steps: int,
    solver: str = "lu",
    tolerance: float = 1e-14,
) -> np.ndarray:
    """Left face held at ``c_source`` (boundary coefficient ``d_bulk``), other edges closed.

    Face coefficients are set explicitly (``Gamma = g h`` on interior faces), not averaged.
    """
    import fipy as fp

    ny, nx = gx.shape[0], gx.shape[1] + 1
    mesh = fp.Grid2D(dx=h_cm, dy=h_cm, nx=nx, ny=ny)
    c = fp.CellVariable(mesh=mesh, value=c0)
    coeff = np.zeros(mesh.numberOfFaces)
    n_h = nx * (ny + 1)  # horizontal faces (normal y) first, row by row
    hor = np.zeros((ny + 1, nx))
    hor[1:-1, :] = gy * h_cm
    ver = np.full((ny, nx + 1), d_bulk)
    ver[:, 1:-1] = gx * h_cm
    coeff[:n_h] = hor.ravel()
    coeff[n_h:] = ver.ravel()
    gamma = fp.FaceVariable(mesh=mesh, value=coeff)
    c.constrain(c_source, mesh.facesLeft)
    eq = fp.TransientTerm() == fp.DiffusionTerm(coeff=gamma)
    if solver == "lu":
        sol = fp.LinearLUSolver(tolerance=tolerance, iterations=50)
    else:
        sol = fp.LinearPCGSolver(tolerance=tolerance, iterations=20000)
    dt = time_s / steps
    for _ in range(steps):
        eq.solve(var=c, dt=dt, solver=sol)
    return np.asarray(c.value, dtype=float).reshape(ny, nx)
