"""IONTOF SurfaceLab ASCII depth-profile exports (reader and a writer in the same layout).

Layout of the export (tab separated)::

    # Profile Smoothing is Disabled                       <- free comment line(s)
    #<TAB><TAB><TAB><TAB>total<TAB>^6Li+<TAB>^7Li+ ...   <- species labels
    #<TAB><TAB><TAB><TAB>N/A<TAB>6.0151<TAB>7.0160 ...   <- exact masses (u)
    #Data Point #<TAB>Sputter Time (s)<TAB>Dose (ions)<TAB>Fluence (ions/cm^2)<TAB>Intensity ...
    1<TAB>0<TAB>2.47442e+06<TAB>9.89761e+10<TAB>1.22647e+06<TAB>11.0097 ...

Columns whose label is a ratio (``A / ( B )``) are derived by the software and are not read as
intensities (their labels are listed in ``attrs["ratio_columns"]``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import DataError, FileFormatError, InputError
from ..outputs import atomic_path
from ._common import (
    PathLike,
    check_counts,
    existing_file,
    looks_dead_time_corrected,
    normalize_species,
    source_attrs,
    unique_names,
)

__all__ = ["is_iontof_depth_profile", "read_iontof_depth_profile", "write_iontof_depth_profile"]

_AXES = {
    "data point": "data_point",
    "sputter time": "time_s",
    "dose": "dose_ions",
    "fluence": "fluence_ions_per_cm2",
    "depth": "depth_nm",
}


def _head(path: Path, n: int = 12) -> list[str]:
    out = []
    with open(path, encoding="latin-1") as fh:
        for _ in range(n):
            line = fh.readline()
            if not line:
                break
            out.append(line.rstrip("\r\n"))
    return out


def is_iontof_depth_profile(path: PathLike) -> bool:
    """True when the first lines hold the ``#...Sputter Time (s)`` column-title line."""
    return any(ln.startswith("#") and "Sputter Time" in ln for ln in _head(Path(path)))


def _axis_key(title: str) -> str | None:
    t = title.lstrip("#").strip().lower()
    for k, v in _AXES.items():
        if t.startswith(k):
            return v
    return None


def _parse_rows(lines: Sequence[str], ncol: int, *, source: str, first: int = 1) -> np.ndarray:
    """Numeric rows; ``first`` is the file line number of ``lines[0]`` (for messages)."""
    rows = []
    for i, line in enumerate(lines):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")[:ncol]
        if len(fields) < ncol:
            raise FileFormatError(
                f"{source}: line {i + first} has {len(fields)} of {ncol} columns (truncated file?)"
            )
        try:
            rows.append([float(f) if f.strip() else np.nan for f in fields])
        except ValueError:
            raise FileFormatError(f"{source}: line {i + first} is not numeric") from None
    if not rows:
        raise FileFormatError(f"{source}: depth profile has no data rows")
    return np.array(rows, dtype=float)


def read_iontof_depth_profile(path: PathLike) -> xr.Dataset:
    """Read an IONTOF ASCII depth profile as a profile dataset over sputter time (dim ``time_s``).

    One variable per species (normalised names, ``^206Pb+`` -> ``206Pb``; repeats get ``_2``);
    var attrs ``label`` (as exported), ``mass`` (u) when given. Coordinates ``data_point``,
    ``dose_ions``, ``fluence_ions_per_cm2`` (and ``depth_nm``) when present.
    Non-integer intensities set ``dead_time_corrected=1``.
    """
    p = existing_file(path)
    src = str(p)
    lines = p.read_text(encoding="latin-1").splitlines()
    t_idx = next(
        (i for i, ln in enumerate(lines[:20]) if ln.startswith("#") and "Sputter Time" in ln), None
    )
    if t_idx is None or t_idx < 2:
        raise FileFormatError(
            f"{src}: not an IONTOF depth-profile export (expected species, "
            "mass and '#Data Point #<TAB>Sputter Time (s)...' header lines)"
        )
    titles = lines[t_idx].split("\t")
    labels = lines[t_idx - 2].split("\t")
    masses = lines[t_idx - 1].split("\t")
    ncol = len(titles)
    data = _parse_rows(lines[t_idx + 1 :], ncol, source=src, first=t_idx + 2)
    coords: dict[str, Any] = {}
    species: dict[str, tuple[str, str, np.ndarray]] = {}
    ratios: list[str] = []
    raw_names, picked = [], []
    for j, title in enumerate(titles):
        key = _axis_key(title)
        label = labels[j].lstrip("#").strip() if j < len(labels) else ""
        if key is not None:
            coords[key] = data[:, j]
        elif "/ (" in label:
            ratios.append(label)
        elif label or title.strip():
            raw_names.append(normalize_species(label or title))
            picked.append((j, label or title.strip()))
    if "time_s" not in coords:
        raise FileFormatError(f"{src}: no 'Sputter Time (s)' column")
    for name, (j, label) in zip(unique_names(raw_names), picked, strict=True):
        mass = masses[j].lstrip("#").strip() if j < len(masses) else ""
        species[name] = (label, mass, data[:, j])
    return _profile_dataset(coords, species, ratios, lines[: t_idx - 2], p)


def _profile_dataset(
    coords: Mapping[str, np.ndarray],
    species: Mapping[str, tuple[str, str, np.ndarray]],
    ratios: list[str],
    comments: list[str],
    p: Path,
) -> xr.Dataset:
    if not species:
        raise FileFormatError(f"{p}: depth profile has no intensity columns")
    time = coords["time_s"]
    if not np.all(np.isfinite(time)):
        raise DataError(f"{p}: non-finite sputter times")
    data_vars = {}
    for name, (label, mass, arr) in species.items():
        check_counts(name, arr, source=str(p))
        attrs: dict[str, Any] = {"label": label, "species": name, "units": "counts"}
        try:
            attrs["mass"] = float(mass)
        except ValueError:
            pass
        data_vars[name] = (("time_s",), arr, attrs)
    c: dict[str, Any] = {"time_s": ("time_s", time, {"units": "s"})}
    for k, v in coords.items():
        if k != "time_s":
            c[k] = ("time_s", v)
    attrs_ds: dict[str, Any] = {
        "instrument": "IONTOF TOF.SIMS",
        "format": "iontof_ascii_depth_profile",
        "kind": "depth_profile",
        "n_cycles": int(time.size),
        "dead_time_corrected": int(looks_dead_time_corrected([v[2] for v in species.values()])),
        "ratio_columns": json.dumps(ratios),
        "comment": " ".join(ln.lstrip("#").strip() for ln in comments).strip(),
        **source_attrs(p),
    }
    return xr.Dataset(data_vars, coords=c, attrs=attrs_ds)


def write_iontof_depth_profile(
    path: PathLike,
    time_s: Any,
    intensities: Mapping[str, Any],
    *,
    masses: Mapping[str, float] | None = None,
    dose_ions: Any = None,
    fluence_ions_per_cm2: Any = None,
    comment: str = "Profile Smoothing is Disabled",
    force: bool = False,
) -> Path:
    """Write a depth profile in the IONTOF ASCII layout (as exported by SurfaceLab), atomically.

    ``time_s``: sputter times (s); ``intensities``: ``{label: counts per cycle}`` with labels as
    the instrument spells them (``"^6Li+"``); ``masses`` in u. A ``total`` column is added.
    """
    t = np.asarray(time_s, dtype=float)
    cols = {k: np.asarray(v, dtype=float) for k, v in intensities.items()}
    if t.ndim != 1 or not cols or any(v.shape != t.shape for v in cols.values()):
        raise InputError("time_s and every intensity must be 1D arrays of the same length")
    for k, v in cols.items():
        check_counts(k, v, source=str(path))
    n = t.size
    dose = np.zeros(n) if dose_ions is None else np.asarray(dose_ions, dtype=float)
    flu = np.zeros(n) if fluence_ions_per_cm2 is None else np.asarray(fluence_ions_per_cm2, float)
    total = np.sum(list(cols.values()), axis=0)
    m = masses or {}
    head = [
        f"# {comment}",
        "#\t\t\t\ttotal\t" + "\t".join(cols) + "\t",
        "#\t\t\t\tN/A\t" + "\t".join(f"{m[k]:.4f}" if k in m else "N/A" for k in cols) + "\t",
        "#Data Point #\tSputter Time (s)\tDose (ions)\tFluence (ions/cm^2)\t"
        + "\t".join(["Intensity"] * (len(cols) + 1))
        + "\t",
    ]
    body = []
    for i in range(n):
        vals = [f"{i + 1}", f"{t[i]:.10g}", f"{dose[i]:.6g}", f"{flu[i]:.6g}", f"{total[i]:.10g}"]
        vals += [f"{v[i]:.10g}" for v in cols.values()]
        body.append("\t".join(vals) + "\t")
    with atomic_path(path, force=force) as tmp:
        tmp.write_text("\r\n".join(head + body) + "\r\n", encoding="latin-1")
    return Path(path)
