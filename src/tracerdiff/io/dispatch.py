"""``open_dataset`` (re-exported as ``tracerdiff.open``): one entry point for every format,
dispatching on ``kind``, then on content (magic bytes, header lines), then on the suffix; and
``open_images`` merging single-mass files into one dataset."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import xarray as xr

from ..errors import DataError, FileFormatError, InputError, ShapeMismatchError
from ._checks import check_max_pixels, quiet
from ._common import PathLike, existing_file, normalize_species
from .cameca import read_cameca_im, read_cameca_is
from .cameca_ims import is_cameca_ims_asc, read_cameca_ims_asc
from .iontof import read_iontof_image
from .iontof_profile import is_iontof_depth_profile, read_iontof_depth_profile
from .lans import read_lans_mat
from .netcdf import read_netcdf
from .npyfiles import read_npy, read_npz
from .profile_csv import read_profile_csv
from .text_matrix import looks_like_matrix, read_text_matrix
from .tiff import read_tiff

__all__ = ["GENERIC_KINDS", "KINDS", "detect_kind", "open_dataset", "open_images", "species_list"]

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
    "text_matrix": read_text_matrix,
    "lans_mat": read_lans_mat,
}

#: what a file holds, for ``kind=`` when the name cannot say it: the reader is then chosen
#: among the readers of that kind from the content (aliases: ``depth``, ``cycles``)
GENERIC_KINDS: dict[str, tuple[str, ...]] = {
    "image": ("tiff", "npy", "npz", "netcdf", "nanosims_im", "lans_mat", "iontof_image",
              "text_matrix"),
    "profile": ("profile_csv",),
    "depth_profile": ("iontof_depth_profile", "nanosims_is", "cameca_ims_asc"),
    "isotope_cycles": ("nanosims_is", "cameca_ims_asc"),
}  # fmt: skip
_ALIASES = {"depth": "depth_profile", "cycles": "isotope_cycles", "isotope": "isotope_cycles"}

_SUFFIX = {
    ".im": "nanosims_im",
    ".is": "nanosims_is",
    ".dp": "nanosims_is",
    ".asc": "cameca_ims_asc",
    ".tif": "tiff",
    ".tiff": "tiff",
    ".npy": "npy",
    ".npz": "npz",
    ".nc": "netcdf",
    ".nc4": "netcdf",
    ".h5": "netcdf",
    ".csv": "profile_csv",
    ".tsv": "text_matrix",
    ".mat": "lans_mat",
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
_TEXT = (".txt", ".dat", ".asc", ".csv", ".tsv", "")


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
    if head.startswith(b"MATLAB"):
        return "lans_mat"
    suffix = p.suffix.lower()
    if suffix in (".im", ".is", ".dp"):
        return _SUFFIX[suffix]
    if suffix in _TEXT or suffix not in _SUFFIX:
        text_kind = _text_kind(p, suffix)
        if text_kind is not None:
            return text_kind
    if suffix in _SUFFIX:
        return _SUFFIX[suffix]
    raise FileFormatError(
        f"{p}: unknown format (suffix {suffix!r}); expected IONTOF ASCII (.txt), Cameca "
        ".im/.is/.asc, TIFF, .npy/.npz, NetCDF (.nc), a LANS .mat, a count matrix (.csv/.tsv) "
        "or a CSV profile; pass kind= to choose"
    )


def _text_kind(p: Path, suffix: str) -> str | None:
    """The reader of a text file from its first lines (None: not recognised)."""
    if is_iontof_depth_profile(p):
        return "iontof_depth_profile"
    if is_cameca_ims_asc(p):
        return "cameca_ims_asc"
    if suffix in (".csv", ".tsv"):
        return "text_matrix" if looks_like_matrix(p) else "profile_csv"
    if suffix in (".txt", ".dat", ""):
        return "text_matrix" if _delimited_matrix(p) else "iontof_image"
    return None


def _delimited_matrix(p: Path) -> bool:
    """A headerless matrix separated by commas or semicolons (the IONTOF form has '#' lines and
    whitespace)."""
    try:
        with open(p, encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    first = next((ln for ln in head.splitlines() if ln.strip()), "")
    return not first.startswith("#") and ("," in first or ";" in first) and looks_like_matrix(p)


def _resolve_kind(p: Path, kind: str | None) -> str:
    """The reader for ``kind`` (a reader name, a generic kind or None: from the content)."""
    if kind is None:
        return detect_kind(p)
    k = _ALIASES.get(kind, kind)
    if k in KINDS:
        return k
    if k not in GENERIC_KINDS:
        raise InputError(
            f"unknown kind {kind!r}; expected one of {sorted(GENERIC_KINDS)} or a reader "
            f"({', '.join(sorted(KINDS))})"
        )
    detected = detect_kind(p)
    allowed = GENERIC_KINDS[k]
    if detected in allowed:
        return detected
    if k == "image" and detected == "profile_csv":
        return "text_matrix"
    if k == "profile" and detected == "text_matrix":
        return "profile_csv"
    what = k.replace("_", " ")
    article = "an" if what[0] in "aeiou" else "a"
    raise FileFormatError(
        f"{p}: holds {detected.replace('_', ' ')} data, not {article} {what}; the {what} "
        f"readers are {', '.join(allowed)}"
    )


def species_list(species: str | Sequence[str] | None) -> list[str] | None:
    """``"6Li/7Li"``, ``"6Li,7Li"``, ``"18O"`` or a list -> list of labels (None stays None)."""
    if species is None:
        return None
    items = [species] if isinstance(species, str) else list(species)
    out = [s.strip() for item in items for s in re.split(r"[/,]", str(item)) if s.strip()]
    if not out:
        raise InputError(f"species: expected a label such as 18O or 6Li/7Li, got {species!r}")
    return out


def _species_options(
    p: Path, k: str, species: str | Sequence[str] | None, accepted: Any, options: dict[str, Any]
) -> None:
    """Put ``species`` into the reader's own options (or refuse it for that reader)."""
    names = species_list(species)
    if names is None:
        return
    if k == "profile_csv" and "isotopes" not in options:
        if len(names) != 2:
            raise InputError(f"{p}: species for a CSV profile: give the pair, e.g. 6Li/7Li")
        options["isotopes"] = tuple(names)
        return
    if "species" not in accepted:
        raise InputError(
            f"{p}: a {k} file names its species itself; species= applies to single-species "
            "images (TIFF, .npy, text matrices, IONTOF images, LANS .mat) and CSV profiles"
        )
    if "pages_as" in accepted:
        if len(names) > 1:
            options.setdefault("pages_as", "species")
        options["species"] = names if len(names) > 1 else names[0]
        return
    if len(names) != 1:
        raise InputError(f"{p}: a {k} file holds one species; got species {names!r}")
    options["species"] = names[0]


def open_dataset(
    path: PathLike,
    *,
    kind: str | None = None,
    species: str | Sequence[str] | None = None,
    max_pixels: int | None = None,
    **options: Any,
) -> xr.Dataset:
    """Open a SIMS data file as an xarray Dataset (images, depth profiles, cycles or profiles).

    ``kind`` forces a reader (one of :data:`KINDS`) or says what the file holds (one of
    :data:`GENERIC_KINDS`: ``image``, ``profile``, ``depth_profile``/``depth``,
    ``isotope_cycles``/``cycles``; the reader is then chosen from the content). ``species``
    names the species of a file that cannot (``"18O"``; ``"6Li/7Li"`` or a list for a stack of
    one page per species, or the count columns of a CSV profile). ``options`` go to the reader
    (e.g. ``field_of_view_um=(500, 200)``, ``pixel_size_um=0.98``, ``column=...``).
    ``max_pixels`` (default ``2**28``) limits the values a file may declare.

    A ``.npz`` archive of two count images (one array per species) has no calibration, so the
    pixel size is given:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> counts = {"6Li": np.full((8, 40), 900), "7Li": np.full((8, 40), 100)}
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     np.savez(Path(tmp) / "map.npz", **counts)
    ...     images = open_dataset(Path(tmp) / "map.npz", pixel_size_um=0.5)
    >>> print(sorted(images.data_vars), dict(images.sizes))
    ['6Li', '7Li'] {'y': 8, 'x': 40}
    >>> print(images.attrs["pixel_size_x_um"], images.attrs["field_of_view_x_um"])
    0.5 20.0
    """
    p = existing_file(path)
    k = _resolve_kind(p, kind)
    reader = KINDS[k]
    accepted = inspect.signature(reader).parameters
    extra = sorted(o for o in options if o not in accepted)
    if extra:
        takes = sorted(n for n, v in accepted.items() if v.kind is v.KEYWORD_ONLY)
        raise InputError(
            f"{p}: a {k} file does not take {', '.join(extra)} (it takes "
            f"{', '.join(takes) if takes else 'no options'})"
        )
    _species_options(p, k, species, accepted, options)
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

    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = [Path(tmp) / "mass6.npy", Path(tmp) / "mass7.npy"]
    ...     np.save(paths[0], np.full((8, 40), 900))
    ...     np.save(paths[1], np.full((8, 40), 100))
    ...     images = open_images(paths, species=["6Li", "7Li"], field_of_view_um=(20.0, 4.0))
    >>> print(sorted(images.data_vars), images.attrs["pixel_size_y_um"])
    ['6Li', '7Li'] 0.5
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
    parts = [
        open_dataset(p, kind=kind, **geo, **_own_species(p, kind, species, i), **options)
        for i, p in enumerate(paths)
    ]
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


def _own_species(
    path: PathLike, kind: str | None, species: Sequence[str] | None, i: int
) -> dict[str, Any]:
    """``{"species": name}`` for a single-species reader (the file is named as it is read)."""
    if species is None:
        return {}
    reader = KINDS[_resolve_kind(existing_file(path), kind)]
    return {"species": species[i]} if "species" in inspect.signature(reader).parameters else {}


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
