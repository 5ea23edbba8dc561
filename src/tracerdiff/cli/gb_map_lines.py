"""The line route of ``tracerdiff gb-map``: crossings of profile lines with the GBs of a
registered micrograph, each crossing through the profile step analysis."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from .common import emit, parse_lengths_xy, parse_q, save_png
from .gb_cmds import _one_or_many, _read_micrograph
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


def _lines(lines: list[str] | None, fds: Any, width: float) -> list[Any]:
    from .common import parse_point

    if not lines:  # default: lines along x, one every 2 widths across the map
        x, y = fds["x"].to_numpy(), fds["y"].to_numpy()
        ys = np.arange(y[0] + width, y[-1] - width / 2, 2 * width)
        return [((float(x[0]), float(v)), (float(x[-1]), float(v))) for v in ys]
    out = []
    for t in lines:
        if ":" not in t:
            raise InputError(f"--lines: expected 'X0,Y0:X1,Y1' in um, got {t!r}")
        a, b = t.split(":", 1)
        out.append((parse_point(a, option="--lines"), parse_point(b, option="--lines")))
    return out


def micrograph_route(
    fraction_map: str,
    micrograph: str,
    points: list[str],
    pixel_size: str,
    lines: list[str] | None,
    width: str,
    common: dict[str, Any],
    *,
    d_bulk: tuple[float, float | None],
    flux_angle: list[float] | None,
    order: int,
    as_json: bool,
    png: str | None,
    csv_out: str | None,
    force: bool,
) -> None:
    """Crossings of profile lines with the GBs of a registered micrograph (``gb-map``)."""
    from ..grain_boundary.gbmap import analyze_map, boundary_mask_on
    from ..io import open_dataset
    from ..microstructure import register_points, segment_micrograph

    db, db_err = d_bulk
    w = float(parse_q(width, "length", option="--width", default_unit="um") or 0.0)
    src, dst = _pairs(points)
    img = _read_micrograph(micrograph)
    seg = segment_micrograph(img, pixel_size_um=parse_lengths_xy(pixel_size, option="--pixel-size"))
    reg = register_points(src, dst, micrograph_shape=seg.shape)
    fds = open_dataset(fraction_map)
    if not all(v in fds for v in ("C", "C_err", "n_a", "n_b")):
        raise InputError(f"{fraction_map}: not a fraction map (needs C, C_err, n_a, n_b)")
    res = analyze_map(
        fds,
        seg,
        reg,
        _lines(lines, fds, w),
        width_um=w,
        d_bulk=db,
        d_bulk_err=db_err,
        flux_angle_deg=_one_or_many(flux_angle),
        order=order,
        **common,
    )
    if csv_out is not None:
        res.table.write_csv(csv_out, force=force)
    if png is not None:
        from ..grain_boundary.plot import map_figure

        save_png(map_figure(fds, res, boundary_mask_on(fds, seg, reg)), png, force=force)
    payload = {"fraction_map": fraction_map, "micrograph": micrograph, **res.to_dict()}
    emit(payload, as_json=as_json, text=_text(list(res.table.results), payload["summary"]))
