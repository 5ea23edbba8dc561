"""Simulated microstructures: 2D polycrystals on a pixel grid and 1D grain chains.

2D: a Laguerre (power-weighted Voronoi) tessellation, periodic during construction, whose seed
weights are iterated until every grain's area matches a target drawn from a lognormal grain-size
distribution; the grain size is the equivalent-circle diameter (ECD, um).  Each pair of adjacent
grains gets its own GB conductance factor (lognormal, median 1) and each grain an optional
secondary-ion yield factor.  Lengths in um; randomness from the ``rng`` passed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from ..errors import InputError
from ..quantities import quantity
from ..results import ResultMixin

__all__ = [
    "GrainChain",
    "Polycrystal",
    "grain_pairs",
    "lognormal_params",
    "make_grain_chain",
    "make_laminate",
    "make_polycrystal",
    "mean_intercept_um",
    "measure_grain_sizes",
]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def lognormal_params(mean: float, sd: float) -> tuple[float, float]:
    """(mu_ln, sigma_ln) of a lognormal with arithmetic ``mean`` and ``sd`` (same unit)."""
    if not (mean > 0 and sd >= 0 and math.isfinite(mean) and math.isfinite(sd)):
        raise InputError(f"grain size needs mean > 0 and sd >= 0, got {mean}, {sd}")
    s2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - 0.5 * s2, math.sqrt(s2)


def _rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def grain_pairs(labels: NDArray[Any]) -> tuple[IntArray, IntArray, IntArray]:
    """Adjacent grain pairs of a label image and, per face, the pair index (-1 inside a grain).

    Returns ``(pairs (P, 2) sorted, x_face_pair (ny, nx-1), y_face_pair (ny-1, nx))``.
    """
    lab = np.asarray(labels, dtype=np.int64)
    a = [lab[:, :-1], lab[:-1, :]]
    b = [lab[:, 1:], lab[1:, :]]
    big = int(lab.max()) + 1
    keys = [np.minimum(p, q) * big + np.maximum(p, q) for p, q in zip(a, b, strict=True)]
    gb = [p != q for p, q in zip(a, b, strict=True)]
    uniq = np.unique(np.concatenate([k[m] for k, m in zip(keys, gb, strict=True)]))
    pairs = np.stack([uniq // big, uniq % big], axis=1).astype(np.int64)
    out = []
    for k, m in zip(keys, gb, strict=True):
        idx = np.full(k.shape, -1, dtype=np.int64)
        idx[m] = np.searchsorted(uniq, k[m])
        out.append(idx)
    return pairs, out[0], out[1]


@dataclass(frozen=True)
class Polycrystal(ResultMixin):
    """A 2D polycrystal on a grid of square pixels (cells) ``pixel_size_um`` wide.

    ``labels`` (ny, nx) grain index per cell (rows y, columns x); ``pairs`` (P, 2) adjacent grain
    pairs; ``k_factor`` (P,) each GB's conductance relative to the median; ``yield_factor``
    (n_grains,) secondary-ion yield per grain; ``target_diameters_um`` the drawn ECDs.
    """

    labels: IntArray
    pixel_size_um: float
    pairs: IntArray
    k_factor: FloatArray
    yield_factor: FloatArray
    target_diameters_um: FloatArray
    description: str = "laguerre"

    @property
    def n_grains(self) -> int:
        """Number of grains."""
        return int(self.yield_factor.size)

    @property
    def shape(self) -> tuple[int, int]:
        """(ny, nx) cells."""
        return (int(self.labels.shape[0]), int(self.labels.shape[1]))

    def k_pair(self, i: int, j: int) -> float:
        """The conductance factor of the GB between grains ``i`` and ``j``."""
        a, b = min(i, j), max(i, j)
        hit = np.nonzero((self.pairs[:, 0] == a) & (self.pairs[:, 1] == b))[0]
        if hit.size == 0:
            raise InputError(f"grains {i} and {j} are not adjacent")
        return float(self.k_factor[hit[0]])

    def to_dict(self) -> dict[str, Any]:
        """Summary (not the arrays)."""
        d = measure_grain_sizes(self.labels, pixel_size_um=self.pixel_size_um)
        return {
            "construction": self.description,
            "shape_cells": list(self.shape),
            "pixel_size": quantity(self.pixel_size_um, None, "um"),
            "n_grains": self.n_grains,
            "n_gb_pairs": int(self.pairs.shape[0]),
            "grain_ecd_mean": quantity(float(np.mean(d)), None, "um"),
            "grain_ecd_sd": quantity(float(np.std(d, ddof=1)) if d.size > 1 else None, None, "um"),
            "k_factor_harmonic_mean": float(1.0 / np.mean(1.0 / self.k_factor))
            if self.k_factor.size
            else None,
        }


def mean_intercept_um(labels: NDArray[Any], *, pixel_size_um: float, axis: str = "x") -> float:
    """Mean linear intercept (um) along ``axis``: line length per GB crossing, counting the faces
    between different grains along every row (x) or column (y)."""
    lab = np.asarray(labels)
    if axis not in ("x", "y"):
        raise InputError(f"axis must be 'x' or 'y', got {axis!r}")
    crossings = int(
        np.sum(lab[:, 1:] != lab[:, :-1]) if axis == "x" else np.sum(lab[1:, :] != lab[:-1, :])
    )
    if crossings == 0:
        raise InputError("no grain boundary crosses the image along that axis")
    return float(lab.size * pixel_size_um / crossings)


def measure_grain_sizes(labels: NDArray[Any], *, pixel_size_um: float) -> FloatArray:
    """Equivalent-circle diameters (um) of every label present (pixel counting)."""
    _, counts = np.unique(np.asarray(labels), return_counts=True)
    return np.asarray(2.0 * np.sqrt(counts * pixel_size_um**2 / math.pi), dtype=float)


def _draw_diameters(area: float, mean: float, sd: float, rng: np.random.Generator) -> FloatArray:
    mu, s = lognormal_params(mean, sd)
    n_guess = int(area / (math.pi / 4 * (mean**2 + sd**2))) + 8
    d = rng.lognormal(mu, s, size=max(n_guess * 2, 16))
    cum = np.cumsum(math.pi / 4 * d**2)
    n = int(np.searchsorted(cum, area)) + 1
    if n > d.size:
        raise InputError("grain-size draw failed: domain too large for the grain count guess")
    return np.asarray(d[:n], dtype=float)


def _place_seeds(
    radii: FloatArray, box: tuple[float, float], rng: np.random.Generator
) -> FloatArray:
    """Random sequential placement, largest first, avoiding overlaps where possible (periodic)."""
    lx, ly = box
    order = np.argsort(-radii)
    pts = np.empty((radii.size, 2))
    placed: list[int] = []
    for i in order:
        best, best_gap = None, -np.inf
        for _ in range(30):
            p = rng.uniform((0.0, 0.0), (lx, ly))
            if not placed:
                best = p
                break
            q = pts[placed]
            dx = np.abs(q - p)
            dx = np.minimum(dx, np.array([lx, ly]) - dx)
            gap = float(np.min(np.hypot(dx[:, 0], dx[:, 1]) - 0.8 * (radii[placed] + radii[i])))
            if gap >= 0:
                best = p
                break
            if gap > best_gap:
                best, best_gap = p, gap
        pts[i] = best
        placed.append(int(i))
    return pts


def _power_labels(
    seeds: FloatArray, weights: FloatArray, centres: FloatArray, box: tuple[float, float]
) -> IntArray:
    """Nearest seed in power distance |x - s|^2 - w, periodic in x and y (3D lifting trick)."""
    wmax = float(weights.max())
    z = np.sqrt(np.maximum(wmax - weights, 0.0))
    zbox = 2.0 * float(z.max()) + 1.0
    data = np.column_stack([seeds[:, 0] % box[0], seeds[:, 1] % box[1], z])
    tree = cKDTree(data, boxsize=[box[0], box[1], zbox])
    q = np.column_stack([centres, np.zeros(len(centres))])
    _, idx = tree.query(q, k=1)
    return np.asarray(idx, dtype=np.int64)


def make_polycrystal(
    shape: tuple[int, int],
    *,
    pixel_size_um: float = 1.0,
    mean_um: float = 16.0,
    sd_um: float = 11.0,
    k_sigma_ln: float = 0.4,
    yield_sigma_ln: float = 0.0,
    iterations: int = 15,
    rng: np.random.Generator | int | None = None,
) -> Polycrystal:
    """A Laguerre polycrystal of ``shape = (ny, nx)`` cells whose grain ECDs follow a lognormal
    with arithmetic ``mean_um`` and ``sd_um``; GB factors lognormal(0, ``k_sigma_ln``) per pair,
    yield factors lognormal(0, ``yield_sigma_ln``) per grain.  Seed weights are adjusted
    ``iterations`` times with Lloyd moves of the seeds (keeping the best: smallest mean relative
    area error), or until every area is within 3 % or 2 cells of its target.
    """
    ny, nx = (int(v) for v in shape)
    if ny < 1 or nx < 2 or not pixel_size_um > 0:
        raise InputError(
            f"polycrystal needs shape (ny >= 1, nx >= 2) and pixel size > 0, got {shape}"
        )
    g = _rng(rng)
    h = float(pixel_size_um)
    box = (nx * h, ny * h)
    diam = _draw_diameters(box[0] * box[1], mean_um, sd_um, g)
    target = math.pi / 4 * diam**2
    seeds = _place_seeds(diam / 2, box, g)
    yy, xx = np.mgrid[0:ny, 0:nx]
    centres = np.column_stack([(xx.ravel() + 0.5) * h, (yy.ravel() + 0.5) * h])
    w = (diam / 2) ** 2
    best: tuple[float, IntArray] | None = None
    for _ in range(max(1, iterations)):
        idx = _power_labels(seeds, w, centres, box)
        cnt = np.bincount(idx, minlength=diam.size)
        err = target - cnt * h * h
        score = float(np.mean(np.abs(err) / target))
        if best is None or score < best[0]:
            best = (score, idx)
        if np.all(np.abs(err) <= np.maximum(0.03 * target, 2 * h * h)):
            break
        w = w + 0.5 * err / (math.pi / 2)
        seeds = _lloyd_step(seeds, idx, cnt, centres, box)
    assert best is not None
    idx = best[1]
    labels = _relabel(idx.reshape(ny, nx))
    return _finish(labels, h, diam, k_sigma_ln, yield_sigma_ln, g, "laguerre")


def _lloyd_step(
    seeds: FloatArray, idx: IntArray, cnt: IntArray, centres: FloatArray, box: tuple[float, float]
) -> FloatArray:
    """Move every seed to the (periodic) centroid of its cell."""
    period = np.asarray(box)
    d = centres - seeds[idx]
    d -= period * np.round(d / period)
    out = seeds.copy()
    ok = cnt > 0
    for ax in (0, 1):
        s = np.bincount(idx, weights=d[:, ax], minlength=seeds.shape[0])
        out[ok, ax] += s[ok] / cnt[ok]
    return np.asarray(out % period, dtype=float)


def _relabel(labels: IntArray) -> IntArray:
    _, inv = np.unique(labels, return_inverse=True)
    return np.asarray(inv.reshape(labels.shape), dtype=np.int64)


def _finish(
    labels: IntArray,
    h: float,
    diam: FloatArray,
    k_sigma_ln: float,
    yield_sigma_ln: float,
    g: np.random.Generator,
    description: str,
) -> Polycrystal:
    if k_sigma_ln < 0 or yield_sigma_ln < 0:
        raise InputError("k_sigma_ln and yield_sigma_ln must be >= 0")
    pairs, _, _ = grain_pairs(labels)
    k_factor = np.exp(g.normal(0.0, k_sigma_ln, size=pairs.shape[0]))
    n = int(labels.max()) + 1
    yields = np.exp(g.normal(0.0, yield_sigma_ln, size=n)) if yield_sigma_ln > 0 else np.ones(n)
    return Polycrystal(
        labels=labels,
        pixel_size_um=h,
        pairs=pairs,
        k_factor=k_factor,
        yield_factor=yields,
        target_diameters_um=diam,
        description=description,
    )


def make_laminate(
    shape: tuple[int, int],
    widths_cells: list[int] | NDArray[Any],
    *,
    pixel_size_um: float = 1.0,
    k_sigma_ln: float = 0.0,
    rng: np.random.Generator | int | None = None,
) -> Polycrystal:
    """Grains as stripes across x (GB planes normal to x): the exact series model holds."""
    ny, nx = (int(v) for v in shape)
    w = np.asarray(widths_cells, dtype=np.int64)
    if w.ndim != 1 or np.any(w < 1) or int(w.sum()) != nx:
        raise InputError(f"laminate widths must be >= 1 cell each and sum to nx = {nx}")
    col = np.repeat(np.arange(w.size), w)
    labels = np.broadcast_to(col, (ny, nx)).copy()
    return _finish(
        labels,
        float(pixel_size_um),
        np.asarray(w * float(pixel_size_um), dtype=np.float64),
        k_sigma_ln,
        0.0,
        _rng(rng),
        "laminate",
    )


@dataclass(frozen=True)
class GrainChain(ResultMixin):
    """A 1D chain of grains on ``n_cells`` cells of ``cell_um``: GBs on the faces ``gb_faces``
    (face i between cells i and i+1) with conductance factors ``k_factor``."""

    n_cells: int
    cell_um: float
    gb_faces: IntArray
    k_factor: FloatArray

    def face_conductance(self, k_median: float) -> FloatArray:
        """Per interior face GB conductance (cm/s; inf where no GB) for a median ``k``."""
        k = np.full(self.n_cells - 1, np.inf)
        k[self.gb_faces] = k_median * self.k_factor
        return k

    def grain_lengths_um(self) -> FloatArray:
        """Lengths (um) of the grains (the first and last are cut by the ends)."""
        edges = np.concatenate([[0], self.gb_faces + 1, [self.n_cells]])
        return np.asarray(np.diff(edges) * self.cell_um, dtype=float)

    def to_dict(self) -> dict[str, Any]:
        """Summary."""
        gl = self.grain_lengths_um()
        return {
            "n_cells": self.n_cells,
            "cell": quantity(self.cell_um, None, "um"),
            "n_gb": int(self.gb_faces.size),
            "grain_length_mean": quantity(
                float(gl[1:-1].mean()) if gl.size > 2 else None, None, "um"
            ),
            "k_factor_harmonic_mean": float(1.0 / np.mean(1.0 / self.k_factor))
            if self.k_factor.size
            else None,
        }


def make_grain_chain(
    length_um: float,
    *,
    cell_um: float = 1.0,
    mean_um: float = 16.0,
    sd_um: float = 11.0,
    k_sigma_ln: float = 0.4,
    rng: np.random.Generator | int | None = None,
) -> GrainChain:
    """A chain of grains with lognormal lengths (``mean_um``, ``sd_um``, rounded to whole cells,
    at least one) over ``length_um``, each GB with a lognormal(0, ``k_sigma_ln``) factor."""
    if not (length_um > 0 and cell_um > 0):
        raise InputError("grain chain needs length_um > 0 and cell_um > 0")
    g = _rng(rng)
    n = round(length_um / cell_um)
    mu, s = lognormal_params(mean_um, sd_um)
    lengths = np.maximum(
        1, np.rint(g.lognormal(mu, s, size=int(3 * n * cell_um / mean_um) + 8) / cell_um)
    ).astype(np.int64)
    ends = np.cumsum(lengths)
    faces = ends[ends < n] - 1
    k_factor = np.exp(g.normal(0.0, k_sigma_ln, size=faces.size))
    return GrainChain(n_cells=n, cell_um=float(cell_um), gb_faces=faces, k_factor=k_factor)
