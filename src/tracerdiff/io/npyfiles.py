"""``.npy`` arrays (a 2D image or a 3D stack) and ``.npz`` archives (one array per species)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from ..errors import FileFormatError
from ._checks import MAX_PIXELS
from ._common import PathLike, existing_file
from ._foreign import foreign_dataset, stack_to_arrays
from ._meta import META_KEY, from_meta, json_meta, restamp
from ._npy import load_npy, load_npz

__all__ = ["read_npy", "read_npz"]


def read_npy(
    path: PathLike,
    *,
    species: Sequence[str] | str | None = None,
    pages_as: str = "frames",
    pixel_size_um: float | tuple[float, float] | None = None,
    field_of_view_um: float | tuple[float, float] | None = None,
    instrument: str = "unknown",
    max_pixels: int = MAX_PIXELS,
) -> xr.Dataset:
    """Read a ``.npy`` array (2D image or 3D stack, see :func:`read_tiff` for the options)."""
    p = existing_file(path)
    a = load_npy(p, max_pixels=max_pixels)
    arrays = stack_to_arrays(
        np.asarray(a, dtype=float), species=species, pages_as=pages_as, source=str(p)
    )
    return foreign_dataset(
        arrays,
        p,
        "npy",
        pixel_size_um=pixel_size_um,
        field_of_view_um=field_of_view_um,
        instrument=instrument,
    )


def read_npz(
    path: PathLike,
    *,
    pixel_size_um: float | tuple[float, float] | None = None,
    field_of_view_um: float | tuple[float, float] | None = None,
    instrument: str = "unknown",
    max_pixels: int = MAX_PIXELS,
) -> xr.Dataset:
    """Read a ``.npz`` archive holding one array per species (keys are the species names).
    Every entry's header is checked (real dtype, at most ``max_pixels`` values in all) first."""
    p = existing_file(path)
    arrays = load_npz(p, max_pixels=max_pixels)
    meta_arr = arrays.pop(META_KEY, None)
    if meta_arr is not None:
        where = f"the {META_KEY} entry"
        meta = json_meta(str(meta_arr), p, where)
        if meta is None:
            raise FileFormatError(f"{p}: corrupt tracerdiff metadata in {where}")
        if sorted(meta["species"]) != sorted(arrays):
            raise FileFormatError(
                f"{p}: corrupt tracerdiff metadata in {where}: species {meta['species']} "
                f"but the archive holds {sorted(arrays)}"
            )
        return restamp(from_meta(arrays, meta, p), p, "npz")
    return foreign_dataset(
        arrays,
        p,
        "npz",
        pixel_size_um=pixel_size_um,
        field_of_view_um=field_of_view_um,
        instrument=instrument,
    )
