"""Regions of interest as boolean masks of an image: from an integer label image (``.npy``,
``.tif``; 0 = no region), a LANS ``.mat`` (its ``CELLS``), the ``roi_label`` coordinate a LANS
export carries, or rectangles and polygons in um (pixel centres inside count).

Shapes as text, one per line or separated by ``;`` (positions in um, x then y)::

    rect 0 0 10 20            # x0 y0 x1 y1
    poly 0 0 10 0 10 10       # x1 y1 x2 y2 x3 y3 ...

(``rect:0,0,10,20`` with ``:`` and commas is the same). Shapes may overlap; they are labelled
1, 2, ... in the order given.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import DataError, InputError, ShapeMismatchError
from .pipeline import pixel_sizes

__all__ = ["Polygon", "Rect", "parse_shapes", "region_masks"]

_LABEL_SUFFIXES = (".npy", ".tif", ".tiff", ".mat")
_SHAPE = re.compile(r"^([A-Za-z]+)\s*[:\s]\s*(.*)$")


@dataclass(frozen=True)
class Rect:
    """Axis-aligned rectangle [x0, x1] x [y0, y1] in um."""

    x0_um: float
    y0_um: float
    x1_um: float
    y1_um: float

    def mask(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Pixel centres ``(x, y)`` (um, 2D grids) inside the rectangle (edges included)."""
        xl, xh = sorted((self.x0_um, self.x1_um))
        yl, yh = sorted((self.y0_um, self.y1_um))
        return np.asarray((x >= xl) & (x <= xh) & (y >= yl) & (y <= yh))


@dataclass(frozen=True)
class Polygon:
    """Closed polygon of vertices ``((x, y), ...)`` in um (at least three)."""

    vertices_um: tuple[tuple[float, float], ...]

    def mask(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Pixel centres inside the polygon (even-odd rule)."""
        inside = np.zeros(x.shape, dtype=bool)
        v = self.vertices_um
        for (xa, ya), (xb, yb) in zip(v, v[1:] + v[:1], strict=True):
            if ya == yb:
                continue
            crosses = (ya > y) != (yb > y)
            x_cross = xa + (y - ya) * (xb - xa) / (yb - ya)
            inside ^= crosses & (x < x_cross)
        return inside


Shape = Rect | Polygon


def _numbers(text: str, what: str) -> list[float]:
    try:
        vals = [float(t) for t in re.split(r"[\s,]+", text.strip()) if t]
    except ValueError:
        raise InputError(f"{what}: expected numbers (positions in um)") from None
    if not all(np.isfinite(vals)):
        raise InputError(f"{what}: positions must be finite")
    return vals


def parse_shapes(text: str) -> list[Shape]:
    """Rectangles and polygons from text (see the module docstring)."""
    shapes: list[Shape] = []
    for n, item in enumerate(re.split(r"[;\n]", text)):
        body = item.split("#", 1)[0].strip()
        if not body:
            continue
        what = f"ROI shape {n + 1}"
        m = _SHAPE.match(body)
        if m is None:
            raise InputError(
                f"{what}: expected 'rect x0 y0 x1 y1' or 'poly x1 y1 x2 y2 x3 y3 ...' (um)"
            )
        kind, rest = m.group(1), m.group(2)
        vals = _numbers(rest, what)
        if kind.lower() == "rect" and len(vals) == 4:
            shapes.append(Rect(*vals))
        elif kind.lower() in ("poly", "polygon") and len(vals) >= 6 and len(vals) % 2 == 0:
            shapes.append(Polygon(tuple(zip(vals[::2], vals[1::2], strict=True))))
        else:
            raise InputError(
                f"{what}: expected 'rect x0 y0 x1 y1' or 'poly x1 y1 x2 y2 x3 y3 ...' (um)"
            )
    if not shapes:
        raise InputError("no ROI shape given; expected 'rect x0 y0 x1 y1' or 'poly ...' (um)")
    return shapes


def _label_file(path: Path, max_pixels: int) -> np.ndarray:
    from ..io.lans import read_lans_cells
    from ..io.micrograph import read_micrograph

    if path.suffix.lower() == ".mat":
        return read_lans_cells(path, max_pixels=max_pixels)
    return np.asarray(read_micrograph(path, max_pixels=max_pixels))


def _checked_labels(labels: np.ndarray, shape: tuple[int, int], what: str) -> np.ndarray:
    a = np.asarray(labels)
    if a.dtype == bool:
        a = a.astype(np.int32)
    if a.ndim != 2 or a.dtype.kind not in "iuf":
        raise InputError(f"{what}: expected a 2D integer label image, got shape {a.shape}")
    if a.shape != shape:
        raise ShapeMismatchError(f"{what}: label image has shape {a.shape}, the images {shape}")
    if not np.all(np.isfinite(a)) or np.any(a < 0) or np.any(a != np.round(a)):
        raise DataError(f"{what}: labels must be whole numbers >= 0 (0 = no region)")
    return a.astype(np.int64)


def _from_labels(labels: np.ndarray) -> list[tuple[int, np.ndarray]]:
    found = [int(v) for v in np.unique(labels) if v > 0]
    if not found:
        raise DataError("the label image holds no region (every pixel is 0)")
    return [(v, labels == v) for v in found]


def _grids(ds: xr.Dataset, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    px, py = pixel_sizes(ds)
    x = (np.arange(shape[1]) + 0.5) * px
    y = (np.arange(shape[0]) + 0.5) * py
    return np.meshgrid(x, y)


def _from_shapes(shapes: Sequence[Shape], ds: xr.Dataset, shape: tuple[int, int]) -> list:
    xx, yy = _grids(ds, shape)
    out = []
    for i, sh in enumerate(shapes):
        m = sh.mask(xx, yy)
        if not m.any():
            raise InputError(f"ROI shape {i + 1} ({sh}) holds no pixel centre of the image")
        out.append((i + 1, m))
    return out


def region_masks(
    mask: Any, ds: xr.Dataset, shape: tuple[int, int], *, max_pixels: int = 2**28
) -> tuple[list[tuple[int, np.ndarray]], str]:
    """``([(label, boolean mask), ...], description)`` of ``mask`` on images of ``shape``.

    ``mask``: an integer label array, a path to a label image (``.npy``/``.tif``) or a LANS
    ``.mat`` (its CELLS), a text file of shapes, a shapes string, a sequence of
    :class:`Rect`/:class:`Polygon`, or None for the ``roi_label`` coordinate of ``ds``.
    """
    if mask is None:
        if "roi_label" not in ds.coords:
            raise InputError("no ROI mask given and the data carry no roi_label (LANS CELLS)")
        labels = _checked_labels(ds["roi_label"].values, shape, "roi_label")
        return _from_labels(labels), "roi_label of the data"
    if isinstance(mask, np.ndarray):
        return _from_labels(_checked_labels(mask, shape, "mask")), "label array"
    if (
        isinstance(mask, Sequence)
        and not isinstance(mask, str)
        and mask
        and all(isinstance(s, Rect | Polygon) for s in mask)
    ):
        return _from_shapes(mask, ds, shape), f"{len(mask)} shape(s) in um"
    if isinstance(mask, str | os.PathLike):
        p = Path(mask)
        if p.suffix.lower() in _LABEL_SUFFIXES:
            labels = _checked_labels(_label_file(p, max_pixels), shape, str(p))
            return _from_labels(labels), str(p)
        if p.is_file():
            from ..io._checks import check_input_file

            text = check_input_file(p).read_text(encoding="utf-8", errors="replace")
            return _from_shapes(parse_shapes(text), ds, shape), str(p)
        if isinstance(mask, str):
            return _from_shapes(parse_shapes(mask), ds, shape), "shapes in um"
    raise InputError(
        "mask: expected a label image (.npy/.tif), a LANS .mat, a shapes file or text "
        "('rect x0 y0 x1 y1', 'poly x1 y1 ...', um), or an integer array"
    )
