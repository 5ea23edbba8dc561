"""The boundaries of a fraction map, ``tracerdiff gb-map`` and a study's ``gb_map``: one options
object (:class:`GBMapOptions`) and one function (:func:`analyze_gb_map`) for both routes:

* boundaries (default): every boundary between the grains of a label image on the map's grid,
  or of a segmentation of the map itself (:func:`.boundary_map.analyze_boundary_map`);
* micrograph: the crossings of profile lines with the boundaries of a registered micrograph
  (:func:`.gbmap.analyze_map`).

Units: um, cm^2/s, cm/s, degrees.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from numpy.typing import ArrayLike
from pydantic import BeforeValidator, Field

from ..errors import InputError
from ..parsing import parse_point
from .boundary_map import BoundaryMapOptions, BoundaryMapResult, analyze_boundary_map
from .gbmap import GBMapResult, analyze_map
from .options import LengthUm

__all__ = ["GBMapOptions", "analyze_gb_map", "default_lines"]

Line = tuple[tuple[float, float], tuple[float, float]]


def _point(v: Any, what: str) -> tuple[float, float]:
    if isinstance(v, (list, tuple)) and len(v) == 2:
        return float(v[0]), float(v[1])
    if isinstance(v, str):
        try:
            return parse_point(v, option=what)
        except InputError as exc:
            raise ValueError(str(exc)) from None
    raise ValueError(f"{what}: expected a point 'X,Y' in um such as '20,100', got {v!r}")


def _line(v: Any) -> Any:
    """``{start = "X0,Y0", end = "X1,Y1"}``, ``"X0,Y0:X1,Y1"`` or ((x0, y0), (x1, y1)) in um."""
    if isinstance(v, dict):
        if set(v) != {"start", "end"}:
            raise ValueError(f"a line has the keys start and end, got {sorted(v)}")
        return _point(v["start"], "start"), _point(v["end"], "end")
    if isinstance(v, str):
        if ":" not in v:
            raise ValueError(f"expected a line 'X0,Y0:X1,Y1' in um, got {v!r}")
        a, b = v.split(":", 1)
        return _point(a, "line start"), _point(b, "line end")
    if isinstance(v, (list, tuple)) and len(v) == 2:
        return _point(v[0], "start"), _point(v[1], "end")
    raise ValueError(f"expected a line {{start, end}} or 'X0,Y0:X1,Y1', got {v!r}")


MapLine = Annotated[tuple[tuple[float, float], tuple[float, float]], BeforeValidator(_line)]


class GBMapOptions(BoundaryMapOptions):
    """The options of :func:`analyze_gb_map`: those of :class:`BoundaryMapOptions` (the boundary
    route; ``window`` is its fit depth) and, for the micrograph route, ``lines`` (start and end
    in um; None: lines along x, one every two widths), the profile ``width_um`` (key ``width``,
    default 20 um), the polynomial ``order`` and ``flux_angle_deg`` (key ``flux_angle``: the
    diffusion direction from each line, one value or one per line)."""

    QUANTITY_KEYS: ClassVar[tuple[str, ...]] = (*BoundaryMapOptions.QUANTITY_KEYS, "width")

    lines: list[MapLine] | None = None
    width_um: LengthUm = Field(default=20.0, gt=0, alias="width")
    order: Literal[1, 2] = 2
    flux_angle_deg: float | list[float] = Field(default=0.0, alias="flux_angle")


def default_lines(fraction: Any, width_um: float) -> list[Line]:
    """Lines along x across the whole map, one every two widths."""
    x, y = fraction["x"].to_numpy(), fraction["y"].to_numpy()
    ys = np.arange(y[0] + width_um, y[-1] - width_um / 2, 2 * width_um)
    return [((float(x[0]), float(v)), (float(x[-1]), float(v))) for v in ys]


def analyze_gb_map(
    fraction: Any,
    options: GBMapOptions,
    *,
    labels: ArrayLike | None = None,
    segmentation: Any = None,
    registration: Any = None,
) -> BoundaryMapResult | GBMapResult:
    """k = D_gb/delta at the boundaries of ``fraction`` (a fraction map with a physical pixel
    size). Without a ``segmentation``: every boundary between the grains of ``labels`` (None:
    segmented from the map), a :class:`BoundaryMapResult`. With the ``segmentation`` of a
    micrograph and its ``registration``: the crossings of ``options.lines``, a
    :class:`GBMapResult`."""
    from ..imaging.calibration import require_length

    require_length(fraction, what="the boundary analysis")
    if options.d_bulk is None:
        raise InputError("the boundary analysis needs d_bulk (D_b, e.g. '2.6e-8 cm^2/s')")
    if segmentation is None:
        if options.lines:
            raise InputError("lines belong to the micrograph route (give a micrograph)")
        return analyze_boundary_map(fraction, labels, options=options)
    if labels is not None or registration is None:
        raise InputError("the micrograph route needs the micrograph's registration, not labels")
    if not all(v in fraction for v in ("C", "C_err")):
        raise InputError("the fraction map needs C and C_err")
    lines = options.lines or default_lines(fraction, options.width_um)
    return analyze_map(
        fraction,
        segmentation,
        registration,
        lines,
        width_um=options.width_um,
        d_bulk=options.d_bulk,
        d_bulk_err=options.d_bulk_err,
        delta_nm=options.delta,
        guard_um=options.guard_um,
        resolution_um=options.resolution_um,
        order=options.order,
        flux_angle_deg=options.flux_angle_deg,
        curvature=options.curvature,
    )
