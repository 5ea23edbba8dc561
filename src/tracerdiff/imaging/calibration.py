"""Pixel size of count images: stated by the user, taken from the file, or absent.

:func:`open_counts` reads count images (one file, or one file per isotope) and applies a pixel
size or field of view given by the user (overriding what the file says, or supplying what it
lacks). Images without any calibration are read in pixel units (pixel size 1, attrs
``pixel_units=1``) when ``require_length`` is false, e.g. for a fraction map; analyses that need
a physical length (profiles, boundaries, grains) refuse them with :class:`UncalibratedError`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from ..errors import DataError, FileFormatError, InputError

__all__ = ["UncalibratedError", "calibrate", "is_pixel_units", "open_counts", "require_length"]

PathLike = str | os.PathLike[str]


class UncalibratedError(InputError):
    """A physical length is needed but the images have no pixel size."""


def _pair(v: float | Sequence[float], what: str) -> tuple[float, float]:
    vals = [float(v)] * 2 if isinstance(v, (int, float)) else [float(t) for t in v]
    if len(vals) != 2 or not all(np.isfinite(t) and t > 0 for t in vals):
        raise InputError(f"{what} must be one or two positive lengths in um, got {v!r}")
    return vals[0], vals[1]


def calibrate(
    ds: xr.Dataset,
    *,
    pixel_size_um: float | Sequence[float] | None = None,
    field_of_view_um: float | Sequence[float] | None = None,
) -> xr.Dataset:
    """``ds`` with its pixel size set (coords ``x``, ``y`` at pixel centres and the attrs);
    give a pixel size (one value or (x, y), um) or the field of view (um), not both."""
    if pixel_size_um is not None and field_of_view_um is not None:
        raise InputError("give a pixel size or a field of view, not both")
    if pixel_size_um is None and field_of_view_um is None:
        return ds
    nx, ny = int(ds.sizes["x"]), int(ds.sizes["y"])
    if pixel_size_um is not None:
        px, py = _pair(pixel_size_um, "pixel size")
        how = "pixel size given"
    else:
        fx, fy = _pair(field_of_view_um, "field of view")  # type: ignore[arg-type]
        px, py = fx / nx, fy / ny
        how = "field of view given"
    out = ds.assign_coords(
        x=("x", (np.arange(nx) + 0.5) * px, {"units": "um"}),
        y=("y", (np.arange(ny) + 0.5) * py, {"units": "um"}),
    )
    out.attrs.update(
        {
            "pixel_size_x_um": px,
            "pixel_size_y_um": py,
            "field_of_view_x_um": px * nx,
            "field_of_view_y_um": py * ny,
            "pixel_size_from": how,
            "pixel_units": 0,
        }
    )
    return out


def is_pixel_units(ds: xr.Dataset) -> bool:
    """True when ``ds`` has no physical calibration (lengths are pixel counts)."""
    return int(ds.attrs.get("pixel_units", 0)) == 1


def require_length(ds: xr.Dataset, *, what: str) -> None:
    """Refuse a dataset in pixel units where ``what`` needs a physical length."""
    if is_pixel_units(ds):
        raise UncalibratedError(
            f"{what} needs a physical length, but the images carry no pixel size; give the pixel "
            "size or the field of view"
        )


def _read(files: Sequence[PathLike], geo: dict[str, Any], options: dict[str, Any]) -> xr.Dataset:
    from ..io import open_dataset, open_images

    if len(files) == 1:
        return open_dataset(files[0], **geo, **options)
    return open_images(list(files), **geo, **options)


def _pixel_units(ds: xr.Dataset) -> xr.Dataset:
    out = calibrate(ds, pixel_size_um=1.0)
    out.attrs.update({"pixel_units": 1, "pixel_size_from": "none (pixel units)"})
    out["x"].attrs["units"] = out["y"].attrs["units"] = "px"
    return out


def open_counts(
    files: Sequence[PathLike],
    *,
    pixel_size_um: float | Sequence[float] | None = None,
    field_of_view_um: float | Sequence[float] | None = None,
    require_length: bool = True,
    **options: Any,
) -> xr.Dataset:
    """Read count images with the pixel size of the file, or the one given (which wins).

    A file without calibration: with a pixel size or field of view given, that is used; else
    :class:`UncalibratedError` when ``require_length``, or pixel units (``pixel_units=1``).
    ``options`` go to :func:`tracerdiff.io.open_dataset` / ``open_images``.
    """
    given = pixel_size_um is not None or field_of_view_um is not None
    if pixel_size_um is not None and field_of_view_um is not None:
        raise InputError("give a pixel size or a field of view, not both")
    try:
        ds = _read(files, {}, options)
        uncalibrated = _lacks_size(ds)
    except FileFormatError as first:
        # a reader may refuse a file only for want of a pixel size: read it with one to know
        try:
            ds = _read(files, {"pixel_size_um": 1.0}, options)
        except DataError:
            raise  # the files were read: what else is wrong with them stands
        except (InputError, TypeError):
            raise first from None
        uncalibrated = True
    if not {"x", "y"} <= set(ds.dims):  # count series, profiles: no pixels to calibrate
        if given:  # the reader says, by name, that it takes no pixel size
            _read(files, _geometry(pixel_size_um, field_of_view_um), options)
            raise InputError(
                "a pixel size or field of view applies to images; the file holds "
                f"{str(ds.attrs.get('kind', 'no image')).replace('_', ' ')}"
            )
        return ds
    if uncalibrated and not given:
        if require_length:
            raise UncalibratedError(
                "the images carry no pixel size; give the pixel size or the field of view"
            )
        return _pixel_units(ds)
    return calibrate(ds, pixel_size_um=pixel_size_um, field_of_view_um=field_of_view_um)


def _geometry(pixel_size_um: Any, field_of_view_um: Any) -> dict[str, Any]:
    if pixel_size_um is not None:
        return {"pixel_size_um": pixel_size_um}
    return {"field_of_view_um": field_of_view_um}


def _lacks_size(ds: xr.Dataset) -> bool:
    if not {"x", "y"} <= set(ds.dims):
        return False
    return any(ds.attrs.get(f"pixel_size_{a}_um") is None and a not in ds.coords for a in "xy")
