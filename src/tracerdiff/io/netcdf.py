"""NetCDF (h5netcdf) datasets, as :func:`~tracerdiff.io.writers.write_dataset` writes them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from ..errors import FileFormatError
from ._checks import MAX_PIXELS, check_length_um, check_pixels, check_real, quiet
from ._common import PathLike, existing_file

__all__ = ["read_netcdf"]

_NC_ERRORS = (ValueError, TypeError, KeyError, OSError, EOFError, RuntimeError, AttributeError)


def read_netcdf(path: PathLike, *, max_pixels: int = MAX_PIXELS) -> xr.Dataset:
    """Read a NetCDF file (as written by :func:`write_dataset`) fully into memory.

    HDF5 files that are not NetCDF (datasets without named dimensions), variables with more than
    ``max_pixels`` values in all, complex variables and impossible pixel sizes are refused."""
    p = existing_file(path)
    try:
        with quiet(), xr.open_dataset(p, engine="h5netcdf", phony_dims="sort") as ds:
            _check_netcdf(ds, p, max_pixels)
            return ds.load()
    except FileFormatError:
        raise
    except _NC_ERRORS as exc:
        raise FileFormatError(
            f"{p}: not a readable NetCDF/HDF5 file ({type(exc).__name__})"
        ) from None


def _check_netcdf(ds: xr.Dataset, p: Path, max_pixels: int) -> None:
    phony = sorted(str(d) for d in ds.dims if str(d).startswith("phony_dim"))
    if phony or not ds.data_vars:
        raise FileFormatError(
            f"{p}: not a tracerdiff/NetCDF count file (HDF5 "
            f"{'datasets without named dimensions' if phony else 'file with no variables'})"
        )
    total = sum(int(v.size) for v in ds.variables.values())
    check_pixels((total,), max_pixels=max_pixels, source=str(p), what="the NetCDF variables")
    for name, v in ds.variables.items():
        check_real(np.empty(0, dtype=v.dtype), source=str(p), what=f"variable {str(name)!r}")
    for key in ("pixel_size_x_um", "pixel_size_y_um", "field_of_view_x_um", "field_of_view_y_um"):
        if key in ds.attrs:
            value = np.asarray(ds.attrs[key]).ravel()
            check_length_um(value[0] if value.size == 1 else None, name=key, source=str(p))
