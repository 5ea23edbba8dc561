"""tracerdiff's own metadata in array files (TIFF ImageDescription, the ``__tracerdiff__`` entry
of ``.npz``): written as JSON by :func:`~tracerdiff.io.writers.write_dataset`, checked on reading
so that a corrupt entry is one FileFormatError, never a wrong dataset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import FileFormatError
from ._checks import check_length_um
from ._common import image_dataset, source_attrs

__all__ = ["META_KEY", "dataset_meta", "from_meta", "json_meta", "meta_arrays", "restamp"]

META_KEY = "__tracerdiff__"
_PROVENANCE = ("source_file", "source_sha256", "format")


def from_meta(arrays: dict[str, np.ndarray], meta: dict[str, Any], p: Path) -> xr.Dataset:
    """The image dataset of ``arrays`` with the attrs and pixel sizes of checked ``meta``."""
    attrs = meta["attrs"]
    return image_dataset(
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


def json_meta(desc: str, p: Path, where: str) -> dict[str, Any] | None:
    """The tracerdiff metadata in ``desc``, None when there is none (a foreign file)."""
    if not desc or META_KEY not in desc:
        return None
    try:
        meta = json.loads(desc)
    except (TypeError, ValueError) as exc:
        pos = f" at character {exc.pos}" if isinstance(exc, json.JSONDecodeError) else ""
        raise FileFormatError(
            f"{p}: corrupt tracerdiff metadata in {where}: not valid JSON{pos}"
        ) from None
    if not isinstance(meta, dict) or meta.get(META_KEY) != 1:
        raise FileFormatError(
            f"{p}: corrupt tracerdiff metadata in {where}: expected a JSON object with "
            f"{META_KEY!r}: 1"
        )
    return _checked_meta(meta, p, where)


def meta_arrays(a: np.ndarray, meta: dict[str, Any], p: Path) -> dict[str, np.ndarray]:
    """``{species: array}`` of a TIFF stack written by tracerdiff (shape from the metadata)."""
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


def restamp(ds: xr.Dataset, p: Path, fmt: str) -> xr.Dataset:
    """Keep the original provenance (``original_*``) and stamp this file's."""
    for k in _PROVENANCE:
        if k in ds.attrs and f"original_{k}" not in ds.attrs:
            ds.attrs[f"original_{k}"] = ds.attrs[k]
    ds.attrs.update({"format": fmt, **source_attrs(p)})
    return ds


def dataset_meta(ds: xr.Dataset) -> dict[str, Any]:
    """The metadata that :func:`write_dataset` stores beside the arrays."""
    from ..quantities import jsonable

    return {
        META_KEY: 1,
        "species": list(ds.data_vars),
        "attrs": jsonable(dict(ds.attrs)),
        "var_attrs": {k: jsonable(dict(v.attrs)) for k, v in ds.data_vars.items()},
    }
