"""IONTOF (SurfaceLab) ASCII exports: 2D image matrices, ``x y [scan] counts`` columns, and the
writers producing exactly what the reader reads.

Image header: ``#`` comment lines of the form ``# Key (unit): value`` before the numbers, e.g.::

    # Species: ^6Li+
    # Mass (u): 6.0151
    # Field of view (µm): 500.000 x 200.000
    # Image size (pixels): 512 x 206
    # Shots per pixel: 1
    # Scans: 100
    # Dead time corrected: no

then one row of tab-separated counts per image row (row 0 first), or for the column form one
``x<TAB>y<TAB>counts`` (or ``x y scan counts``) line per pixel with 0-based pixel indices.
Non-integer counts (``11.0097``) mean the export is already dead-time corrected.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import DataError, FileFormatError, InputError
from ..outputs import atomic_path
from ._checks import first_nonfinite
from ._common import (
    PathLike,
    existing_file,
    image_dataset,
    looks_dead_time_corrected,
    normalize_species,
    pixel_sizes,
    source_attrs,
)

__all__ = ["read_iontof_image", "write_iontof_columns", "write_iontof_image"]

_KEYVAL = re.compile(r"^#\s*([^:]+?)\s*(?:\(([^)]*)\))?\s*:\s*(.*?)\s*$")
_LENGTH_TO_UM = {"um": 1.0, "µm": 1.0, "μm": 1.0, "micron": 1.0, "mm": 1e3, "nm": 1e-3, "cm": 1e4}


_NUMBER = re.compile(r"[-+]?(?:\b(?:inf|infinity|nan)\b|\d*\.?\d+(?:[eE][-+]?\d+)?)", re.I)


def _numbers(text: str) -> list[float]:
    """The numbers in a header value, ``inf``/``nan`` included (so that they are refused, not
    skipped)."""
    return [float(t) for t in _NUMBER.findall(text)]


def parse_header(lines: Sequence[str], *, source: str) -> dict[str, Any]:
    """Header fields of an image export: species, mass, fov (um pair), pixels, shots, scans..."""
    out: dict[str, Any] = {}
    for line in lines:
        m = _KEYVAL.match(line.strip())
        if not m:
            continue
        key, unit, val = m.group(1).lower(), (m.group(2) or "").strip().lower(), m.group(3)
        nums = _numbers(val)
        if "field of view" in key and nums:
            scale = _LENGTH_TO_UM.get(unit or "um")
            if scale is None:
                raise FileFormatError(
                    f"{source}: unknown field-of-view unit in the header; "
                    f"expected one of {sorted(_LENGTH_TO_UM)}"
                )
            parts = [q for q in re.split(r"[x×*,]", val) if q.strip()]
            if len(nums) != len(parts) or not all(math.isfinite(n) and n > 0 for n in nums):
                raise FileFormatError(
                    f"{source}: the header's field of view is not a positive, "
                    "finite length (expected e.g. '500 x 200')"
                )
            fx = nums[0] * scale
            out["fov"] = (fx, nums[1] * scale if len(nums) > 1 else fx)
        elif "shots" in key and nums:
            out["shots_per_pixel"] = _whole(nums[0], key, source)
        elif "pixel size" in key and nums and unit in _LENGTH_TO_UM:
            px = nums[0] * _LENGTH_TO_UM[unit]
            out["pixel_size"] = (px, nums[1] * _LENGTH_TO_UM[unit] if len(nums) > 1 else px)
        elif ("pixel" in key or unit == "pixels") and nums:
            n = [_whole(v, key, source) for v in nums[:2]]
            out["pixels"] = (n[0], n[-1])
        elif "scan" in key and nums:
            out["scans"] = _whole(nums[0], key, source)
        elif "dead time" in key:
            out["dead_time_corrected"] = val.strip().lower() in ("yes", "true", "1", "on")
        elif "resolution" in key and nums:
            out["mass_resolution"] = nums[0]
        elif key.startswith("mass") and nums:
            out["mass"] = nums[0]
        elif key in ("species", "peak", "image", "name", "ion") and val:
            out["species"] = val.strip()
    return out


def _whole(v: float, key: str, source: str) -> int:
    """A header count as an int; FileFormatError naming the header key when it is not one."""
    if not (np.isfinite(v) and v == round(v) and v >= 0):
        raise FileFormatError(f"{source}: header {key!r}: expected a whole number >= 0")
    return int(v)


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Latin-1 (SurfaceLab writes 'µ' as one byte)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _where(exc: BaseException) -> str:
    """``"; line 3"`` when the parser's message names the line; never the text of the file."""
    m = re.search(r"\bline (\d+)", str(exc))
    return f"; line {m.group(1)}" if m else ""


def _split_file(path: Path) -> tuple[list[str], np.ndarray]:
    """Header comment lines and the numeric table (pandas C parser, whitespace separated)."""
    text = _decode(path.read_bytes())
    header = [ln.rstrip("\r") for ln in text.splitlines() if ln.startswith("#")]
    try:
        table = pd.read_csv(io.StringIO(text), sep=r"\s+", comment="#", header=None, dtype=float)
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise FileFormatError(
            f"{path}: not an IONTOF ASCII image (expected '#' header lines and rows of numbers"
            f"{_where(exc)})"
        ) from None
    a = table.to_numpy(dtype=float)
    _check_finite_table(a, text, path)
    return header, a


def _check_finite_table(a: np.ndarray, text: str, path: Path) -> None:
    """DataError naming line and column of the first NaN, infinite or missing number."""
    bad = first_nonfinite(a) if a.ndim == 2 else None
    if bad is None:
        return
    row, col = bad
    lines = [i + 1 for i, ln in enumerate(text.splitlines()) if ln.split("#", 1)[0].strip()]
    where = f"line {lines[row]}" if row < len(lines) else f"data row {row + 1}"
    raise DataError(
        f"{path}: NaN, infinite or missing count at {where}, column {col + 1} "
        f"(image row {row}, column {col}); expected finite counts >= 0"
    )


def _columns_layout(a: np.ndarray, pixels: tuple[int, int] | None) -> bool:
    """True when the table is the ``x y [scan] counts`` form (integer pixel indices)."""
    if a.ndim != 2 or a.shape[1] not in (3, 4):
        return False
    idx = a[:, : a.shape[1] - 1]
    if not np.all(idx == np.round(idx)) or float(idx.min()) < 0:
        return False
    nx, ny = int(idx[:, 0].max()) + 1, int(idx[:, 1].max()) + 1
    n_scan = int(idx[:, 2].max()) + 1 if a.shape[1] == 4 else 1
    if pixels is not None and (nx, ny) != pixels:
        return False
    return a.shape[0] == nx * ny * n_scan


def _from_columns(a: np.ndarray, *, source: str) -> np.ndarray:
    ix, iy = a[:, 0].astype(int), a[:, 1].astype(int)
    nx, ny = ix.max() + 1, iy.max() + 1
    if a.shape[1] == 3:
        img = np.full((ny, nx), np.nan)
        img[iy, ix] = a[:, 2]
    else:
        isc = a[:, 2].astype(int)
        img = np.full((isc.max() + 1, ny, nx), np.nan)
        img[isc, iy, ix] = a[:, 3]
    if np.isnan(img).any():
        raise FileFormatError(
            f"{source}: pixel indices repeat or leave gaps in the x y counts table"
        )
    return img


def _image_from_table(a: np.ndarray, h: dict[str, Any], *, source: str) -> tuple[np.ndarray, str]:
    """The image (or frame stack) and the format name from the numeric table."""
    if _columns_layout(a, h.get("pixels")):
        return _from_columns(a, source=source), "iontof_ascii_columns"
    if "pixels" in h and (a.shape[1], a.shape[0]) != h["pixels"]:
        raise FileFormatError(
            f"{source}: header says {h['pixels'][0]} x {h['pixels'][1]} pixels but the matrix is "
            f"{a.shape[1]} x {a.shape[0]}"
        )
    return a, "iontof_ascii_image"


def _geometry(
    h: dict[str, Any],
    field_of_view_um: float | tuple[float, float] | None,
    pixel_size_um: float | tuple[float, float] | None,
) -> dict[str, Any]:
    """Options win over the header; in the header the field of view wins over a (rounded)
    pixel size."""
    if field_of_view_um is None and pixel_size_um is None:
        field_of_view_um = h.get("fov")
        if field_of_view_um is None:
            pixel_size_um = h.get("pixel_size")
    return {"field_of_view_um": field_of_view_um, "pixel_size_um": pixel_size_um}


def read_iontof_image(
    path: PathLike,
    *,
    species: str | None = None,
    field_of_view_um: float | tuple[float, float] | None = None,
    pixel_size_um: float | tuple[float, float] | None = None,
    mass: float | None = None,
) -> xr.Dataset:
    """Read one IONTOF ASCII image export (one mass per file) as an image dataset.

    The field of view (um) comes from the header, else from ``field_of_view_um=(fx, fy)`` or
    ``pixel_size_um`` (explicit options win over the header). ``species`` overrides the header
    label; the variable is named by the normalised label (``^6Li+`` -> ``6Li``) and keeps the
    original in ``attrs["label"]``. Frames (4-column form) get dim ``frame``.
    """
    p = existing_file(path)
    header, a = _split_file(p)
    h = parse_header(header, source=str(p))
    img, fmt = _image_from_table(a, h, source=str(p))
    label = species or h.get("species") or p.stem
    name = normalize_species(label)
    nx, ny = img.shape[-1], img.shape[-2]
    px, py = pixel_sizes(
        nx,
        ny,
        **_geometry(h, field_of_view_um, pixel_size_um),
        source=str(p),
    )
    m = mass if mass is not None else h.get("mass")
    var_attrs: dict[str, Any] = {"label": label}
    if m is not None:
        var_attrs["mass"] = float(m)
    attrs: dict[str, Any] = {
        "instrument": "IONTOF TOF.SIMS",
        "format": fmt,
        "dead_time_corrected": bool(h.get("dead_time_corrected"))
        or looks_dead_time_corrected([img]),
        "shots_per_pixel": h.get("shots_per_pixel"),
        "n_scans": h.get("scans"),
        "mass_resolution": h.get("mass_resolution"),
        **source_attrs(p),
    }
    return image_dataset(
        {name: img},
        pixel_size_x_um=px,
        pixel_size_y_um=py,
        attrs=attrs,
        var_attrs={name: var_attrs},
        source=str(p),
    )


def _header_lines(
    *,
    species: str,
    mass: float | None,
    field_of_view_um: tuple[float, float],
    shape: tuple[int, int],
    shots_per_pixel: int | None,
    scans: int | None,
    dead_time_corrected: bool,
) -> list[str]:
    fx, fy = (float(v) for v in field_of_view_um)
    lines = [
        "# IONTOF SurfaceLab ASCII image export (written by tracerdiff)",
        f"# Species: {species}",
    ]
    if mass is not None:
        lines.append(f"# Mass (u): {float(mass):.4f}")
    lines += [
        f"# Field of view (µm): {fx:.3f} x {fy:.3f}",
        f"# Image size (pixels): {shape[1]} x {shape[0]}",
    ]
    if shots_per_pixel is not None:
        lines.append(f"# Shots per pixel: {int(shots_per_pixel)}")
    if scans is not None:
        lines.append(f"# Scans: {int(scans)}")
    lines.append(f"# Dead time corrected: {'yes' if dead_time_corrected else 'no'}")
    return lines


def _checked_counts(counts: Any, ndims: tuple[int, ...]) -> np.ndarray:
    a = np.asarray(counts, dtype=float)
    if a.ndim not in ndims:
        raise InputError(
            f"expected a {' or '.join(f'{d}D' for d in ndims)} array of counts, got shape {a.shape}"
        )
    if not np.all(np.isfinite(a)) or (a.size and float(a.min()) < 0):
        raise DataError("counts must be finite and >= 0")
    return a


def _fmt(a: np.ndarray) -> str:
    return (
        "%d" if bool(np.all(a == np.round(a))) and float(np.max(a, initial=0)) < 2**53 else "%.10g"
    )


def write_iontof_image(
    path: PathLike,
    counts2d: Any,
    *,
    species: str,
    mass: float | None = None,
    field_of_view_um: tuple[float, float],
    shots_per_pixel: int | None = None,
    scans: int | None = None,
    dead_time_corrected: bool = False,
    force: bool = False,
) -> Path:
    """Write a 2D count image (rows = y, row 0 first) as an IONTOF-style ASCII matrix, atomically.

    ``field_of_view_um=(fx, fy)`` in um; integer counts are written as integers, others with 10
    significant digits. Returns the path.
    """
    a = _checked_counts(counts2d, (2,))
    head = _header_lines(
        species=species,
        mass=mass,
        field_of_view_um=field_of_view_um,
        shape=(a.shape[0], a.shape[1]),
        shots_per_pixel=shots_per_pixel,
        scans=scans,
        dead_time_corrected=dead_time_corrected,
    )
    with atomic_path(path, force=force) as tmp:
        np.savetxt(
            tmp,
            a,
            fmt=_fmt(a),
            delimiter="\t",
            header="\n".join(head),
            comments="",
            encoding="utf-8",
        )
    return Path(path)


def write_iontof_columns(
    path: PathLike,
    counts: Any,
    *,
    species: str,
    mass: float | None = None,
    field_of_view_um: tuple[float, float],
    shots_per_pixel: int | None = None,
    dead_time_corrected: bool = False,
    force: bool = False,
) -> Path:
    """Write ``x y counts`` (2D input) or ``x y scan counts`` (3D ``(scan, y, x)``) columns."""
    a = _checked_counts(counts, (2, 3))
    a3 = a[None] if a.ndim == 2 else a
    ns, ny, nx = a3.shape
    sc, yy, xx = np.meshgrid(np.arange(ns), np.arange(ny), np.arange(nx), indexing="ij")
    cols = [xx.ravel(), yy.ravel()] + ([sc.ravel()] if a.ndim == 3 else []) + [a3.ravel()]
    table = np.column_stack(cols)
    head = _header_lines(
        species=species,
        mass=mass,
        field_of_view_um=field_of_view_um,
        shape=(ny, nx),
        shots_per_pixel=shots_per_pixel,
        scans=ns if a.ndim == 3 else None,
        dead_time_corrected=dead_time_corrected,
    )
    head.append("# x\ty\tscan\tcounts" if a.ndim == 3 else "# x\ty\tcounts")
    fmts = ["%d"] * (table.shape[1] - 1) + [_fmt(a3)]
    with atomic_path(path, force=force) as tmp:
        np.savetxt(
            tmp,
            table,
            fmt=fmts,
            delimiter="\t",
            header="\n".join(head),
            comments="",
            encoding="utf-8",
        )
    return Path(path)
