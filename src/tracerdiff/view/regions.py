"""Regions drawn on the map: rectangles and polygons (um) summed by
:func:`tracerdiff.imaging.regions.roi_stats`, as ``tracerdiff fraction --roi 'rect ...'``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..imaging.roi_masks import Polygon, Rect

if TYPE_CHECKING:
    from ..imaging.regions import RoiTable
    from .session import MapSource

__all__ = ["Polygon", "Rect", "region_table", "shapes_text"]


def region_table(source: MapSource, shapes: Sequence[Rect | Polygon]) -> RoiTable | None:
    """The ROI table of ``shapes`` on the session's map (None when there is no shape)."""
    from ..imaging.regions import roi_stats

    if not shapes:
        return None
    return roi_stats(source.fraction, list(shapes), images=source.images)


def shapes_text(shapes: Sequence[Rect | Polygon]) -> str:
    """The shapes in the text form ``--roi`` reads (one per line, um)."""
    lines = []
    for s in shapes:
        if isinstance(s, Rect):
            lines.append(f"rect {s.x0_um!r} {s.y0_um!r} {s.x1_um!r} {s.y1_um!r}")
        else:
            lines.append("poly " + " ".join(f"{x!r} {y!r}" for x, y in s.vertices_um))
    return "\n".join(lines) + ("\n" if lines else "")


def region_rows(table: RoiTable | None) -> list[dict[str, Any]]:
    """One row per region for the page: label, pixels, counts per species, C, C_err."""
    if table is None:
        return []
    d = table.to_dict()
    return [{"label": r["label"], "n_pixels": r["n_pixels"], "counts": r["counts"],
             "C": r["C"]["value"], "C_err": r["C"]["stderr"]} for r in d["regions"]]  # fmt: skip
