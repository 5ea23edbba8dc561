"""Arrays from files that carry no tracerdiff metadata (foreign TIFF, ``.npy``, ``.npz``, text
matrices): pages split into frames or species, the pixel size from the file's calibration or the
caller's options."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from ..errors import FileFormatError, InputError
from ._common import image_dataset, normalize_species, pixel_sizes, source_attrs

__all__ = ["foreign_dataset", "stack_to_arrays"]


def stack_to_arrays(
    a: np.ndarray, *, species: Sequence[str] | str | None, pages_as: str, source: str
) -> dict[str, np.ndarray]:
    """Split a 2D/3D array into ``{species: image}``: pages are frames or species (names are
    normalised, ``^6Li+`` -> ``6Li``)."""
    arrays = _split_pages(a, species=species, pages_as=pages_as, source=source)
    return {normalize_species(k): v for k, v in arrays.items()}


def _one_name(species: Sequence[str] | str | None) -> str:
    return species if isinstance(species, str) else (species[0] if species else "counts")


def _split_pages(
    a: np.ndarray, *, species: Sequence[str] | str | None, pages_as: str, source: str
) -> dict[str, np.ndarray]:
    if a.ndim == 2:
        return {_one_name(species): a}
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
    return {_one_name(species): a}


def foreign_dataset(
    arrays: dict[str, np.ndarray],
    p: Path,
    fmt: str,
    *,
    pixel_size_um: float | tuple[float, float] | None,
    field_of_view_um: float | tuple[float, float] | None,
    instrument: str,
    calibration: dict[str, object] | None = None,
) -> xr.Dataset:
    """The image dataset of ``arrays``; options win over the file's ``calibration``
    (``pixel_size_um`` pair and ``pixel_size_from``, as read from the file)."""
    if not arrays:
        raise FileFormatError(f"{p}: holds no arrays; expected one image per species")
    shape = next(iter(arrays.values())).shape
    cal = dict(calibration or {})
    attrs: dict[str, object] = {"instrument": instrument, "format": fmt, **source_attrs(p)}
    if pixel_size_um is None and field_of_view_um is None and "pixel_size_um" in cal:
        pixel_size_um = cal.pop("pixel_size_um")  # type: ignore[assignment]
        attrs["pixel_size_from"] = str(cal.get("pixel_size_from", "file"))
    elif pixel_size_um is not None or field_of_view_um is not None:
        attrs["pixel_size_from"] = "option"
    px, py = pixel_sizes(
        shape[-1],
        shape[-2],
        field_of_view_um=field_of_view_um,
        pixel_size_um=pixel_size_um,
        source=str(p),
    )
    return image_dataset(arrays, pixel_size_x_um=px, pixel_size_y_um=py, attrs=attrs, source=str(p))
