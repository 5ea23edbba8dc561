"""TIFF / multi-page TIFF counts: tracerdiff's own files (metadata in the ImageDescription) and
foreign ones, with the pixel size from ImageJ or OME-TIFF calibration when the file states it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import FileFormatError
from ._calibration import tiff_calibration
from ._checks import MAX_PIXELS, check_pixels, check_real, quiet
from ._common import PathLike, existing_file
from ._foreign import foreign_dataset, stack_to_arrays
from ._meta import from_meta, json_meta, meta_arrays, restamp

__all__ = ["read_tiff", "tiff_array"]

_TIFF_ERRORS = (
    ValueError,
    TypeError,
    OSError,
    EOFError,
    KeyError,
    IndexError,
    AttributeError,
)


def read_tiff(
    path: PathLike,
    *,
    species: Sequence[str] | str | None = None,
    pages_as: str = "frames",
    pixel_size_um: float | tuple[float, float] | None = None,
    field_of_view_um: float | tuple[float, float] | None = None,
    instrument: str = "unknown",
    max_pixels: int = MAX_PIXELS,
) -> xr.Dataset:
    """Read a (multi-page) TIFF of counts. Pages are ``frames`` of one species (default) or one
    ``species`` each (``pages_as="species"``, ``species=[...]`` names them). Pixel size in um:
    the options, else the file's ImageJ / OME / centimetre-resolution calibration
    (``attrs["pixel_size_from"]`` says which). A file declaring more than ``max_pixels`` values
    is refused before it is read."""
    p = existing_file(path)
    a, desc, cal = _read(p, max_pixels)
    meta = json_meta(desc, p, "the TIFF ImageDescription")
    if meta is not None:
        return restamp(from_meta(meta_arrays(a, meta, p), meta, p), p, "tiff")
    arrays = stack_to_arrays(np.asarray(a), species=species, pages_as=pages_as, source=str(p))
    ds = foreign_dataset(
        arrays,
        p,
        "tiff",
        pixel_size_um=pixel_size_um,
        field_of_view_um=field_of_view_um,
        instrument=instrument,
        calibration=cal,
    )
    if "spacing_um" in cal:
        ds.attrs["spacing_um"] = float(cal["spacing_um"])
    return ds


def tiff_array(p: Path, max_pixels: int) -> tuple[np.ndarray, str]:
    """The first image series and the first page's description, shape and dtype checked first."""
    a, desc, _ = _read(p, max_pixels, calibrate=False)
    return a, desc


def _read(p: Path, max_pixels: int, calibrate: bool = True) -> tuple[np.ndarray, str, Any]:
    import tifffile

    src = str(p)
    try:
        with quiet(), tifffile.TiffFile(p) as tf:
            if not tf.series or not len(tf.pages):
                raise FileFormatError(f"{src}: TIFF holds no image")
            series = tf.series[0]
            check_pixels(series.shape, max_pixels=max_pixels, source=src, what="the TIFF image")
            check_real(np.empty(0, dtype=series.dtype), source=src, what="the TIFF image")
            _check_tiff_extent(tf, p)
            cal = tiff_calibration(tf, src) if calibrate else {}
            a = np.asarray(tf.asarray())
            desc = tf.pages[0].description  # type: ignore[union-attr]
    except FileFormatError:
        raise
    except (tifffile.TiffFileError, *_TIFF_ERRORS) as exc:
        raise FileFormatError(f"{src}: not a readable TIFF ({type(exc).__name__})") from None
    return a, desc if isinstance(desc, str) else "", cal


def _check_tiff_extent(tf: Any, p: Path) -> None:
    """FileFormatError when image data lie past the end of the file (a truncated TIFF)."""
    size = p.stat().st_size
    for i, page in enumerate(tf.pages):
        offsets = getattr(page, "dataoffsets", ()) or ()
        counts = getattr(page, "databytecounts", ()) or ()
        ends = [int(o) + int(c) for o, c in zip(offsets, counts, strict=False)]
        if ends and max(ends) > size:
            raise FileFormatError(
                f"{p}: truncated TIFF: page {i + 1} needs {max(ends)} bytes, the file has {size}"
            )
