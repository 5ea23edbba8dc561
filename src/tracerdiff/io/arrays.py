"""Array formats: TIFF / multi-page TIFF, ``.npy``, ``.npz``, NetCDF (h5netcdf), and
:func:`write_dataset` (atomic, by suffix).

Files written by tracerdiff carry their metadata (species names, attrs) so that reading them back
gives the same dataset: NetCDF natively, TIFF in the ImageDescription tag (JSON), ``.npz`` in a
``__tracerdiff__`` entry (JSON). Foreign TIFF/NPY files need the pixel size (or field of view)
as an option.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import FileFormatError, InputError
from ..outputs import atomic_path, write_bytes_checked
from ._checks import MAX_PIXELS, check_length_um, check_pixels, check_real, quiet
from ._common import (
    PathLike,
    existing_file,
    image_dataset,
    normalize_species,
    pixel_sizes,
    source_attrs,
)
from ._npy import load_npy, load_npz

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
    attrs = meta["attrs"]
    ds = image_dataset(
        arrays,
        pixel_size_x_um=check_length_um(
            attrs.get("pixel_size_x_um"), name="pixel_size_x_um in the metadata", source=str(p)
        ),
        pixel_size_y_um=check_length_um(
            attrs.get("pixel_size_y_um"), name="pixel_size_y_um in the metadata", source=str(p)
        ),
        attrs=attrs,
        var_attrs=meta["var_attrs"],
        source=str(p),
    )
    return ds


def _checked_meta(meta: dict[str, Any], p: Path, where: str) -> dict[str, Any]:
    """The tracerdiff metadata after checking its types (FileFormatError naming ``where``)."""
    species, attrs, va = meta.get("species"), meta.get("attrs", {}), meta.get("var_attrs", {})
    shape = meta.get("shape")
    problems = [
        (
            not isinstance(species, list)
            or not species
            or not all(isinstance(n, str) for n in species),
            "'species' must be a non-empty list of names",
        ),
        (not isinstance(attrs, dict), "'attrs' must be an object"),
        (
            not isinstance(va, dict) or not all(isinstance(v, dict) for v in va.values()),
            "'var_attrs' must map names to objects",
        ),
        (
            shape is not None
            and (
                not isinstance(shape, list)
                or not all(isinstance(n, int) and not isinstance(n, bool) for n in shape)
            ),
            "'shape' must be a list of integers",
        ),
    ]
    for bad, what in problems:
        if bad:
            raise FileFormatError(f"{p}: corrupt tracerdiff metadata in {where}: {what}")
    return {"species": species, "attrs": dict(attrs), "var_attrs": va, "shape": shape}


def _foreign(
    arrays: dict[str, np.ndarray],
    p: Path,
    fmt: str,
    *,
    pixel_size_um: float | tuple[float, float] | None,
    field_of_view_um: float | tuple[float, float] | None,
    instrument: str,
) -> xr.Dataset:
    if not arrays:
        raise FileFormatError(f"{p}: holds no arrays; expected one image per species")
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
    max_pixels: int = MAX_PIXELS,
) -> xr.Dataset:
    """Read a (multi-page) TIFF of counts. Pages are ``frames`` of one species (default) or one
    ``species`` each (``pages_as="species"``, ``species=[...]`` names them). Pixel size in um.
    A file declaring more than ``max_pixels`` values is refused before it is read."""
    p = existing_file(path)
    a, desc = _tiff_array(p, max_pixels)
    meta = _json_meta(desc, p, "the TIFF ImageDescription")
    if meta is not None:
        ds = _from_meta(_meta_arrays(a, meta, p), meta, p)
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


def _tiff_array(p: Path, max_pixels: int) -> tuple[np.ndarray, str]:
    """The first image series and the first page's description, shape and dtype checked first."""
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
            a = np.asarray(tf.asarray())
            desc = tf.pages[0].description  # type: ignore[union-attr]
    except FileFormatError:
        raise
    except (
        tifffile.TiffFileError,
        ValueError,
        TypeError,
        OSError,
        EOFError,
        KeyError,
        IndexError,
        AttributeError,
    ) as exc:
        raise FileFormatError(f"{src}: not a readable TIFF ({type(exc).__name__})") from None
    return a, desc if isinstance(desc, str) else ""


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


def _meta_arrays(a: np.ndarray, meta: dict[str, Any], p: Path) -> dict[str, np.ndarray]:
    names, shape = meta["species"], meta["shape"]
    if shape is None or not shape or shape[0] != len(names):
        raise FileFormatError(
            f"{p}: corrupt tracerdiff metadata in the TIFF ImageDescription: 'shape' must start "
            "with the number of species"
        )
    try:
        a = np.asarray(a).reshape(shape)
    except ValueError:
        raise FileFormatError(
            f"{p}: tracerdiff metadata says shape {tuple(shape)} but the TIFF holds {np.shape(a)}"
        ) from None
    return {n: a[i] for i, n in enumerate(names)}


def _json_meta(desc: str, p: Path, where: str) -> dict[str, Any] | None:
    """The tracerdiff metadata in ``desc``, None when there is none (a foreign file)."""
    if not desc or _META_KEY not in desc:
        return None
    try:
        meta = json.loads(desc)
    except (TypeError, ValueError) as exc:
        pos = f" at character {exc.pos}" if isinstance(exc, json.JSONDecodeError) else ""
        raise FileFormatError(
            f"{p}: corrupt tracerdiff metadata in {where}: not valid JSON{pos}"
        ) from None
    if not isinstance(meta, dict) or meta.get(_META_KEY) != 1:
        raise FileFormatError(
            f"{p}: corrupt tracerdiff metadata in {where}: expected a JSON object with "
            f"{_META_KEY!r}: 1"
        )
    return _checked_meta(meta, p, where)


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
    max_pixels: int = MAX_PIXELS,
) -> xr.Dataset:
    """Read a ``.npy`` array (2D image or 3D stack, see :func:`read_tiff` for the options)."""
    p = existing_file(path)
    a = load_npy(p, max_pixels=max_pixels)
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
    max_pixels: int = MAX_PIXELS,
) -> xr.Dataset:
    """Read a ``.npz`` archive holding one array per species (keys are the species names).
    Every entry's header is checked (real dtype, at most ``max_pixels`` values in all) first."""
    p = existing_file(path)
    arrays = load_npz(p, max_pixels=max_pixels)
    meta_arr = arrays.pop(_META_KEY, None)
    if meta_arr is not None:
        where = f"the {_META_KEY} entry"
        meta = _json_meta(str(meta_arr), p, where)
        if meta is None:
            raise FileFormatError(f"{p}: corrupt tracerdiff metadata in {where}")
        if sorted(meta["species"]) != sorted(arrays):
            raise FileFormatError(
                f"{p}: corrupt tracerdiff metadata in {where}: species {meta['species']} "
                f"but the archive holds {sorted(arrays)}"
            )
        return _restamp(_from_meta(arrays, meta, p), p, "npz")
    return _foreign(
        arrays,
        p,
        "npz",
        pixel_size_um=pixel_size_um,
        field_of_view_um=field_of_view_um,
        instrument=instrument,
    )


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
        # serialised in memory first: h5py never writes to a disk that may fill up (a full disk
        # under h5py can crash the process); the bytes are written after a free-space check
        buf = io.BytesIO()
        ds.to_netcdf(buf, engine="h5netcdf")
        with atomic_path(path, force=force) as tmp:
            write_bytes_checked(tmp, buf.getvalue(), name=path)
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
