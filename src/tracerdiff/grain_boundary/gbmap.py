"""A whole map: the boundaries of a registered micrograph crossed by profile lines, each crossing
analysed for its step (k = D_gb/delta), collected in one table, with a map of k.

Positions um (SIMS map frame), D cm^2/s, k cm/s.  Crossings that cannot be analysed on a line
(nearly parallel to it, at its ends, or whose guard bands overlap a neighbour's) are listed as
skipped with the reason.
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
from ..results import ResultMixin
from .result import StepResult
from .step import analyze_profiles
from .table import GBTable

__all__ = ["GBMapResult", "analyze_map", "boundary_mask_on"]

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
        """Keys: lines, width_um, registration, boundaries, summary, skipped."""
        d = self.table.to_dict()
        for row, p in zip(d["boundaries"], self.points_um, strict=True):
            row["point_um"] = list(p)
        return {
            "lines": [{"start_um": list(a), "end_um": list(b)} for a, b in self.lines],
            "width_um": self.width_um,
            "registration": self.registration,
            "boundaries": d["boundaries"],
            "summary": d["summary"],
            "skipped": list(self.skipped),
        }


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
    g = guard + 0.5 * width * np.tan(np.radians(np.minimum(ang, 84.9)))
    for i in np.argsort(pos):
        if ang[i] >= 80:
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
    guard_um: float = 1.5,
    **step_options: Any,
) -> GBMapResult:
    """Step analysis of every GB crossing of ``lines`` (SIMS um) on a fraction map.

    ``segmentation`` (:class:`~tracerdiff.microstructure.GrainSegmentation`) and
    ``registration`` (:class:`~tracerdiff.microstructure.Registration`) locate the GBs; each line
    becomes a profile of ``width_um`` (:func:`tracerdiff.imaging.line_profile`); its crossings
    with their angles go to :func:`analyze_profiles` (``step_options``: delta_nm, order, ...).
    """
    from ..imaging import line_profile
    from ..microstructure import line_crossings

    if not lines:
        raise InputError("give at least one profile line")
    profiles, gbs, angles, pts, tans, skipped, stops = [], [], [], [], [], [], []
    for li, (a, b) in enumerate(lines):
        cr = line_crossings(segmentation, registration, a, b)
        prof = line_profile(fraction, start_um=a, end_um=b, width_um=width_um)
        x = prof["x_um"].to_numpy()
        keep, skip = _select(cr.positions_um, cr.angles_deg, x, guard=guard_um, width=width_um)
        skipped += [
            {"line": li, "position_um": float(cr.positions_um[i]), "reason": why} for i, why in skip
        ]
        profiles.append((x, prof["C"].to_numpy(), prof["C_err"].to_numpy()))
        gbs.append([float(cr.positions_um[i]) for i in keep])
        g_all = guard_um + 0.5 * width_um * np.tan(np.radians(np.minimum(cr.angles_deg, 84.9)))
        stops.append([(float(cr.positions_um[i]), float(g_all[i])) for i, _ in skip])
        angles.append([float(cr.angles_deg[i]) for i in keep])
        d = (np.asarray(b, float) - np.asarray(a, float)) / math.dist(a, b)
        for i in keep:
            p = np.asarray(a, float) + cr.positions_um[i] * d
            pts.append((float(p[0]), float(p[1])))
            tans.append((float(cr.tangents[i, 0]), float(cr.tangents[i, 1])))
    per = analyze_profiles(
        profiles,
        gbs,
        d_bulk=d_bulk,
        guard_um=guard_um,
        angle_deg=angles,
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
