"""``tracerdiff info FILE...``: what a SIMS data file holds (format, species, shape, pixel size,
field of view, total counts, dead-time flag)."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
import typer
import xarray as xr

from ..quantities import quantity
from .common import emit, parse_point

__all__ = ["describe", "register"]


def _length(ds: xr.Dataset, key: str) -> dict[str, Any] | None:
    return quantity(ds.attrs[key], None, "um") if key in ds.attrs else None


def _total(da: xr.DataArray) -> dict[str, Any]:
    """Total counts of a variable; count rates are multiplied by their counting time."""
    unit = str(da.attrs.get("units", "counts"))
    total = float(np.nansum(da.values))
    if unit == "counts/s" and "count_time_s" in da.attrs:
        return quantity(total * float(da.attrs["count_time_s"]), None, "counts")
    return quantity(total, None, unit)


def describe(ds: xr.Dataset, *, file: str) -> dict[str, Any]:
    """The JSON-plain summary of an opened dataset (the ``info`` command's ``--json`` entry)."""
    a = ds.attrs
    is_image = {"y", "x"} <= set(ds.dims)
    kind = "image" if is_image else str(a.get("kind", "profile" if "x_um" in ds.dims else "data"))
    opt = {
        k: (a[k].item() if isinstance(a[k], np.generic) else a[k])
        for k in ("shots_per_pixel", "mass_resolution")
        if k in a
    }
    return {
        "file": file,
        "format": str(a.get("format", "")),
        "instrument": str(a.get("instrument", "")),
        "kind": kind,
        "species": [str(k) for k in ds.data_vars],
        "shape": {str(k): int(v) for k, v in ds.sizes.items()},
        "n_frames": int(a.get("n_frames", ds.sizes.get("frame", 1))) if is_image else None,
        "pixel_size": {"x": _length(ds, "pixel_size_x_um"), "y": _length(ds, "pixel_size_y_um")},
        "field_of_view": {
            "x": _length(ds, "field_of_view_x_um"),
            "y": _length(ds, "field_of_view_y_um"),
        },
        "dwell_time": quantity(a["dwell_time_s"], None, "s") if "dwell_time_s" in a else None,
        "shots_per_pixel": opt.get("shots_per_pixel"),
        "mass_resolution": opt.get("mass_resolution"),
        "total_counts": {
            str(k): _total(v)
            for k, v in ds.data_vars.items()
            if v.attrs.get("units", "counts") in ("counts", "counts/s")
        },
        "dead_time_corrected": bool(int(a.get("dead_time_corrected", 0))),
        "source_sha256": str(a.get("source_sha256", "")),
    }


def _text(d: dict[str, Any]) -> str:
    def q(v: dict[str, Any] | None) -> str:
        return "-" if v is None or v.get("value") is None else f"{v['value']:.6g} {v['unit']}"

    shape = " x ".join(f"{k}={v}" for k, v in d["shape"].items())
    totals = ", ".join(f"{k} {q(v)}" for k, v in d["total_counts"].items())
    lines = [
        f"{d['file']}",
        f"  format      {d['format']} ({d['instrument'] or 'instrument unknown'}), {d['kind']}",
        f"  shape       {shape}" + (f", {d['n_frames']} frame(s)" if d["n_frames"] else ""),
        f"  pixel size  x {q(d['pixel_size']['x'])}, y {q(d['pixel_size']['y'])}",
        f"  field       x {q(d['field_of_view']['x'])}, y {q(d['field_of_view']['y'])}",
        f"  totals      {totals}",
        f"  dead-time corrected: {'yes' if d['dead_time_corrected'] else 'no'}",
    ]
    return "\n".join(lines)


def info(
    files: Annotated[
        list[str], typer.Argument(help="SIMS data files (any format tracerdiff reads).")
    ],
    kind: Annotated[
        str | None, typer.Option("--kind", help="Force a reader (e.g. iontof_image).")
    ] = None,
    field_of_view: Annotated[
        str | None,
        typer.Option("--field-of-view", help="Field of view 'FX,FY' (um) for files that lack it."),
    ] = None,
    pixel_size: Annotated[
        str | None,
        typer.Option("--pixel-size", help="Pixel size 'PX,PY' (um) for files that lack it."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON (keys in docs/cli/io.md).")
    ] = False,
) -> None:
    """Describe SIMS data files: format, species, shape, pixel size, totals.

    Example: tracerdiff info image_sun.im Li6.txt --json
    """
    from ..io import open_dataset

    opts: dict[str, Any] = {}
    if field_of_view is not None:
        opts["field_of_view_um"] = parse_point(field_of_view, option="--field-of-view")
    if pixel_size is not None:
        opts["pixel_size_um"] = parse_point(pixel_size, option="--pixel-size")
    entries = [describe(open_dataset(f, kind=kind, **opts), file=f) for f in files]
    emit({"files": entries}, as_json=as_json, text="\n".join(_text(e) for e in entries))


def register(app: typer.Typer) -> None:
    """Add the ``info`` command to the app."""
    app.command("info")(info)
