"""``open_dataset`` (re-exported as ``tracerdiff.open``): one entry point for every format,
dispatching on ``kind``, then on content (magic bytes, header lines), then on the suffix; and
``open_images`` merging single-mass files into one dataset."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import xarray as xr

from ..errors import DataError, FileFormatError, InputError, ShapeMismatchError
from ._checks import check_max_pixels, quiet
from ._common import PathLike, existing_file, normalize_species
from .arrays import read_netcdf, read_npy, read_npz, read_tiff
from .cameca import read_cameca_im, read_cameca_is
from .cameca_ims import is_cameca_ims_asc, read_cameca_ims_asc
from .iontof import read_iontof_image
from .iontof_profile import is_iontof_depth_profile, read_iontof_depth_profile
from .profile_csv import read_profile_csv

__all__ = ["KINDS", "detect_kind", "open_dataset", "open_images"]

KINDS: dict[str, Callable[..., xr.Dataset]] = {
    "iontof_image": read_iontof_image,
    "iontof_depth_profile": read_iontof_depth_profile,
    "nanosims_im": read_cameca_im,
    "nanosims_is": read_cameca_is,
    "cameca_ims_asc": read_cameca_ims_asc,
    "tiff": read_tiff,
    "npy": read_npy,
    "npz": read_npz,
    "netcdf": read_netcdf,
    "profile_csv": read_profile_csv,
}

_SUFFIX = {
    ".im": "nanosims_im",
    ".is": "nanosims_is",
    ".asc": "cameca_ims_asc",
    ".tif": "tiff",
    ".tiff": "tiff",
    ".npy": "npy",
    ".npz": "npz",
    ".nc": "netcdf",
    ".nc4": "netcdf",
    ".h5": "netcdf",
    ".csv": "profile_csv",
}
_MAGIC = (
    (b"\x89HDF", "netcdf"),
    (b"CDF\x01", "netcdf"),
    (b"CDF\x02", "netcdf"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"II+\x00", "tiff"),
    (b"\x93NUMPY", "npy"),
    (b"PK\x03\x04", "npz"),
)
_TEXT = (".txt", ".dat", ".asc", ".csv", "")


def detect_kind(path: PathLike) -> str:
    """The reader kind for a file, from its content first and its suffix second."""
    p = existing_file(path)
    try:
        with open(p, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise FileFormatError(f"{p}: cannot be read ({why})") from None
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    suffix = p.suffix.lower()
    if suffix in (".im", ".is"):
        return _SUFFIX[suffix]
    if suffix in _TEXT or suffix not in _SUFFIX:
        if is_iontof_depth_profile(p):
            return "iontof_depth_profile"
        if is_cameca_ims_asc(p):
            return "cameca_ims_asc"
        if suffix == ".csv":
            return "profile_csv"
        if suffix in (".txt", ".dat", ""):
            return "iontof_image"
    if suffix in _SUFFIX:
        return _SUFFIX[suffix]
    raise FileFormatError(
        f"{p}: unknown format (suffix {suffix!r}); expected IONTOF ASCII (.txt), Cameca "
        ".im/.is/.asc, TIFF, .npy/.npz, NetCDF (.nc) or a CSV profile; pass kind= to choose"
    )


def open_dataset(
    path: PathLike, *, kind: str | None = None, max_pixels: int | None = None, **options: Any
) -> xr.Dataset:
    """Open a SIMS data file as an xarray Dataset (images, depth profiles, cycles or profiles).

    ``kind`` forces a reader (one of :data:`KINDS`); ``options`` go to the reader (e.g.
    ``field_of_view_um=(500, 200)``, ``pixel_size_um=0.98``, ``species=...``, ``column=...``).
    ``max_pixels`` (default ``2**28``) limits the values a binary array file (TIFF, npy, npz,
    NetCDF) may declare; text formats are bounded by their size on disk and ignore it.
    """
    p = existing_file(path)
    if kind is not None and kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}; expected one of {sorted(KINDS)}")
    k = kind or detect_kind(p)
    reader = KINDS[k]
    accepted = inspect.signature(reader).parameters
    extra = sorted(o for o in options if o not in accepted)
    if extra:
        takes = sorted(n for n, v in accepted.items() if v.kind is v.KEYWORD_ONLY)
        raise InputError(
            f"{p}: a {k} file does not take {', '.join(extra)} (it takes "
            f"{', '.join(takes) if takes else 'no options'})"
        )
    if max_pixels is not None and "max_pixels" in accepted:
        options["max_pixels"] = check_max_pixels(max_pixels)
    with quiet():
        return reader(p, **options)


def open_images(
    paths: Sequence[PathLike],
    *,
    species: Sequence[str] | None = None,
    pixel_size_um: float | tuple[float, float] | None = None,
    field_of_view_um: float | tuple[float, float] | None = None,
    kind: str | None = None,
    **options: Any,
) -> xr.Dataset:
    """Merge several single-mass image files into one dataset (one variable per file).

    ``species`` renames the variables in file order. Shapes, pixel sizes and the dead-time flag
    must agree (ShapeMismatchError / DataError otherwise). ``source_file`` and ``source_sha256``
    become ``"; "``-joined lists in file order.
    """
    if not paths:
        raise InputError("open_images needs at least one file")
    if species is not None and len(species) != len(paths):
        raise InputError(f"{len(species)} species names for {len(paths)} files")
    geo: dict[str, Any] = {}
    if pixel_size_um is not None:
        geo["pixel_size_um"] = pixel_size_um
    if field_of_view_um is not None:
        geo["field_of_view_um"] = field_of_view_um
    parts = [open_dataset(p, kind=kind, **geo, **options) for p in paths]
    merged: dict[str, xr.DataArray] = {}
    first = parts[0]
    for i, (p, ds) in enumerate(zip(paths, parts, strict=True)):
        _check_like(first, ds, Path(p), Path(paths[0]))
        if len(ds.data_vars) != 1:
            raise DataError(f"{p}: expected one species per file, found {list(ds.data_vars)}")
        da = next(iter(ds.data_vars.values()))
        name = normalize_species(species[i]) if species is not None else str(da.name)
        if name in merged:
            raise DataError(f"species {name!r} appears twice; pass species=[...] to name them")
        attrs = dict(da.attrs)
        if species is not None:
            attrs.update(species=name, label=species[i])
        merged[name] = da.rename(name).assign_attrs(attrs)
    out = xr.Dataset(merged, attrs=dict(first.attrs))
    out.attrs["source_file"] = "; ".join(str(d.attrs["source_file"]) for d in parts)
    out.attrs["source_sha256"] = "; ".join(str(d.attrs["source_sha256"]) for d in parts)
    return out


def _check_like(a: xr.Dataset, b: xr.Dataset, pb: Path, pa: Path) -> None:
    if dict(a.sizes) != dict(b.sizes):
        raise ShapeMismatchError(f"{pb}: shape {dict(b.sizes)} differs from {pa}: {dict(a.sizes)}")
    for k in ("pixel_size_x_um", "pixel_size_y_um"):
        if k in a.attrs and abs(float(a.attrs[k]) - float(b.attrs.get(k, -1))) > 1e-9 * abs(
            float(a.attrs[k])
        ):
            raise ShapeMismatchError(f"{pb}: {k} {b.attrs.get(k)} differs from {pa}: {a.attrs[k]}")
    if int(a.attrs.get("dead_time_corrected", 0)) != int(b.attrs.get("dead_time_corrected", 0)):
        raise DataError(
            f"{pb}: dead_time_corrected differs from {pa}; do not mix corrected and "
            "uncorrected exports"
        )
