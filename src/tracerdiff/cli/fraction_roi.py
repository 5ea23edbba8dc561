"""``tracerdiff fraction --roi MASK [--csv T]``: the regions of interest of a fraction map
(library :func:`tracerdiff.imaging.regions.roi_stats`), their JSON and text lines."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["check_roi_options", "roi_regions", "roi_text"]


def check_roi_options(roi: str | None, csv: str | None, force: bool) -> None:
    """Before any work: ``--csv`` needs ``--roi`` and must be writable."""
    if csv is None:
        return
    if roi is None:
        raise InputError("--csv writes the ROI table: give --roi MASK as well")
    from ..outputs import check_writable

    if not csv.lower().endswith(".csv"):
        raise InputError(f"--csv {csv}: expected a file name ending in .csv")
    check_writable(csv, force=force)


def roi_regions(
    fds: xr.Dataset, images: xr.Dataset, roi: str, csv: str | None, force: bool
) -> dict[str, Any]:
    """``{"roi_mask": ..., "regions": [...]}`` of the map ``fds`` made from ``images``; the CSV
    table is written when ``csv`` is given. ``roi`` is a label image (``.npy``/``.tif``), a LANS
    ``.mat``, a shapes file, shapes text (um), or ``cells`` for the LANS CELLS of the data."""
    from ..imaging.regions import roi_stats

    mask = None if roi.strip().lower() == "cells" else roi
    table = roi_stats(fds, mask, images=images)
    if csv is not None:
        table.write_csv(csv, force=force)
    d = table.to_dict()
    return {"roi_mask": d["mask"], "regions": d["regions"]}


def roi_text(regions: list[dict[str, Any]], limit: int = 12) -> list[str]:
    """One line per region (the first ``limit``), then how many more."""
    lines = [f"{len(regions)} region(s):"]
    for r in regions[:limit]:
        c = r["C"]
        val = "n/a" if c["value"] is None else f"{c['value']:.5f} ± {c['stderr']:.2g}"
        lines.append(f"  region {r['label']}: {r['n_pixels']} px, C = {val}")
    if len(regions) > limit:
        lines.append(f"  ... {len(regions) - limit} more (see --json or --csv)")
    return lines
