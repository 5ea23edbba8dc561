"""``tracerdiff info FILE...``: what a SIMS data file holds (format, species, shape, pixel size,
field of view, total counts, dead-time flag)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InputError
from ..quantities import quantity
from .common import FIELD_OF_VIEW_HELP, PIXEL_SIZE_HELP, emit, read_counts

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["describe", "register"]


def _length(ds: xr.Dataset, key: str) -> dict[str, Any] | None:
    if key not in ds.attrs or int(ds.attrs.get("pixel_units", 0)) == 1:
        return None
    return quantity(ds.attrs[key], None, "um")


def _total(da: xr.DataArray) -> dict[str, Any]:
    """Total counts of a variable; count rates are multiplied by their counting time."""
    import numpy as np

    unit = str(da.attrs.get("units", "counts"))
    total = float(np.nansum(da.values))
    if unit == "counts/s" and "count_time_s" in da.attrs:
        return quantity(total * float(da.attrs["count_time_s"]), None, "counts")
    return quantity(total, None, unit)


def _extent(ds: xr.Dataset) -> dict[str, Any]:
    """First and last value of each dimension coordinate that has a unit (um, s)."""
    import numpy as np

    out: dict[str, Any] = {}
    for name in ds.dims:
        c = ds.coords.get(name)
        unit = None if c is None else c.attrs.get("units")
        if c is not None and unit and c.size and np.issubdtype(c.dtype, np.number):
            v = c.values
            out[str(name)] = {
                "first": quantity(float(v[0]), None, str(unit)),
                "last": quantity(float(v[-1]), None, str(unit)),
            }
    return out


def _instrument_ratios(ds: xr.Dataset) -> Any:
    """The ratios the instrument itself defined (and, for Cameca IMS, computed), or None."""
    try:
        return json.loads(str(ds.attrs["ratios"])) if "ratios" in ds.attrs else None
    except ValueError:
        return None


def _ratio_text(r: Any) -> str:
    if isinstance(r, dict):
        return ", ".join(
            f"{k} {v.get('definition', '?')}"
            + (f" = {v['mean']:.7g} (instrument)" if "mean" in v else "")
            for k, v in r.items()
        )
    return ", ".join(str(v) for v in r)


def describe(ds: xr.Dataset, *, file: str) -> dict[str, Any]:
    """The JSON-plain summary of an opened dataset (the ``info`` command's ``--json`` entry)."""
    import numpy as np

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
        "extent": _extent(ds),
        "instrument_ratios": _instrument_ratios(ds),
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
        f"  pixel size  x {q(d['pixel_size']['x'])}, y {q(d['pixel_size']['y'])}"
        + (
            " (none in the file: pixel units; --pixel-size to give one)" if d["pixel_units"] else ""
        ),
        f"  field       x {q(d['field_of_view']['x'])}, y {q(d['field_of_view']['y'])}",
        f"  totals      {totals or '-'}",
        *(
            f"  {k:<11} {q(v['first'])} .. {q(v['last'])}"
            for k, v in d["extent"].items()
            if k not in ("x", "y")
        ),
        *([f"  dwell time  {q(d['dwell_time'])} per pixel"] if d["dwell_time"] else []),
        *([f"  shots/pixel {d['shots_per_pixel']}"] if d["shots_per_pixel"] is not None else []),
        *([f"  M/dM        {d['mass_resolution']:g}"] if d["mass_resolution"] is not None else []),
        *(
            [f"  ratios      {_ratio_text(d['instrument_ratios'])}"]
            if d["instrument_ratios"]
            else []
        ),
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
        str | None, typer.Option("--field-of-view", help=FIELD_OF_VIEW_HELP)
    ] = None,
    pixel_size: Annotated[str | None, typer.Option("--pixel-size", help=PIXEL_SIZE_HELP)] = None,
    x_unit: Annotated[
        str | None,
        typer.Option("--x-unit", help="CSV profiles: unit of a plain 'x' column (default um)."),
    ] = None,
    column: Annotated[
        str | None,
        typer.Option("--column", help="CSV profiles: the fraction column when it is not 'C'."),
    ] = None,
    isotopes: Annotated[
        str | None,
        typer.Option("--isotopes", help="CSV profiles: the two count columns, e.g. '6Li,7Li'."),
    ] = None,
    max_pixels: Annotated[
        int | None,
        typer.Option("--max-pixels", help="Refuse array files declaring more values (2**28)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON (keys in docs/cli.md).")
    ] = False,
) -> None:
    """Describe SIMS data files: format, species, shape, pixel size, totals.

    Example: tracerdiff info image_sun.im Li6.txt --json
    """
    opts = _reader_options(x_unit, column, isotopes)
    opened = (
        read_counts(
            [f],
            pixel_size=pixel_size,
            field_of_view=field_of_view,
            require_length=False,
            kind=kind,
            max_pixels=max_pixels,
            **opts,
        )
        for f in files
    )
    entries = [describe(ds, file=f) for ds, f in zip(opened, files, strict=True)]
    texts = [
        _text({**e, "pixel_units": e["kind"] == "image" and e["pixel_size"]["x"] is None})
        for e in entries
    ]
    emit({"files": entries}, as_json=as_json, text="\n".join(texts))


def _reader_options(x_unit: str | None, column: str | None, isotopes: str | None) -> dict[str, Any]:
    """Reader options from the command line (only those given, so readers can refuse them);
    the pixel size and field of view go through the shared calibration (``read_counts``)."""
    opts: dict[str, Any] = {}
    if x_unit is not None:
        opts["x_unit"] = x_unit
    if column is not None:
        opts["column"] = column
    if isotopes is not None:
        names = [t.strip() for t in isotopes.replace("/", ",").split(",") if t.strip()]
        if len(names) != 2:
            raise InputError(
                f"--isotopes: expected two column names like '6Li,7Li', got {isotopes!r}"
            )
        opts["isotopes"] = tuple(names)
    return opts


def register(app: typer.Typer) -> None:
    """Add the ``info`` command to the app."""
    app.command("info")(info)
