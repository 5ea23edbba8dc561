"""Cameca NanoSIMS ``.im`` images and ``.is`` isotope-mode files, read with the ``sims`` package
(optional dependency: ``pip install tracerdiff[cameca]``)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import FileFormatError
from ._checks import MAX_PIXELS, check_max_pixels, check_pixels
from ._common import (
    PathLike,
    check_counts,
    existing_file,
    image_dataset,
    normalize_species,
    source_attrs,
    unique_names,
)

__all__ = ["read_cameca_im", "read_cameca_is"]


def _open_sims(p: Path, max_pixels: int = MAX_PIXELS) -> Any:
    """The ``sims`` object of a Cameca file: header first, its declared data size checked
    against ``max_pixels``, then the data (what ``sims.SIMS(path)`` does in one step)."""
    limit = check_max_pixels(max_pixels)
    try:
        import sims
    except ImportError:  # pragma: no cover - sims is installed in the test environment
        raise FileFormatError(
            f"{p}: reading Cameca files needs the 'sims' package: pip install tracerdiff[cameca]"
        ) from None
    obj = sims.SIMS.__new__(sims.SIMS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _read_checked(obj, p, limit)
    except FileFormatError:
        _close(obj)
        raise
    except Exception as exc:  # the sims package raises many kinds on corrupt input
        _close(obj)
        raise FileFormatError(
            f"{p}: not a readable Cameca NanoSIMS file ({type(exc).__name__})"
        ) from None
    return obj


def _close(obj: Any) -> None:
    fh = getattr(obj, "fh", None)
    if fh is not None:
        fh.close()


def _read_checked(obj: Any, p: Path, limit: int) -> None:
    mro: dict[str, Any] = {c.__name__: c for c in type(obj).__mro__}
    mro["TransparentOpen"].__init__(obj, str(p))
    obj.fh.seek(0)
    mro["SIMSReader"].__init__(obj, obj.fh, filename=str(p))
    obj.peek()
    obj.read_header()
    check_pixels(_declared_shape(obj.header), max_pixels=limit, source=str(p),
                 what="the Cameca file")  # fmt: skip
    obj.read_data()
    obj.close()


def _declared_shape(h: dict[str, Any]) -> tuple[int, ...]:
    """The number of values the header announces: planes x masses x height x width for images,
    cycles x masses for isotope-mode files."""
    img = h.get("Image")
    if isinstance(img, dict) and "planes" in img:
        return tuple(int(img[k]) for k in ("planes", "masses", "height", "width"))
    return (int(h.get("frames", 0) or 0), max(int(h.get("masses", 0) or 0), 1))


def _instrument(header: dict[str, Any]) -> str:
    return "Cameca NanoSIMS 50L" if header.get("n50large") else "Cameca NanoSIMS 50"


def _labels(s: Any) -> tuple[list[str], list[str]]:
    labels = [str(v) for v in s.data.species.values]
    return labels, unique_names([normalize_species(lb) for lb in labels])


def read_cameca_im(path: PathLike, *, max_pixels: int = MAX_PIXELS) -> xr.Dataset:
    """Read a NanoSIMS ``.im`` image file: one variable per species, dims ``(frame, y, x)``.

    Pixel sizes (um) = raster size / pixels along each axis; ``dwell_time_s`` from the header
    (time per pixel). Counts are raw (no dead-time correction applied): ``dead_time_corrected=0``.
    A header declaring more than ``max_pixels`` values (planes x masses x pixels) is refused
    before the data are read.
    """
    p = existing_file(path)
    s = _open_sims(p, max_pixels)
    h = s.header
    if h.get("file type") in (21, 26) or "Image" not in h or s.data.ndim != 4:
        raise FileFormatError(f"{p}: not a NanoSIMS image (.im) file")
    img = h["Image"]
    raster_um = float(img["raster"]) / 1000.0
    ny, nx = int(s.data.sizes["y"]), int(s.data.sizes["x"])
    labels, names = _labels(s)
    masses = list(h.get("mass list") or [])
    arrays, var_attrs = {}, {}
    for i, (lb, name) in enumerate(zip(labels, names, strict=True)):
        arrays[name] = np.asarray(s.data.values[i], dtype=np.float64)
        va: dict[str, Any] = {"label": lb}
        if i < len(masses):
            va["mass"] = float(masses[i])
        var_attrs[name] = va
    bf = (h.get("BFields") or [{}])[0]
    attrs: dict[str, Any] = {
        "instrument": _instrument(h),
        "format": "cameca_nanosims_im",
        "raster_um": raster_um,
        "dwell_time_s": float(bf["time per pixel"]) if "time per pixel" in bf else None,
        "dead_time_corrected": 0,
        "acquisition_date": str(h.get("date", "")),
        **source_attrs(p),
    }
    return image_dataset(
        arrays,
        pixel_size_x_um=raster_um / nx,
        pixel_size_y_um=raster_um / ny,
        attrs=attrs,
        var_attrs=var_attrs,
        source=str(p),
    )


def read_cameca_is(path: PathLike, *, max_pixels: int = MAX_PIXELS) -> xr.Dataset:
    """Read a NanoSIMS isotope-mode ``.is`` file: counts per cycle (dim ``cycle``) per species.

    Counts are rate x counting time per cycle (``count_time_s`` attr per variable), taken from the
    ``.is_txt`` raw data when present beside the file (as the ``sims`` package does), else from
    the ``.is`` itself. The instrument's ratio definitions are kept in ``attrs["ratios"]`` (JSON).
    A header declaring more than ``max_pixels`` values (cycles x masses) is refused first.
    """
    p = existing_file(path)
    s = _open_sims(p, max_pixels)
    h = s.header
    if h.get("file type") not in (21, 26) or s.data is None or s.data.ndim != 2:
        raise FileFormatError(f"{p}: not a NanoSIMS isotope-mode (.is) file")
    labels, names = _labels(s)
    table = h.get("MassTable") or {}
    masses = list(h.get("mass list") or [])
    data_vars = {}
    for i, (lb, name) in enumerate(zip(labels, names, strict=True)):
        tc = float(table.get(lb, {}).get("frame count time", np.nan))
        if not np.isfinite(tc) or tc <= 0:
            raise FileFormatError(f"{p}: no counting time for {lb!r} in the header")
        counts = np.asarray(s.data.values[i], dtype=float) * tc
        check_counts(name, counts, source=str(p))
        va: dict[str, Any] = {"label": lb, "species": name, "units": "counts", "count_time_s": tc}
        if i < len(masses):
            va["mass"] = float(masses[i])
        data_vars[name] = (("cycle",), counts, va)
    iso = h.get("Isotopes") or {}
    ratios = [f"{a}/{b}" for a, b in iso.get("ratios", ())]
    n = int(s.data.sizes["frame"])
    raw_from = "is_txt" if Path(str(p) + "_txt").is_file() else "is"
    attrs = {
        "instrument": _instrument(h),
        "format": "cameca_nanosims_is",
        "kind": "isotope_cycles",
        "n_cycles": n,
        # without the .is_txt the values are those the instrument stored after its own
        # corrections (sims: "corrected data"), so they are never corrected again
        "dead_time_corrected": int(raw_from == "is"),
        "raw_from": raw_from,
        "ratios": json.dumps(ratios),
        "acquisition_date": str(h.get("date", "")),
        "comment": str(h.get("comment", "")),
        **source_attrs(p),
    }
    return xr.Dataset(data_vars, coords={"cycle": ("cycle", np.arange(n))}, attrs=attrs)
