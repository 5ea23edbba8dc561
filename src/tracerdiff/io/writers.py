"""``write_dataset``: an image or profile dataset to ``.nc`` / ``.tif`` / ``.npz``, atomically,
with tracerdiff's metadata so that reading the file back gives the same dataset."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import InputError
from ..outputs import atomic_path, write_bytes_checked
from ._common import PathLike
from ._meta import META_KEY, dataset_meta

__all__ = ["write_dataset"]


def _image_vars(ds: xr.Dataset, path: PathLike) -> np.ndarray:
    dims = {v.dims for v in ds.data_vars.values()}
    if len(dims) != 1 or next(iter(dims))[-2:] != ("y", "x"):
        raise InputError(
            f"{path}: TIFF/NPZ output needs image variables that all have dims "
            f"(..., 'y', 'x'), got {sorted(map(str, dims))}"
        )
    if "pixel_size_x_um" not in ds.attrs or "pixel_size_y_um" not in ds.attrs:
        raise InputError(f"{path}: dataset lacks pixel_size_x_um/pixel_size_y_um attrs")
    return np.stack([v.values for v in ds.data_vars.values()])


def write_dataset(ds: xr.Dataset, path: PathLike, *, force: bool = False) -> Path:
    """Write a dataset by suffix: ``.nc`` (h5netcdf), ``.tif``/``.tiff`` or ``.npz``; atomic,
    refusing an existing file unless ``force``. Returns the path."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".nc", ".tif", ".tiff", ".npz"):
        raise InputError(f"{path}: unknown output suffix {suffix!r}; use .nc, .tif or .npz")
    if suffix == ".nc":
        # serialised in memory first: h5py never writes to a disk that may fill up (a full disk
        # under h5py can crash the process); the bytes are written after a free-space check
        buf = io.BytesIO()
        ds.to_netcdf(buf, engine="h5netcdf")
        with atomic_path(path, force=force) as tmp:
            write_bytes_checked(tmp, buf.getvalue(), name=path)
        return Path(path)
    stack = _image_vars(ds, path)
    meta = {**dataset_meta(ds), "shape": list(stack.shape)}
    with atomic_path(path, force=force) as tmp:
        if suffix == ".npz":
            arrays: dict[str, Any] = {str(k): v.values for k, v in ds.data_vars.items()}
            arrays[META_KEY] = np.array(json.dumps(meta))
            np.savez_compressed(tmp, **arrays)
        else:
            import tifffile

            data = stack[0] if stack.shape[0] == 1 else stack
            tifffile.imwrite(tmp, data, description=json.dumps(meta), metadata=None)
    return Path(path)
