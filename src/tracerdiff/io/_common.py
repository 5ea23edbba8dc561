"""Shared helpers of the readers: file checks, hashes, species labels, dataset assembly.

Every reader builds its image dataset with :func:`image_dataset` so that all formats follow the
contract of ``docs/architecture.md``: one float64 variable of counts per species, dims
``(y, x)`` or ``(frame, y, x)``, coords ``x``/``y`` in um at pixel centres with separate pixel
sizes, NetCDF-safe attrs (no None, booleans as 0/1).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import DataError, FileFormatError, InputError, ShapeMismatchError
from ._checks import check_input_file, check_length_um, first_nonfinite

__all__ = [
    "check_counts",
    "existing_file",
    "image_dataset",
    "looks_dead_time_corrected",
    "normalize_species",
    "sha256_file",
    "source_attrs",
    "unique_names",
]

PathLike = str | os.PathLike[str]

_CHARGE = re.compile(r"[+-]+$")


def existing_file(path: PathLike) -> Path:
    """The path as a :class:`Path` once it is a non-empty readable regular file
    (:func:`~tracerdiff.io._checks.check_input_file`); FileFormatError otherwise."""
    return check_input_file(path)


def sha256_file(path: PathLike) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def source_attrs(path: Path) -> dict[str, str]:
    """``source_file`` (the name as given, resolved) and ``source_sha256`` attrs."""
    return {"source_file": str(path.resolve()), "source_sha256": sha256_file(path)}


def normalize_species(label: str) -> str:
    """Normalise an instrument's species label to a variable name.

    ``^6Li+`` -> ``6Li``, ``Li+`` -> ``Li``, ``C_6H_5+`` -> ``C6H5``, ``12C 14N`` -> ``12C14N``:
    isotope carets, subscript underscores, spaces and the trailing charge are removed.
    """
    s = label.strip().replace("^", "").replace("_", "").replace(" ", "")
    stripped = _CHARGE.sub("", s)
    return stripped or s or "unnamed"


def unique_names(names: Sequence[str]) -> list[str]:
    """Make names unique by appending ``_2``, ``_3`` ... to repeats (first one kept as is)."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        k = seen.get(n, 0) + 1
        seen[n] = k
        out.append(n if k == 1 else f"{n}_{k}")
    return out


def looks_dead_time_corrected(arrays: Sequence[np.ndarray]) -> bool:
    """True when counts are non-integer: the export was already dead-time corrected."""
    for a in arrays:
        finite = a[np.isfinite(a)]
        if finite.size and bool(np.any(np.abs(finite - np.round(finite)) > 1e-6)):
            return True
    return False


def check_counts(name: str, a: np.ndarray, *, source: PathLike | str) -> None:
    """Raise DataError on negative or non-finite counts."""
    bad = first_nonfinite(a)
    if bad is not None:
        raise DataError(
            f"{source}: non-finite count in {name!r} at index {bad}; expected finite counts >= 0"
        )
    if a.size and float(np.min(a)) < 0:
        raise DataError(f"{source}: negative counts in {name!r} (min {float(np.min(a)):g})")


def pixel_coords(n: int, pixel_size_um: float) -> np.ndarray:
    """Pixel-centre coordinates ``(i + 1/2) * p`` in um."""
    return (np.arange(n, dtype=float) + 0.5) * float(pixel_size_um)


def _sizes(px: float, py: float, source: str) -> tuple[float, float]:
    return (
        check_length_um(px, name="pixel size x", source=source),
        check_length_um(py, name="pixel size y", source=source),
    )


def _check_names(arrays: Mapping[str, np.ndarray], source: str) -> None:
    clash = sorted(set(arrays) & {"x", "y", "frame"})
    if clash:
        raise InputError(
            f"{source}: species name {clash[0]!r} is a coordinate name; pass species= to name it"
        )


def image_dataset(
    arrays: Mapping[str, np.ndarray],
    *,
    pixel_size_x_um: float,
    pixel_size_y_um: float,
    attrs: Mapping[str, Any],
    var_attrs: Mapping[str, Mapping[str, Any]] | None = None,
    source: str = "",
    dtype: Any = np.float64,
) -> xr.Dataset:
    """Assemble an image dataset from ``{species: array (y,x) or (frame,y,x)}``.

    Pixel sizes in um; ``attrs`` must hold ``instrument`` and ``format`` (the rest is filled:
    pixel sizes, field of view, ``n_frames``, ``dead_time_corrected`` default 0).
    """
    if not arrays:
        raise FileFormatError(f"{source}: no image data found")
    shapes = {k: np.shape(v) for k, v in arrays.items()}
    if len(set(shapes.values())) != 1:
        raise ShapeMismatchError(f"{source}: images differ in shape: {shapes}")
    shape = next(iter(shapes.values()))
    if len(shape) not in (2, 3) or min(shape) < 1:
        raise FileFormatError(f"{source}: expected 2D images or frame stacks, got shape {shape}")
    _check_names(arrays, source)
    pixel_size_x_um, pixel_size_y_um = _sizes(pixel_size_x_um, pixel_size_y_um, source)
    ny, nx = shape[-2:]
    dims = ("y", "x") if len(shape) == 2 else ("frame", "y", "x")
    coords: dict[str, Any] = {
        "y": ("y", pixel_coords(ny, pixel_size_y_um), {"units": "um"}),
        "x": ("x", pixel_coords(nx, pixel_size_x_um), {"units": "um"}),
    }
    if len(shape) == 3:
        coords["frame"] = ("frame", np.arange(shape[0]))
    data_vars = {}
    for name, arr in arrays.items():
        a = np.asarray(arr, dtype=dtype)
        check_counts(name, a, source=source)
        va = {"species": name, "units": "counts"}
        va.update(dict((var_attrs or {}).get(name, {})))
        data_vars[name] = (dims, a, va)
    full = {
        "pixel_size_x_um": float(pixel_size_x_um),
        "pixel_size_y_um": float(pixel_size_y_um),
        "field_of_view_x_um": float(pixel_size_x_um) * nx,
        "field_of_view_y_um": float(pixel_size_y_um) * ny,
        "n_frames": int(shape[0]) if len(shape) == 3 else 1,
        "dead_time_corrected": 0,
    }
    full.update({k: v for k, v in attrs.items() if v is not None})
    full["dead_time_corrected"] = int(bool(full["dead_time_corrected"]))
    return xr.Dataset(data_vars, coords=coords, attrs=full)


def pixel_sizes(
    nx: int,
    ny: int,
    *,
    field_of_view_um: float | tuple[float, float] | None,
    pixel_size_um: float | tuple[float, float] | None,
    source: str,
) -> tuple[float, float]:
    """(p_x, p_y) in um from a field of view (fx, fy) or a pixel size; one of them is needed."""
    if pixel_size_um is not None:
        px, py = _pair(pixel_size_um)
        return (
            check_length_um(px, name="pixel size x", source=source),
            check_length_um(py, name="pixel size y", source=source),
        )
    if field_of_view_um is not None:
        fx, fy = _pair(field_of_view_um)
        fx = check_length_um(fx, name="field of view x", source=source)
        fy = check_length_um(fy, name="field of view y", source=source)
        return fx / nx, fy / ny
    raise FileFormatError(
        f"{source}: no field of view in the file; pass field_of_view_um=(fx, fy) or pixel_size_um"
    )


def _pair(v: float | tuple[float, float] | Sequence[float]) -> tuple[float, float]:
    if isinstance(v, int | float):
        return float(v), float(v)
    vals = [float(t) for t in v]
    if len(vals) != 2:
        raise DataError(f"expected one value or a pair (x, y), got {v!r}")
    return vals[0], vals[1]
