"""The line route of ``tracerdiff gb-map``: crossings of profile lines with the GBs of a
registered micrograph, each crossing through the profile step analysis."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from .common import emit, parse_lengths_xy, save_png
from .gb_text import _text

__all__ = ["micrograph_route"]


def _pairs(points: list[str]) -> tuple[np.ndarray, np.ndarray]:
    src, dst = [], []
    for p in points:
        if "=" not in p:
            raise InputError(
                f"--points: expected 'COL,ROW=X,Y' (micrograph px = SIMS um), got {p!r}"
            )
        a, b = p.split("=", 1)
        try:
            src.append([float(v) for v in a.split(",")])
            dst.append([float(v) for v in b.split(",")])
        except ValueError:
            raise InputError(f"--points: numbers expected in {p!r}") from None
    if any(len(v) != 2 for v in src + dst):
        raise InputError("--points: each side needs two numbers")
    return np.array(src), np.array(dst)


def micrograph_route(
    fds: Any,
    fraction_map: str,
    micrograph: str,
    points: list[str],
    micrograph_pixel_size: str,
    options: Any,
    *,
    as_json: bool,
    png: str | None,
    csv_out: str | None,
    force: bool,
) -> None:
    """Crossings of profile lines with the GBs of a registered micrograph (``gb-map``), by
    :func:`tracerdiff.grain_boundary.analyze_gb_map`."""
    from ..grain_boundary.gbmap import GBMapResult, boundary_mask_on
    from ..grain_boundary.map_analysis import analyze_gb_map
    from ..microstructure import register_points
    from ..microstructure.grains import segmentation_of

    src, dst = _pairs(points)
    seg = segmentation_of(
        micrograph, parse_lengths_xy(micrograph_pixel_size, option="--micrograph-pixel-size")
    )
    reg = register_points(src, dst, micrograph_shape=seg.shape)
    res = analyze_gb_map(fds, options, segmentation=seg, registration=reg)
    assert isinstance(res, GBMapResult)
    if csv_out is not None:
        res.table.write_csv(csv_out, force=force)
    if png is not None:
        from ..grain_boundary.plot import map_figure

        save_png(map_figure(fds, res, boundary_mask_on(fds, seg, reg)), png, force=force)
    payload = {"fraction_map": fraction_map, "micrograph": micrograph, **res.to_dict()}
    emit(payload, as_json=as_json, text=_text(list(res.table.results), payload["summary"]))
