"""Array formats, one module each: :mod:`.tiff`, :mod:`.npyfiles` (``.npy``/``.npz``),
:mod:`.netcdf` and :mod:`.writers` (``write_dataset``). This module keeps the import path
``tracerdiff.io.arrays`` of these functions."""

from __future__ import annotations

from .netcdf import read_netcdf
from .npyfiles import read_npy, read_npz
from .tiff import read_tiff
from .writers import write_dataset

__all__ = ["read_netcdf", "read_npy", "read_npz", "read_tiff", "write_dataset"]
