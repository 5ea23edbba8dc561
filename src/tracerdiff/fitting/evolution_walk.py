"""The grain-sampling walk of :mod:`tracerdiff.fitting.microstructure_error` in evolution fits.

The later profiles are the initial one evolved through the real microstructure; the model
evolves it through a homogeneous medium.  To first order the residuals respond to an extra
resistance ``dr`` in the interval of walk node ``a`` (``dW = D dr``) as the change of the
evolved profile when the face there gets the interface conductance ``1 / dr``.  With unit
diffusivity for a time ``integral D dt`` per segment, the face's operator changes by
``dA = (dW / h^3) v v^T`` (``v = e_f - e_{f+1}``), and the first-order response
``int_0^t exp((t - s) A) dA exp(s A) c0 ds`` is evaluated exactly in the segment's eigenbasis
(DCT-II closed, DST-IV source, as :mod:`tracerdiff.solvers.exact`) for all faces at once
(:func:`face_responses`; checked against :func:`tracerdiff.solvers.fv1d.evolve_fv1d`).
A measured initial profile already carries the microstructure; an erfc initial profile is
smooth, so its own response (:func:`~tracerdiff.fitting.microstructure_error.image_kernel`,
evolved by the model) is added.  The evolved noise of the initial profile (already in the
fit's covariance) is given to the REML of q as known correlated noise
(:func:`initial_noise_factor`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import scipy.fft
import scipy.sparse
from numpy.typing import NDArray

from .evolution_model import EvolutionSetup, _erfc_sensitivity, _interp_matrix
from .microstructure_error import WalkResponse, image_kernel, nodes_for
from .models import ErfcModel
from .reml_walk import serial_blas
from .result import FitResult

__all__ = ["evolution_response", "face_responses", "initial_noise_factor"]

FloatArray = NDArray[np.float64]
Segs = Sequence[Sequence[tuple[str, float]]]
_MAX_EVOLUTION_NODES = 200
_DAMPED = 50.0  #: rate x time beyond which exp(-rate t) is dropped from the Duhamel matrix


def _basis(
    boundary: str, n: int, h_cm: float
) -> tuple[Callable[..., FloatArray], Callable[..., FloatArray], FloatArray]:
    """(forward, inverse, rates 1/cm^2) of a segment's eigenbasis (orthonormal transforms)."""
    shift, typ = (0.5, 4) if boundary == "source" else (0.0, 2)
    fwd, inv = (scipy.fft.dst, scipy.fft.idst) if typ == 4 else (scipy.fft.dct, scipy.fft.idct)
    rates = (2.0 - 2.0 * np.cos(np.pi * (np.arange(n) + shift) / n)) / h_cm**2

    def forward(v: FloatArray) -> FloatArray:
        return np.asarray(fwd(v, type=typ, norm="ortho", axis=0), dtype=float)

    def inverse(v: FloatArray) -> FloatArray:
        return np.asarray(inv(v, type=typ, norm="ortho", axis=0), dtype=float)

    return forward, inverse, rates


def _duhamel(ra: FloatArray, rb: FloatArray, dt: float) -> FloatArray:
    """I_mn = int_0^t exp(-l_m (t - s)) exp(-l_n s) ds = exp(-a t) t phi_1((b - a) t) with
    l_m in ``ra``, l_n in ``rb``, a, b the smaller and larger of them and
    phi_1(z) = (1 - exp(-z)) / z (symmetric)."""
    lo = np.minimum(ra[:, None], rb[None, :])
    z = np.abs(ra[:, None] - rb[None, :]) * dt
    safe = np.where(z > 1e-8, z, 1.0)
    phi = np.where(z > 1e-8, -np.expm1(-safe) / safe, 1.0 - z / 2)
    return np.asarray(np.exp(-lo * dt) * dt * phi, dtype=float)


def _duhamel_apply(rates: FloatArray, dt: float, x: FloatArray) -> FloatArray:
    """``I @ x`` for the Duhamel matrix of :func:`_duhamel` over ``rates`` (increasing).
    Entries whose both rates exceed ``_DAMPED / dt`` are below ``dt exp(-_DAMPED)`` (2e-22 dt)
    and are dropped: only the first ``k`` columns and rows are formed, O(n k) not O(n^2)."""
    k = int(np.searchsorted(rates * dt, _DAMPED))
    if 2 * k >= rates.size:
        return np.asarray(_duhamel(rates, rates, dt) @ x, dtype=float)
    cols = _duhamel(rates, rates[:k], dt)  # (n, k); rows [:k] of I are cols[:k] and cols^T
    y = cols @ x[:k]
    y[:k] += cols[k:].T @ x[k:]
    return np.asarray(y, dtype=float)


def face_responses(
    cells: FloatArray,
    faces: NDArray[np.int_],
    segs: Sequence[tuple[str, float]],
    *,
    h_cm: float,
    c_source: float | None,
) -> FloatArray:
    """(cells, faces): d(cells after ``segs``) / d(walk increment, cm) at each face (face f
    between cells f and f+1); unit diffusivity, segments ``(boundary, integral D dt)``."""
    c = np.asarray(cells, dtype=float)
    n = c.size
    v = np.zeros((n, faces.size))
    v[faces, np.arange(faces.size)] = 1.0
    v[faces + 1, np.arange(faces.size)] = -1.0
    # the response stays in the eigenbasis while consecutive segments share it
    out_hat: FloatArray | None = None
    kind, p = "", v
    inverse: Callable[..., FloatArray] = _basis("closed", n, h_cm)[1]
    for boundary, dt in segs:
        dt = max(float(dt), 0.0)
        if boundary != kind:
            back = inverse
            forward, inverse, rates = _basis(boundary, n, h_cm)
            out_hat = None if out_hat is None else forward(back(out_hat))
            kind, p = boundary, forward(v)
        base = float(c_source) if boundary == "source" and c_source is not None else 0.0
        c_hat = forward(c - base)
        damp = np.exp(-rates * dt)
        resp = p * _duhamel_apply(rates, dt, p * c_hat[:, None]) / h_cm**3
        out_hat = resp if out_hat is None else out_hat * damp[:, None] + resp
        c = base + inverse(c_hat * damp)
    return np.zeros((n, faces.size)) if out_hat is None else inverse(out_hat)


def _nodes(s: EvolutionSetup, origin: float) -> FloatArray:
    z = nodes_for(s.x_um, origin)
    if z.size > _MAX_EVOLUTION_NODES:
        z = np.quantile(z, np.linspace(0.0, 1.0, _MAX_EVOLUTION_NODES))
    return np.asarray(z, dtype=float)


def _erfc_initial_columns(
    s: EvolutionSetup, segs: Segs, mid: FloatArray, origin: float
) -> FloatArray:
    """The model's evolution of the erfc initial profile's own walk response (n, m)."""
    fit0, t0 = s.initial_fit, s.initial_time_s
    assert fit0 is not None and t0 is not None
    vals, h = dict(fit0.values), 1e-3 * float(s.h_cm * 1e4)

    def slope(d: FloatArray) -> FloatArray:
        x = d + origin
        m = ErfcModel()
        return (
            np.asarray(m.curve(x + h, vals, time_s=t0))
            - np.asarray(m.curve(x - h, vals, time_s=t0))
        ) / (2 * h)

    k0 = image_kernel(np.maximum(s.centres_um - origin, 0.0), mid, slope, surface="source")
    # the model is affine in the cells: the change is the linear part's evolution of k0
    out = np.zeros((s.y.size, mid.size))
    for sl, one in zip(s.slices, segs, strict=True):
        out[sl] = _interp_matrix(s.x_um[sl], s.centres_um) @ _linear_evolve(k0, s.h_cm, one)
    return out


def evolution_response(
    s: EvolutionSetup, result: FitResult, segments: Segs, c_source: float | None
) -> WalkResponse | None:
    """:class:`WalkResponse` (walk increments) of an evolution fit at its optimum."""
    h_um = s.h_cm * 1e4
    origin = float(s.centres_um[0] - 0.5 * h_um)
    z = _nodes(s, origin)
    n_cells = s.cells.size
    if z.size < 2 or n_cells < 3:
        return None
    edges = np.concatenate([[origin], z])
    mid = 0.5 * (edges[1:] + edges[:-1]) - origin
    faces = np.clip(np.rint(mid / h_um).astype(int) - 1, 0, n_cells - 2)
    k = np.zeros((s.y.size, z.size))
    with serial_blas():  # thin products (cells x ~15 modes x nodes): threads only cost
        for sl, segs in zip(s.slices, segments, strict=True):
            resp = face_responses(s.cells, faces, segs, h_cm=s.h_cm, c_source=c_source) * 1e-4
            k[sl] = _interp_matrix(s.x_um[sl], s.centres_um) @ resp
        if s.initial_fit is not None:
            k += _erfc_initial_columns(s, segments, mid, origin)
    return WalkResponse(k, z, origin)


def _linear_evolve(v: FloatArray, h_cm: float, segs: Sequence[tuple[str, float]]) -> FloatArray:
    """The linear part of the segments' evolution (source end held at 0) applied to the
    columns of ``v`` (cells, k): batched transforms, as :func:`~tracerdiff.solvers.exact`."""
    n = v.shape[0]
    idx = np.arange(n)
    out = np.asarray(v, dtype=float)
    for boundary, dt in segs:
        shift, kind = (0.5, 4) if boundary == "source" else (0.0, 2)
        rates = (2.0 - 2.0 * np.cos(np.pi * (idx + shift) / n)) / h_cm**2
        damp = np.exp(-rates * max(float(dt), 0.0))[:, None]
        if kind == 4:
            out = scipy.fft.idst(
                scipy.fft.dst(out, type=4, norm="ortho", axis=0) * damp,
                type=4,
                norm="ortho",
                axis=0,
            )
        else:
            out = scipy.fft.idct(
                scipy.fft.dct(out, type=2, norm="ortho", axis=0) * damp,
                type=2,
                norm="ortho",
                axis=0,
            )
    return np.asarray(out, dtype=float)


def _last_modes(n: int, h_cm: float, seg: tuple[str, float]) -> tuple[FloatArray, FloatArray]:
    """(modes (n, k), their damping) of a segment's eigenbasis whose damping exp(-rate t)
    exceeds exp(-_DAMPED): the rest of the segment's operator is below 2e-22."""
    boundary, dt = seg[0], max(float(seg[1]), 0.0)
    _, inverse, rates = _basis(boundary, n, h_cm)
    k = int(np.searchsorted(rates * dt, _DAMPED))
    return inverse(np.eye(n, k)), np.exp(-rates[:k] * dt)


def _slice_factors(
    s: EvolutionSetup,
    segs: Sequence[tuple[str, float]],
    probe: scipy.sparse.csr_matrix,
    root_var0: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """(F1 (k, r), F2 (r, initial points)) with F1 F2 = d(weighted residuals probed by
    ``probe`` (k, cells)) / d(initial values) x sqrt(var0).  Through the last segment only its
    undamped modes pass (:func:`_last_modes`), so r is small; else F1 = I."""
    to_cells = _interp_matrix(s.centres_um, s.initial.x_um)  # cells <- initial points
    n = s.cells.size
    if segs:
        modes, damp = _last_modes(n, s.h_cm, segs[-1])
        if modes.shape[1] < probe.shape[0]:
            # each segment's operator is symmetric: the adjoint runs them in reverse order
            rest = _linear_evolve(modes, s.h_cm, list(reversed(list(segs[:-1]))))
            f2 = (to_cells.T @ rest).T * root_var0[None, :]
            return np.asarray(probe @ modes) * damp[None, :], np.asarray(f2, dtype=float)
    back = _linear_evolve(probe.toarray().T, s.h_cm, list(reversed(list(segs))))
    return np.eye(probe.shape[0]), np.asarray((to_cells.T @ back).T * root_var0[None, :])


def _measured_root(
    s: EvolutionSetup,
    segments: Segs,
    rows: NDArray[np.int_],
    sigma: FloatArray,
    var0: FloatArray,
) -> FloatArray:
    """(rows, r) ``A`` with ``A A^T`` the evolved variance of the measured initial points in
    the weighted residuals at ``rows`` (a low-rank root: every profile sees the initial noise
    through its last segment's undamped modes)."""
    f1s, f2s, where = [], [], []
    for sl, segs in zip(s.slices, segments, strict=True):
        sel = np.nonzero((rows >= sl.start) & (rows < sl.stop))[0]
        if sel.size == 0:
            continue
        r = rows[sel]
        probe = scipy.sparse.diags(1.0 / sigma[r]) @ _interp_matrix(s.x_um[r], s.centres_um)
        f1, f2 = _slice_factors(s, segs, probe.tocsr(), np.sqrt(var0))  # probe (k, cells)
        f1s.append(f1)
        f2s.append(f2)
        where.append(sel)
    if not f2s:
        return np.zeros((rows.size, 0))
    f2 = np.vstack(f2s)
    w, v = np.linalg.eigh(f2 @ f2.T)
    root = v * np.sqrt(np.maximum(w, 0.0))[None, :]
    out = np.zeros((rows.size, f2.shape[0]))
    col = 0
    for sel, f1 in zip(where, f1s, strict=True):
        out[sel, col : col + f1.shape[1]] = f1
        col += f1.shape[1]
    return np.asarray(out @ root, dtype=float)


def initial_noise_factor(
    s: EvolutionSetup,
    result: FitResult,
    segments: Segs,
    c_source: float | None,
    source_from_cs: bool,
) -> Callable[[NDArray[np.int_]], FloatArray]:
    """``rows -> A`` with ``A A^T`` the evolved initial-profile noise in the weighted residuals
    at ``rows`` (measured: the initial points' variance as in the noise propagation; erfc: the
    covariance of the initial erfc fit)."""
    sigma = np.asarray(result.yerr, dtype=float)

    def factor(rows: NDArray[np.int_]) -> FloatArray:
        if s.initial_fit is None:
            var0 = (
                s.initial.C_err**2
                if s.initial.C_err is not None
                else np.full(s.initial.n, float(np.median(sigma)) ** 2)
            )
            return _measured_root(s, segments, rows, sigma, var0)

        def predict_from(cells: FloatArray, cs: float | None) -> FloatArray:
            return s.predict(segments, c_source=c_source if cs is None else cs, cells=cells)

        dm, cov = _erfc_sensitivity(s, predict_from, source_from_cs)
        w, v = np.linalg.eigh(0.5 * (cov + cov.T))
        root = v * np.sqrt(np.maximum(w, 0.0))[None, :]
        return np.asarray((dm[rows] / sigma[rows, None]) @ root, dtype=float)

    return factor
