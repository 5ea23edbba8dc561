"""Boundaries of a grain-label image: which grains meet, where, along which normal, and the
pixels of each side that a step fit may use.

A boundary is a connected set of pixel faces between two grains a < b (label values): faces
within two pixel pitches of each other in x and y belong to one boundary (a one-pixel
interruption does not split it), so a pair that meets in separate places - around a third grain,
or a label wrapped across the image's edge - gives one boundary per place.  Its trace is the
straight line through the face midpoints (principal axis), its normal n points from grain a to
grain b, and a pixel at r gets the coordinates u = (r - r_0) . n (signed distance from the
trace, < 0 in grain a) and v = (r - r_0) . t along it.  The fit window of a side holds the pixels
of that grain inside the strip over the trace (v within the trace's extent), at least a guard
band from the trace (|u| >= guard) and from every other boundary (the distance to the nearest
pixel of a third grain, less half a pixel, >= guard): windows stop at other boundaries and at
triple junctions.  Pixel centres at ((i + 1/2) p_x, (j + 1/2) p_y) in um (science.md section 9).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ..errors import InputError

__all__ = ["Boundary", "BoundaryWindow", "boundary_window", "find_boundaries"]

Arr = NDArray[np.float64]
IntArr = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Boundary:
    """One boundary between grains ``grains = (a, b)`` (label values, a < b).

    ``midpoint_um`` (x, y) the centroid of its faces, ``normal`` the unit normal from a to b,
    ``length_um`` the extent of the faces along the trace (plus one pitch), ``n_faces`` the
    pixel faces, ``straightness_um`` the rms distance of the face midpoints from the trace,
    ``v_range_um`` the extent of the faces along the tangent t = (-n_y, n_x); ``pixels`` the
    flat indices (into the label image) of the pixels on either side of its faces."""

    grains: tuple[int, int]
    midpoint_um: tuple[float, float]
    normal: tuple[float, float]
    length_um: float
    n_faces: int
    straightness_um: float
    v_range_um: tuple[float, float]
    pixels: NDArray[np.intp]

    @property
    def normal_deg(self) -> float:
        """Angle of the normal from +x towards +y (deg, (-180, 180])."""
        return math.degrees(math.atan2(self.normal[1], self.normal[0]))

    @property
    def tangent(self) -> tuple[float, float]:
        """Unit tangent t = n rotated by +90 deg."""
        return (-self.normal[1], self.normal[0])


@dataclass(frozen=True, eq=False)
class BoundaryWindow:
    """Pixels (flat indices into the map) of side a and side b and their (u, v) in um."""

    index_a: NDArray[np.intp]
    index_b: NDArray[np.intp]
    u_a: Arr
    u_b: Arr
    v_a: Arr
    v_b: Arr


def _faces(
    labels: IntArr, px: float, py: float, origin: tuple[float, float]
) -> tuple[IntArr, Arr, Arr, NDArray[np.intp]]:
    """Every face between two grains: pair key rows (a, b), midpoints (x, y) um, the
    direction from the a pixel to the b pixel (sign along x or y) and the flat indices of the
    two pixels (rows)."""
    ax, bx = labels[:, :-1], labels[:, 1:]
    ay, by = labels[:-1, :], labels[1:, :]
    mx, my = ax != bx, ay != by
    jx, ix = np.nonzero(mx)
    jy, iy = np.nonzero(my)
    la = np.concatenate([ax[mx], ay[my]])
    lb = np.concatenate([bx[mx], by[my]])
    xm = origin[0] + np.concatenate([(ix + 1.0) * px, (iy + 0.5) * px])
    ym = origin[1] + np.concatenate([(jx + 0.5) * py, (jy + 1.0) * py])
    # unit step from the first pixel of the face to the second: +x or +y
    dx = np.concatenate([np.ones(ix.size), np.zeros(iy.size)])
    dy = np.concatenate([np.zeros(ix.size), np.ones(iy.size)])
    sign = np.where(la < lb, 1.0, -1.0)  # from grain min(a, b) to max(a, b)
    pairs = np.column_stack([np.minimum(la, lb), np.maximum(la, lb)])
    w = labels.shape[1]
    first = np.concatenate([jx * w + ix, jy * w + iy])
    second = first + np.concatenate([np.full(ix.size, 1), np.full(iy.size, w)])  # right, below
    pix = np.column_stack([first, second]).astype(np.intp)
    return pairs, np.column_stack([xm, ym]), np.column_stack([dx * sign, dy * sign]), pix


def find_boundaries(
    labels: NDArray[np.integer],
    *,
    pixel_size_um: tuple[float, float] = (1.0, 1.0),
    origin_um: tuple[float, float] = (0.0, 0.0),
) -> list[Boundary]:
    """Every boundary of a label image (rows y, columns x; any integer labels, each grain one
    value), ordered by grain pair.  ``pixel_size_um`` = (p_x, p_y) in um; ``origin_um`` the
    (x, y) of the image's corner (pixel (0, 0) is centred at origin + p/2)."""
    lab = np.asarray(labels)
    if lab.ndim != 2 or min(lab.shape) < 2 or not np.issubdtype(lab.dtype, np.integer):
        raise InputError(f"labels must be a 2D integer image of >= 2 x 2 px, got {lab.shape}")
    px, py = (float(v) for v in pixel_size_um)
    pairs, mid, step, pix = _faces(lab.astype(np.int64), px, py, origin_um)
    if pairs.shape[0] == 0:
        return []
    uniq, inv = np.unique(pairs, axis=0, return_inverse=True)
    inv = inv.ravel()
    order = np.argsort(inv, kind="stable")
    cuts = np.flatnonzero(np.diff(inv[order])) + 1
    out = []
    for grp, (a, b) in zip(np.split(order, cuts), uniq, strict=True):
        for piece in _pieces(mid[grp], px, py):
            g = grp[piece]
            out.append(_one_boundary(int(a), int(b), mid[g], step[g], pix[g], px, py))
    return out


def _pieces(mid: Arr, px: float, py: float) -> list[NDArray[np.intp]]:
    """The connected pieces of one pair's faces (indices into ``mid``, ordered by their first
    face): faces within two pitches of each other in x and in y are connected."""
    n = mid.shape[0]
    if n < 2:
        return [np.arange(n)]
    near = cKDTree(mid / np.array([px, py])).query_pairs(
        2.0 + 1e-9, p=np.inf, output_type="ndarray"
    )
    graph = coo_matrix((np.ones(near.shape[0]), (near[:, 0], near[:, 1])), shape=(n, n))
    k, comp = connected_components(graph, directed=False)
    return [np.flatnonzero(comp == i) for i in range(k)]


def _one_boundary(
    a: int, b: int, mid: Arr, step: Arr, pix: NDArray[np.intp], px: float, py: float
) -> Boundary:
    centre = mid.mean(axis=0)
    d = mid - centre
    if mid.shape[0] >= 2:
        _, _, vt = np.linalg.svd(d, full_matrices=False)
        t = vt[0]
    else:  # one face: the trace is that face, the normal the step across it
        s = step[0]
        t = np.array([-s[1], s[0]])
    n = np.array([t[1], -t[0]])
    if float(np.sum(step @ n)) < 0:
        n = -n
    t = np.array([-n[1], n[0]])
    v = d @ t
    pitch = abs(t[0]) * px + abs(t[1]) * py
    return Boundary(
        grains=(a, b),
        midpoint_um=(float(centre[0]), float(centre[1])),
        normal=(float(n[0]), float(n[1])),
        length_um=float(np.ptp(v) + pitch),
        n_faces=int(mid.shape[0]),
        straightness_um=float(np.sqrt(np.mean((d @ n) ** 2))),
        v_range_um=(float(v.min() - pitch / 2), float(v.max() + pitch / 2)),
        pixels=np.unique(pix).astype(np.intp),
    )


def grain_boxes(labels: IntArr) -> dict[int, tuple[slice, slice]]:
    """Bounding box (row slice, column slice) of every label value."""
    vals = np.unique(labels)
    lo = int(vals.min())
    objs = ndimage.find_objects((labels - lo + 1).astype(np.int64))
    return {int(v): objs[int(v) - lo] for v in vals if objs[int(v) - lo] is not None}


def boundary_window(
    labels: IntArr,
    boundary: Boundary,
    *,
    pixel_size_um: tuple[float, float],
    guard_um: float,
    window_um: float | None = None,
    boxes: dict[int, tuple[slice, slice]] | None = None,
    origin_um: tuple[float, float] = (0.0, 0.0),
    valid: NDArray[np.bool_] | None = None,
) -> BoundaryWindow:
    """The fit pixels of both sides of ``boundary`` (module docstring); ``window_um`` caps |u|
    (default: up to the other boundaries of the two grains); ``valid`` (the label image's
    shape) marks the pixels with usable data."""
    px, py = pixel_size_um
    a, b = boundary.grains
    bx = boxes if boxes is not None else grain_boxes(labels)
    (ra, ca), (rb, cb) = bx[a], bx[b]
    r0, r1 = max(min(ra.start, rb.start) - 1, 0), min(max(ra.stop, rb.stop) + 1, labels.shape[0])
    c0, c1 = max(min(ca.start, cb.start) - 1, 0), min(max(ca.stop, cb.stop) + 1, labels.shape[1])
    crop = labels[r0:r1, c0:c1]
    in_a, in_b = crop == a, crop == b
    mask = np.pad(in_a | in_b, 1, constant_values=False)  # the map edge stops windows too
    dist = ndimage.distance_transform_edt(mask, sampling=(py, px))[1:-1, 1:-1]
    half = 0.5 * math.sqrt(px * py)
    jj, ii = np.mgrid[r0:r1, c0:c1]
    n, t = np.asarray(boundary.normal), np.asarray(boundary.tangent)
    dx = origin_um[0] + (ii + 0.5) * px - boundary.midpoint_um[0]
    dy = origin_um[1] + (jj + 0.5) * py - boundary.midpoint_um[1]
    u = dx * n[0] + dy * n[1]
    v = dx * t[0] + dy * t[1]
    ok = (dist - half >= guard_um) & (np.abs(u) >= guard_um)
    ok &= (v >= boundary.v_range_um[0]) & (v <= boundary.v_range_um[1])
    if window_um is not None:
        ok &= np.abs(u) <= window_um
    if valid is not None:
        ok &= valid[r0:r1, c0:c1]
    sa, sb = ok & in_a & (u < 0), ok & in_b & (u > 0)
    flat = jj * labels.shape[1] + ii
    return BoundaryWindow(
        index_a=flat[sa].astype(np.intp),
        index_b=flat[sb].astype(np.intp),
        u_a=u[sa],
        u_b=u[sb],
        v_a=v[sa],
        v_b=v[sb],
    )
