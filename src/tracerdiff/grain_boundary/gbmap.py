"""A whole map: the boundaries of a registered micrograph crossed by profile lines, each crossing
analysed for its step (k = D_gb/delta), collected in one table, with a map of k.

Positions um (SIMS map frame), D cm^2/s, k cm/s.  Crossings that cannot be analysed on a line
(nearly parallel to it, at its ends, or whose guard bands overlap a neighbour's) are listed as
skipped with the reason.

Crossing angles are signed (:mod:`.geometry`): phi is the angle of the GB normal n (from the
micrograph's skeleton, oriented so that n . d > 0 for the line direction d) from d, positive
from d towards d rotated by +90 deg in the SIMS (x, y) frame (from +x towards +y for a line
along +x), i.e. the sign of the z component of d x n.
:func:`tracerdiff.microstructure.line_crossings` reports |phi|; the sign is recovered here from
its GB tangents.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..errors import InputError
from ..quantities import quantity
from ..results import ResultMixin
from ._windows import as_angles
from .result import StepResult
from .step import analyze_profiles, resolve_guard
from .table import GBTable

__all__ = ["GBMapResult", "analyze_map", "boundary_mask_on", "signed_angles"]

Line = tuple[tuple[float, float], tuple[float, float]]


def _measured(r: StepResult) -> bool:
    """k measured as in the table's summary: a bounded 95 % set above zero, no uphill flag."""
    best = r.preferred
    return (
        best is not None
        and best.bounded
        and best.ci95.lower is not None
        and best.ci95.lower > 0
        and "uphill" not in r.flags
    )


@dataclass(frozen=True, eq=False)
class GBMapResult(ResultMixin):
    """Per line: the crossings analysed and skipped; the table of every analysed crossing
    (``profile`` = line index) and the GB pieces for the k map."""

    lines: tuple[Line, ...]
    width_um: float
    table: GBTable
    points_um: tuple[tuple[float, float], ...]  # crossing points, table order
    tangents: tuple[tuple[float, float], ...]
    skipped: tuple[dict[str, Any], ...]
    registration: dict[str, Any]
    guard_um: float = math.nan
    resolution_um: float = math.nan
    flux_angle_deg: tuple[float, ...] = ()

    def segments(
        self, *, half_length_um: float = 4.0
    ) -> list[tuple[tuple[float, float], tuple[float, float], float]]:
        """GB pieces ((x, y) start, end, k) around each measured crossing, for the k map."""
        out = []
        for r, p, t in zip(self.table.results, self.points_um, self.tangents, strict=True):
            if _measured(r):
                best = r.preferred
                assert best is not None
                a = (p[0] - half_length_um * t[0], p[1] - half_length_um * t[1])
                b = (p[0] + half_length_um * t[0], p[1] + half_length_um * t[1])
                out.append((a, b, best.k))
        return out

    def unmeasured_points(self) -> list[tuple[float, float]]:
        """(x, y) in um of the analysed crossings without a significantly positive k."""
        return [
            p for r, p in zip(self.table.results, self.points_um, strict=True) if not _measured(r)
        ]

    def to_dict(self) -> dict[str, Any]:
        """Keys: lines (start_um, end_um, flux_angle_deg), width_um, guard (base, um),
        resolution (um), registration, boundaries, summary, skipped."""
        d = self.table.to_dict()
        for row, p in zip(d["boundaries"], self.points_um, strict=True):
            row["point_um"] = list(p)
        psi = self.flux_angle_deg or (0.0,) * len(self.lines)
        return {
            "lines": [
                {"start_um": list(a), "end_um": list(b), "flux_angle_deg": f}
                for (a, b), f in zip(self.lines, psi, strict=True)
            ],
            "width_um": self.width_um,
            "guard": quantity(self.guard_um, None, "um"),
            "resolution": quantity(self.resolution_um, None, "um"),
            "registration": self.registration,
            "boundaries": d["boundaries"],
            "summary": d["summary"],
            "skipped": list(self.skipped),
        }


def signed_angles(
    tangents: NDArray[np.float64], direction: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Signed angle (deg) of each GB normal from the line ``direction`` (unit (x, y)), given the
    unit GB ``tangents`` (n, 2); the normal is oriented so that n . d > 0 (|phi| <= 90)."""
    t = np.asarray(tangents, dtype=float).reshape(-1, 2)
    n = np.column_stack([-t[:, 1], t[:, 0]])
    dot = n @ direction
    n[dot < 0] *= -1.0
    cross = direction[0] * n[:, 1] - direction[1] * n[:, 0]
    return np.degrees(np.arctan2(cross, np.abs(dot)))


def _select(
    pos: NDArray[np.float64],
    ang: NDArray[np.float64],
    x: NDArray[np.float64],
    *,
    guard: float,
    width: float,
) -> tuple[list[int], list[tuple[int, str]]]:
    keep: list[int] = []
    skip: list[tuple[int, str]] = []
    g = guard + 0.5 * width * np.tan(np.radians(np.minimum(np.abs(ang), 84.9)))
    for i in np.argsort(pos):
        if abs(ang[i]) >= 80:
            skip.append((int(i), "GB nearly parallel to the line (angle >= 80 deg)"))
        elif pos[i] - g[i] < x[0] + 3 or pos[i] + g[i] > x[-1] - 3:
            skip.append((int(i), "too close to the end of the line"))
        elif keep and pos[i] - g[i] < pos[keep[-1]] + g[keep[-1]]:
            skip.append((int(i), "guard band overlaps the previous boundary"))
        else:
            keep.append(int(i))
    return keep, skip


def analyze_map(
    fraction: xr.Dataset,
    segmentation: Any,
    registration: Any,
    lines: Sequence[Line],
    *,
    width_um: float,
    d_bulk: float,
    guard_um: float | None = None,
    resolution_um: float = 1.0,
    flux_angle_deg: float | Sequence[float] = 0.0,
    **step_options: Any,
) -> GBMapResult:
    """Step analysis of every GB crossing of ``lines`` (SIMS um) on a fraction map.

    ``segmentation`` (:class:`~tracerdiff.microstructure.GrainSegmentation`) and
    ``registration`` (:class:`~tracerdiff.microstructure.Registration`) locate the GBs; each line
    becomes a profile of ``width_um`` (:func:`tracerdiff.imaging.line_profile`); its crossings
    with their signed angles go to :func:`analyze_profiles` (``step_options``: delta_nm, order,
    ...).  ``flux_angle_deg``: the long-range diffusion direction from the line (signed deg,
    one for all lines or one per line; default 0: the lines run along the diffusion direction).
    ``guard_um`` defaults to 2.5 x ``resolution_um`` (um).

    A 60 x 20 um map (1 um pixels) whose profile steps down by 0.0195 at x = 30 um (k = 1e-4
    cm/s for D_b = 2.6e-8 cm^2/s), and a micrograph of the same field (0.5 um pixels) with
    the boundary as a dark line:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from tracerdiff import fraction_map, open_dataset, register_points, segment_micrograph
    >>> rng = np.random.default_rng(7)
    >>> x = np.arange(60) + 0.5
    >>> c = np.tile(0.6 - 0.0075 * x - 0.0195 * (x > 30.0), (20, 1))
    >>> counts = {"6Li": rng.poisson(2000 * c), "7Li": rng.poisson(2000 * (1 - c))}
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     np.savez(Path(tmp) / "map.npz", **counts)
    ...     fmap = fraction_map(open_dataset(Path(tmp) / "map.npz", pixel_size_um=1.0))
    >>> micrograph = np.full((40, 120), 200.0)
    >>> micrograph[:, 59:61] = 40.0
    >>> grains = segment_micrograph(micrograph, pixel_size_um=0.5)
    >>> reg = register_points([[0, 0], [119, 0], [0, 39]],
    ...                       [[0.25, 0.25], [59.75, 0.25], [0.25, 19.75]],
    ...                       micrograph_shape=(40, 120))
    >>> res = analyze_map(fmap, grains, reg, [((0.5, 10.0), (59.5, 10.0))], width_um=16.0,
    ...                   d_bulk=2.6e-8)
    >>> (gb,) = res.to_dict()["boundaries"]
    >>> k = gb["D_gb_over_delta"]
    >>> print(f"x = {gb['point_um'][0]:.0f} um: k = {k['value']:.1e} +- {k['stderr']:.0e} cm/s")
    x = 30 um: k = 8.8e-05 +- 8e-06 cm/s
    """
    from ..imaging import line_profile
    from ..microstructure import line_crossings

    if not lines:
        raise InputError("give at least one profile line")
    guard = resolve_guard(guard_um, resolution_um)
    psi_all = as_angles(flux_angle_deg, len(lines), what="flux angles (one per line)")
    profiles, gbs, angles, pts, tans, skipped, stops = [], [], [], [], [], [], []
    for li, (a, b) in enumerate(lines):
        cr = line_crossings(segmentation, registration, a, b)
        prof = line_profile(fraction, start_um=a, end_um=b, width_um=width_um)
        x = prof["x_um"].to_numpy()
        d = (np.asarray(b, float) - np.asarray(a, float)) / math.dist(a, b)
        phi = signed_angles(cr.tangents, d)
        keep, skip = _select(cr.positions_um, phi, x, guard=guard, width=width_um)
        skipped += [
            {"line": li, "position_um": float(cr.positions_um[i]), "reason": why} for i, why in skip
        ]
        profiles.append((x, prof["C"].to_numpy(), prof["C_err"].to_numpy()))
        gbs.append([float(cr.positions_um[i]) for i in keep])
        g_all = guard + 0.5 * width_um * np.tan(np.radians(np.minimum(np.abs(phi), 84.9)))
        stops.append([(float(cr.positions_um[i]), float(g_all[i])) for i, _ in skip])
        angles.append([float(phi[i]) for i in keep])
        for i in keep:
            p = np.asarray(a, float) + cr.positions_um[i] * d
            pts.append((float(p[0]), float(p[1])))
            tans.append((float(cr.tangents[i, 0]), float(cr.tangents[i, 1])))
    per = analyze_profiles(
        profiles,
        gbs,
        d_bulk=d_bulk,
        guard_um=guard,
        angle_deg=angles,
        flux_angle_deg=[float(v) for v in psi_all],
        width_um=width_um,
        window_stops=stops,
        **step_options,
    )
    return GBMapResult(
        lines=tuple((tuple(a), tuple(b)) for a, b in lines),  # type: ignore[misc]
        width_um=width_um,
        table=GBTable.from_profiles(per),
        points_um=tuple(pts),
        tangents=tuple(tans),
        skipped=tuple(skipped),
        registration=registration.to_dict(),
        guard_um=guard,
        resolution_um=float(resolution_um),
        flux_angle_deg=tuple(float(v) for v in psi_all),
    )


def boundary_mask_on(fraction: xr.Dataset, segmentation: Any, registration: Any) -> NDArray[Any]:
    """The micrograph's GB skeleton drawn on the fraction map's pixel grid (bool, (y, x))."""
    x = fraction["x"].to_numpy()
    y = fraction["y"].to_numpy()
    mask = np.zeros((y.size, x.size), dtype=bool)
    sk = np.argwhere(segmentation.skeleton)[:, ::-1]
    if sk.size == 0:
        return mask
    xy = registration.to_sims(sk)
    px, py = float(np.median(np.diff(x))), float(np.median(np.diff(y)))
    ix = np.rint((xy[:, 0] - x[0]) / px).astype(int)
    iy = np.rint((xy[:, 1] - y[0]) / py).astype(int)
    ok = (ix >= 0) & (ix < x.size) & (iy >= 0) & (iy < y.size)
    mask[iy[ok], ix[ok]] = True
    return mask
