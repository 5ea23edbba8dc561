"""Array formats: TIFF / multi-page TIFF, ``.npy``, ``.npz``, NetCDF (h5netcdf), and
:func:`write_dataset` (atomic, by suffix).

Files written by tracerdiff carry their metadata (species names, attrs) so that reading them back
gives the same dataset: NetCDF natively, TIFF in the ImageDescription tag (JSON), ``.npz`` in a
``__tracerdiff__`` entry (JSON). Foreign TIFF/NPY files need the pixel size (or field of view)
as an option.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import FileFormatError, InputError
from ..outputs import atomic_path
from ._common import (
    PathLike,
    existing_file,
    image_dataset,
    normalize_species,
    pixel_sizes,
    source_attrs,
)

__all__ = ["read_netcdf", "read_npy", "read_npz", "read_tiff", "write_dataset"]

_META_KEY = "__tracerdiff__"
_PROVENANCE = ("source_file", "source_sha256", "format")


def _stack_to_arrays(
    a: np.ndarray, *, species: Sequence[str] | str | None, pages_as: str, source: str
) -> dict[str, np.ndarray]:
    """Split a 2D/3D array into ``{species: image}``: pages are frames or species (names are
    normalised, ``^6Li+`` -> ``6Li``)."""
    arrays = _split_pages(a, species=species, pages_as=pages_as, source=source)
    return {normalize_species(k): v for k, v in arrays.items()}


def _split_pages(
    a: np.ndarray, *, species: Sequence[str] | str | None, pages_as: str, source: str
) -> dict[str, np.ndarray]:
    if a.ndim == 2:
        name = species if isinstance(species, str) else (species[0] if species else "counts")
        return {name: a}
    if a.ndim != 3:
        raise FileFormatError(f"{source}: expected a 2D image or a 3D stack, got shape {a.shape}")
    if pages_as == "species":
        names = [species] if isinstance(species, str) else list(species or [])
        if len(names) != a.shape[0]:
            raise InputError(
                f"{source}: {a.shape[0]} pages but species={names!r}; give one "
                "species name per page"
            )
        return {n: a[i] for i, n in enumerate(names)}
    if pages_as != "frames":
        raise InputError(f"pages_as must be 'frames' or 'species', got {pages_as!r}")
    name = species if isinstance(species, str) else (species[0] if species else "counts")
    return {name: a}


def _from_meta(arrays: dict[str, np.ndarray], meta: dict[str, Any], p: Path) -> xr.Dataset:
    attrs = dict(meta.get("attrs", {}))
    va = meta.get("var_attrs", {})
    ds = image_dataset(
        arrays,
        pixel_size_x_um=float(attrs["pixel_size_x_um"]),
        pixel_size_y_um=float(attrs["pixel_size_y_um"]),
        attrs=attrs,
        var_attrs=va,
        source=str(p),
    )
    return ds


def _foreign(
    arrays: dict[str, np.ndarray],
    p: Path,
    fmt: str,
    *,
    pixel_size_um: float | tuple[float, float] | None,
    field_of_view_um: float | tuple[float, float] | None,
    instrument: str,
) -> xr.Dataset:
    shape = next(iter(arrays.values())).shape
    px, py = pixel_sizes(
        shape[-1],
        shape[-2],
        field_of_view_um=field_of_view_um,
        pixel_size_um=pixel_size_um,
        source=str(p),
    )
    attrs = {"instrument": instrument, "format": fmt, **source_attrs(p)}
    return image_dataset(arrays, pixel_size_x_um=px, pixel_size_y_um=py, attrs=attrs, source=str(p))


def read_tiff(
    path: PathLike,
    *,
    species: Sequence[str] | str | None = None,
    pages_as: str = "frames",
    pixel_size_um: float | tuple[float, float] | None = None,
    field_of_view_um: float | tuple[float, float] | None = None,
    instrument: str = "unknown",
) -> xr.Dataset:
    """Read a (multi-page) TIFF of counts. Pages are ``frames`` of one species (default) or one
    ``species`` each (``pages_as="species"``, ``species=[...]`` names them). Pixel size in um."""
    import tifffile

    p = existing_file(path)
    try:
        with tifffile.TiffFile(p) as tf:
            a = tf.asarray()
            desc = tf.pages[0].description if len(tf.pages) else ""  # type: ignore[union-attr]
    except (tifffile.TiffFileError, ValueError, OSError) as exc:
        raise FileFormatError(f"{p}: not a readable TIFF ({type(exc).__name__})") from None
    meta = _json_meta(desc)
    if meta is not None:
        names = list(meta["species"])
        a = np.asarray(a).reshape(meta["shape"])
        arrays = {n: a[i] for i, n in enumerate(names)}
        ds = _from_meta(arrays, meta, p)
        return _restamp(ds, p, "tiff")
    arrays = _stack_to_arrays(np.asarray(a), species=species, pages_as=pages_as, source=str(p))
    return _foreign(
        arrays,
        p,
        "tiff",
        pixel_size_um=pixel_size_um,
        field_of_view_um=field_of_view_um,
        instrument=instrument,
    )


def _json_meta(desc: str) -> dict[str, Any] | None:
    try:
        meta = json.loads(desc)
    except (TypeError, ValueError):
        return None
    return meta if isinstance(meta, dict) and meta.get(_META_KEY) == 1 else None


def _restamp(ds: xr.Dataset, p: Path, fmt: str) -> xr.Dataset:
    """Keep the original provenance (``original_*``) and stamp this file's."""
    for k in _PROVENANCE:
        if k in ds.attrs and f"original_{k}" not in ds.attrs:
            ds.attrs[f"original_{k}"] = ds.attrs[k]
    ds.attrs.update({"format": fmt, **source_attrs(p)})
    return ds


def read_npy(
    path: PathLike,
    *,
    species: Sequence[str] | str | None = None,
    pages_as: str = "frames",
    pixel_size_um: float | tuple[float, float] | None = None,
    field_of_view_um: float | tuple[float, float] | None = None,
    instrument: str = "unknown",
) -> xr.Dataset:
    """Read a ``.npy`` array (2D image or 3D stack, see :func:`read_tiff` for the options)."""
    p = existing_file(path)
    try:
        a = np.load(p, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise FileFormatError(f"{p}: not a readable .npy array (expected a numeric array, "
                              f"saved without pickling; {type(exc).__name__})") from None
    if not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        raise FileFormatError(f"{p}: expected real counts (integer or float), got dtype {a.dtype}")
    arrays = _stack_to_arrays(
        np.asarray(a, dtype=float), species=species, pages_as=pages_as, source=str(p)
    )
    return _foreign(
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
) -> xr.Dataset:
    """Read a ``.npz`` archive holding one array per species (keys are the species names)."""
    p = existing_file(path)
    try:
        with np.load(p, allow_pickle=False) as z:
            arrays = {k: np.asarray(z[k]) for k in z.files}
    except (ValueError, OSError) as exc:
        raise FileFormatError(f"{p}: not a readable .npz archive (expected numeric arrays, "
                              f"saved without pickling; {type(exc).__name__})") from None
    meta_arr = arrays.pop(_META_KEY, None)
    if meta_arr is not None:
        meta = _json_meta(str(meta_arr))
        if meta is None:
            raise FileFormatError(f"{p}: corrupt {_META_KEY} metadata entry")
        return _restamp(_from_meta(arrays, meta, p), p, "npz")
    return _foreign(
        arrays,
        p,
        "npz",
        pixel_size_um=pixel_size_um,
        field_of_view_um=field_of_view_um,
        instrument=instrument,
    )


def read_netcdf(path: PathLike) -> xr.Dataset:
    """Read a NetCDF file (as written by :func:`write_dataset`) fully into memory."""
    p = existing_file(path)
    try:
        with xr.open_dataset(p, engine="h5netcdf") as ds:
            return ds.load()
    except (ValueError, OSError) as exc:
        raise FileFormatError(f"{p}: not a readable NetCDF/HDF5 file ({type(exc).__name__})"
                              ) from None


def _meta(ds: xr.Dataset) -> dict[str, Any]:
    from ..quantities import jsonable

    return {
        _META_KEY: 1,
        "species": list(ds.data_vars),
        "attrs": jsonable(dict(ds.attrs)),
        "var_attrs": {k: jsonable(dict(v.attrs)) for k, v in ds.data_vars.items()},
    }


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
        with atomic_path(path, force=force) as tmp:
            ds.to_netcdf(tmp, engine="h5netcdf")
        return Path(path)
    stack = _image_vars(ds, path)
    meta = {**_meta(ds), "shape": list(stack.shape)}
    with atomic_path(path, force=force) as tmp:
        if suffix == ".npz":
            arrays: dict[str, Any] = {str(k): v.values for k, v in ds.data_vars.items()}
            arrays[_META_KEY] = np.array(json.dumps(meta))
            np.savez_compressed(tmp, **arrays)
        else:
            import tifffile

            data = stack[0] if stack.shape[0] == 1 else stack
            tifffile.imwrite(tmp, data, description=json.dumps(meta), metadata=None)
    return Path(path)
