"""Two-dimensional finite-volume tracer diffusion in a polycrystal on a regular square grid.

Cells are the pixels of a label image (rows y, columns x), ``h_cm`` wide.  A face inside a grain
conducts ``g = D_b / h`` (cm/s); a face between two grains (a GB of median conductance ``k``
times the pair's factor ``f_k``) conducts in series ``g = 1 / (h / D_b + s / (f_k k))`` with
``s = 1`` ("pixel") or, "corrected", ``s = (N_x + N_y) / sqrt(N_x^2 + N_y^2)`` of that pair's
x- and y-faces (= |cos theta| + |sin theta| of a straight GB: the staircase has that much more
face area than the real GB, science.md section 3).  A source side is held at ``c_source``
through a boundary face half a cell from the first cell centre (``g = 2 D_b / h``); other edges
are closed.  ``dc/dt = A c + b`` with ``A`` symmetric (uniform cells).

Time integration: TR-BDF2 with step doubling to ``rtol`` (``stepping``; one sparse LU per step
size).  The memory of the solve is estimated before the grid is built and a grid that would not
fit is refused (``memory``).  Units: cm, s, cm^2/s, cm/s; concentrations are isotope fractions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from ..errors import InputError, SolverError
from ..history import Stage, ThermalHistory
from ..results import ResultMixin
from .materials import MaterialLaw
from .memory import check_solver_memory, out_of_memory
from .microstructure import Polycrystal, grain_pairs
from .stepping import factor, integrate_stage

__all__ = [
    "GridGeometry",
    "PolycrystalEvolution",
    "StageReport",
    "diffusion_operator",
    "evolve_polycrystal",
    "face_conductances_2d",
    "gb_phase_mask",
    "grid_geometry",
    "homogenised_d_eff",
    "integrate_stage",
]

FloatArray = NDArray[np.float64]
_SIDES = ("left", "right", "top", "bottom")


@dataclass(frozen=True)
class GridGeometry:
    """Face-to-GB map of a label image: ``x_pair`` (ny, nx-1) and ``y_pair`` (ny-1, nx) hold the
    pair index of each face (-1 inside a grain); ``staircase`` (P,) the factor s of each pair."""

    shape: tuple[int, int]
    x_pair: NDArray[np.int64]
    y_pair: NDArray[np.int64]
    staircase: FloatArray


def grid_geometry(labels: NDArray[Any]) -> GridGeometry:
    """The :class:`GridGeometry` of a label image (rows y, columns x)."""
    lab = np.asarray(labels)
    if lab.ndim != 2 or lab.shape[1] < 2:
        raise InputError(f"labels must be a 2D integer image with >= 2 columns, got {lab.shape}")
    pairs, xp, yp = grain_pairs(lab)
    p = pairs.shape[0]
    nx_f = np.bincount(xp[xp >= 0], minlength=p).astype(float)
    ny_f = np.bincount(yp[yp >= 0], minlength=p).astype(float)
    s = (nx_f + ny_f) / np.maximum(np.hypot(nx_f, ny_f), 1e-300)
    return GridGeometry(
        shape=(int(lab.shape[0]), int(lab.shape[1])),
        x_pair=xp,
        y_pair=yp,
        staircase=np.asarray(s, dtype=float),
    )


def face_conductances_2d(
    geometry: GridGeometry,
    k_pairs: FloatArray,
    *,
    h_cm: float,
    d_bulk: float,
    gb_faces: str = "pixel",
    d_cells: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Conductances (cm/s) of the x-faces (ny, nx-1) and y-faces (ny-1, nx); ``k_pairs`` (P,)
    GB conductance of each pair in cm/s (``inf``: no interface resistance).  ``d_cells``
    (ny, nx) per-cell diffusivities (e.g. a fast GB phase) replace ``d_bulk``: the bulk part of
    a face's resistance is then ``h / (2 D_1) + h / (2 D_2)``."""
    if gb_faces not in ("pixel", "corrected"):
        raise InputError(f"gb_faces must be 'pixel' or 'corrected', got {gb_faces!r}")
    if not (h_cm > 0 and d_bulk > 0 and math.isfinite(d_bulk)):
        raise InputError("h_cm and d_bulk must be > 0")
    k = np.asarray(k_pairs, dtype=float)
    if k.shape != geometry.staircase.shape or np.any(~(k > 0)):
        raise InputError(f"k_pairs needs {geometry.staircase.size} values > 0 cm/s")
    inv_k = (geometry.staircase if gb_faces == "corrected" else 1.0) / k
    if d_cells is None:
        res = [np.full(idx.shape, h_cm / d_bulk) for idx in (geometry.x_pair, geometry.y_pair)]
    else:
        r = 0.5 * h_cm / np.asarray(d_cells, dtype=float)
        if r.shape != geometry.shape or not np.all(r > 0):
            raise InputError(f"d_cells must have shape {geometry.shape} and values > 0")
        res = [r[:, :-1] + r[:, 1:], r[:-1, :] + r[1:, :]]
    out = []
    for idx, rb in zip((geometry.x_pair, geometry.y_pair), res, strict=True):
        m = idx >= 0
        rb[m] += inv_k[idx[m]]
        out.append(1.0 / rb)
    return out[0], out[1]


def gb_phase_mask(labels: NDArray[Any]) -> NDArray[np.bool_]:
    """Cells with a 4-neighbour of another grain: the GB phase (two cells thick) of fast GBs."""
    lab = np.asarray(labels)
    m = np.zeros(lab.shape, dtype=bool)
    dx, dy = lab[:, 1:] != lab[:, :-1], lab[1:, :] != lab[:-1, :]
    m[:, 1:] |= dx
    m[:, :-1] |= dx
    m[1:, :] |= dy
    m[:-1, :] |= dy
    return m


def diffusion_operator(
    gx: FloatArray,
    gy: FloatArray,
    *,
    h_cm: float,
    boundary: dict[str, tuple[float | FloatArray, float]] | None = None,
) -> tuple[sp.csr_matrix, FloatArray]:
    """``A`` (1/s) and ``b`` (1/s) of ``dc/dt = A c + b`` on cells flattened row-major (y, x).

    ``boundary`` maps a side ("left", "right", "top", "bottom") to ``(g_face cm/s, c_held)``:
    that edge is held at ``c_held`` through faces of conductance ``g_face`` (one value or one
    per edge cell); other edges closed.
    """
    ny, nx = gx.shape[0], gx.shape[1] + 1
    if gy.shape != (ny - 1, nx):
        raise InputError(f"gy must have shape {(ny - 1, nx)}, got {gy.shape}")
    idx = np.arange(ny * nx).reshape(ny, nx)
    rows = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    cols = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    vals = np.concatenate([gx.ravel(), gy.ravel()]) / h_cm
    diag = np.bincount(rows, vals, ny * nx) + np.bincount(cols, vals, ny * nx)
    b = np.zeros(ny * nx)
    edges = {"left": idx[:, 0], "right": idx[:, -1], "top": idx[0, :], "bottom": idx[-1, :]}
    for side, (g, c) in (boundary or {}).items():
        if side not in _SIDES:
            raise InputError(f"boundary side must be one of {_SIDES}, got {side!r}")
        np.add.at(diag, edges[side], g / h_cm)
        np.add.at(b, edges[side], g / h_cm * c)
    a = sp.coo_matrix(
        (
            np.concatenate([vals, vals, -diag]),
            (
                np.concatenate([rows, cols, np.arange(ny * nx)]),
                np.concatenate([cols, rows, np.arange(ny * nx)]),
            ),
        ),
        shape=(ny * nx, ny * nx),
    ).tocsr()
    return a, b


@dataclass(frozen=True)
class StageReport(ResultMixin):
    """How one isothermal piece was integrated: steps, factorisations, error estimate (in C)."""

    temperature_K: float
    duration_s: float
    boundary: str
    steps: int
    factorisations: int
    error_estimate: float | None
    d_bulk: float
    k_median: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain form."""
        return dict(self.__dict__)


def _k_pairs(poly: Polycrystal, k_median: float) -> FloatArray:
    return np.asarray(k_median * poly.k_factor, dtype=float)


@dataclass(frozen=True)
class PolycrystalEvolution(ResultMixin):
    """Fields (ny, nx) after each stage of a history, with how each piece was integrated."""

    fields: list[FloatArray]
    stages: list[Stage]
    reports: list[StageReport] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Integration summary (not the fields)."""
        return {
            "stages": [s.to_dict() for s in self.stages],
            "pieces": [r.to_dict() for r in self.reports],
        }


_EDGE: dict[str, tuple[Any, Any]] = {
    "left": (slice(None), 0),
    "right": (slice(None), -1),
    "top": (0, slice(None)),
    "bottom": (-1, slice(None)),
}


def _piece_operator(
    poly: Polycrystal,
    geo: GridGeometry,
    material: MaterialLaw,
    piece: Stage,
    side: str,
    c_source: float,
    gb_faces: str,
) -> tuple[sp.csr_matrix, FloatArray, float, float]:
    """``A``, ``b``, D_b and median k of one isothermal piece (fast GBs: GB-phase cells)."""
    if side not in _EDGE:
        raise InputError(f"source side must be one of {_SIDES}, got {side!r}")
    h = poly.pixel_size_um * 1e-4
    db, km = material.d_bulk(piece.temperature_K), material.k_gb(piece.temperature_K)
    d_cells = None
    k_pairs = _k_pairs(poly, km)
    if material.has_gb_phase:
        d_cells = np.where(gb_phase_mask(poly.labels), material.d_gb_phase(piece.temperature_K), db)
        k_pairs = np.full(k_pairs.shape, np.inf)
    gx, gy = face_conductances_2d(
        geo, k_pairs, h_cm=h, d_bulk=db, gb_faces=gb_faces, d_cells=d_cells
    )
    g_edge: float | FloatArray = 2.0 * db / h if d_cells is None else 2.0 * d_cells[_EDGE[side]] / h
    bnd = {side: (g_edge, c_source)} if piece.boundary == "source" else {}
    a, b = diffusion_operator(gx, gy, h_cm=h, boundary=bnd)
    return a, b, db, km


def _as_stages(history: ThermalHistory | Sequence[Stage]) -> list[Stage]:
    st = list(history.stages if isinstance(history, ThermalHistory) else history)
    if not st or not all(isinstance(s, Stage) for s in st):
        raise InputError("history must be a ThermalHistory or a non-empty list of Stage")
    return st


def evolve_polycrystal(
    poly: Polycrystal,
    material: MaterialLaw,
    history: ThermalHistory | Sequence[Stage],
    *,
    c_initial: float | FloatArray,
    c_source: float,
    source_side: str = "left",
    gb_faces: str = "pixel",
    rtol: float | None = 1e-4,
    steps: int | None = None,
    scheme: str = "trbdf2",
    ramp_step_K: float = 5.0,
) -> PolycrystalEvolution:
    """Evolve the isotope fraction through ``history`` (stages "source": ``source_side`` held at
    ``c_source``; "closed": no flux).  Ramps are cut into isothermal pieces <= ``ramp_step_K``;
    ``rtol`` applies per piece, relative to ``|c_source - c_initial|``."""
    stages = _as_stages(history)
    check_solver_memory(poly.shape, n_fields=len(stages))
    try:
        return _evolve(
            poly,
            material,
            stages,
            c_initial=c_initial,
            c_source=c_source,
            source_side=source_side,
            gb_faces=gb_faces,
            rtol=rtol,
            steps=steps,
            scheme=scheme,
            ramp_step_K=ramp_step_K,
        )
    except MemoryError:
        raise out_of_memory(poly.shape, n_fields=len(stages)) from None


def _evolve(
    poly: Polycrystal,
    material: MaterialLaw,
    stages: list[Stage],
    *,
    c_initial: float | FloatArray,
    c_source: float,
    source_side: str,
    gb_faces: str,
    rtol: float | None,
    steps: int | None,
    scheme: str,
    ramp_step_K: float,
) -> PolycrystalEvolution:
    geo = grid_geometry(poly.labels)
    ny, nx = geo.shape
    c = np.broadcast_to(np.asarray(c_initial, dtype=float), (ny, nx)).ravel().copy()
    scale = max(float(np.max(np.abs(c_source - c))), 1e-12)
    fields, reports = [], []
    for st in stages:
        for piece in ThermalHistory([st]).isothermal_pieces(max_step_K=ramp_step_K):
            a, b, db, km = _piece_operator(
                poly, geo, material, piece, source_side, float(c_source), gb_faces
            )
            c, n, nf, err = integrate_stage(
                a,
                b,
                c,
                duration_s=piece.duration_s,
                steps=steps,
                rtol=rtol,
                scale=scale,
                scheme=scheme,
            )
            reports.append(
                StageReport(
                    piece.temperature_K, piece.duration_s, piece.boundary, n, nf, err, db, km
                )
            )
        fields.append(c.reshape(ny, nx).copy())
    return PolycrystalEvolution(fields=fields, stages=stages, reports=reports)


def homogenised_d_eff(
    poly: Polycrystal,
    *,
    d_bulk: float,
    k_median: float,
    gb_faces: str = "pixel",
    axis: str = "x",
    d_gb_phase: float | None = None,
) -> float:
    """Long-range D_eff (cm^2/s) along ``axis`` by a steady-state flux solve: c = 1 and 0 held on
    the two opposite faces (half a cell from the first centres), the others closed;
    ``D_eff = J L / dC``.  ``d_gb_phase`` (cm^2/s): fast GBs as GB-phase cells (k ignored)."""
    if axis not in ("x", "y"):
        raise InputError(f"axis must be 'x' or 'y', got {axis!r}")
    check_solver_memory(poly.shape)
    try:
        return _steady_d_eff(
            poly,
            d_bulk=d_bulk,
            k_median=k_median,
            gb_faces=gb_faces,
            axis=axis,
            d_gb_phase=d_gb_phase,
        )
    except MemoryError:
        raise out_of_memory(poly.shape) from None


def _steady_d_eff(
    poly: Polycrystal,
    *,
    d_bulk: float,
    k_median: float,
    gb_faces: str,
    axis: str,
    d_gb_phase: float | None,
) -> float:
    labels = poly.labels if axis == "x" else poly.labels.T
    h = poly.pixel_size_um * 1e-4
    geo = grid_geometry(labels)
    k_pairs = _k_pairs(poly, k_median)
    d_cells = None
    if d_gb_phase is not None:
        d_cells = np.where(gb_phase_mask(labels), d_gb_phase, d_bulk)
        k_pairs = np.full(k_pairs.shape, np.inf)
    gx, gy = face_conductances_2d(
        geo, k_pairs, h_cm=h, d_bulk=d_bulk, gb_faces=gb_faces, d_cells=d_cells
    )
    gl = 2.0 * (d_bulk if d_cells is None else d_cells[:, 0]) / h
    gr = 2.0 * (d_bulk if d_cells is None else d_cells[:, -1]) / h
    a, b = diffusion_operator(gx, gy, h_cm=h, boundary={"left": (gl, 1.0), "right": (gr, 0.0)})
    c = factor(-a).solve(b).reshape(geo.shape)
    ny, nx = geo.shape
    j_in = float(np.sum(gl * (1.0 - c[:, 0]))) / ny
    j_out = float(np.sum(gr * c[:, -1])) / ny
    if not math.isclose(j_in, j_out, rel_tol=1e-6):
        raise SolverError(f"steady-state flux not conserved ({j_in:.6g} vs {j_out:.6g} cm/s)")
    return 0.5 * (j_in + j_out) * nx * h
